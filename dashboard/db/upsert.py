"""Idempotent writes on a natural key: ``INSERT … ON CONFLICT`` for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, and_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

#: Rows per statement; keeps SQLite below its bound-parameter limit.
CHUNK_ROWS = 500


@dataclass
class UpsertCounts:
    """What an upsert did with the rows it was given."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def dialect_insert(conn: Connection):
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _chunks(rows: Sequence[dict], size: int) -> Iterable[Sequence[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _latest_per_key(rows: Iterable[dict], key: Sequence[str], version: str | None) -> tuple[list[dict], int]:
    """Collapse rows repeated within one batch to the newest version; returns (rows, duplicates dropped)."""
    latest: dict[tuple, dict] = {}
    total = 0
    for row in rows:
        total += 1
        k = tuple(row[c] for c in key)
        kept = latest.get(k)
        if kept is None or (version is not None and row[version] > kept[version]):
            latest[k] = row
    return list(latest.values()), total - len(latest)


def _existing_versions(conn: Connection, table: Table, key: Sequence[str], version: str | None, rows) -> dict:
    """The stored version (or None) of every row of ``rows`` that already exists."""
    cols = [table.c[c] for c in key]
    wanted = [tuple(r[c] for c in key) for r in rows]
    selected = [*cols, table.c[version]] if version else cols
    stmt = select(*selected).where(tuple_(*cols).in_(wanted)) if len(cols) > 1 else select(*selected).where(
        cols[0].in_([w[0] for w in wanted])
    )
    found = {}
    for rec in conn.execute(stmt):
        found[tuple(rec[: len(key)])] = rec[len(key)] if version else None
    return found


def upsert(
    conn: Connection,
    table: Table,
    rows: Iterable[dict],
    key: Sequence[str] = ("source", "source_id"),
    version: str | None = None,
) -> UpsertCounts:
    """Insert ``rows`` or update them on ``key``.

    Without ``version`` a row that exists is left as it is (immutable observations). With ``version``
    (e.g. ``updated_at``) an existing row is overwritten only by a strictly newer version, so re-pulls and
    out-of-order pages never roll a record back. Rows repeated within the batch count as unchanged.
    """
    unique_rows, repeated = _latest_per_key(rows, key, version)
    counts = UpsertCounts(unchanged=repeated)
    insert = dialect_insert(conn)
    for chunk in _chunks(unique_rows, CHUNK_ROWS):
        existing = _existing_versions(conn, table, key, version, chunk)
        fresh, newer = [], []
        for row in chunk:
            k = tuple(row[c] for c in key)
            if k not in existing:
                fresh.append(row)
            elif version is not None and _is_newer(row[version], existing[k]):
                newer.append(row)
            else:
                counts.unchanged += 1
        if fresh:
            conn.execute(insert(table).on_conflict_do_nothing(index_elements=list(key)), fresh)
            counts.new += len(fresh)
        if newer:
            stmt = insert(table)
            update_cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name in newer[0]}
            for col in (*key, "id"):
                update_cols.pop(col, None)
            stmt = stmt.on_conflict_do_update(
                index_elements=list(key),
                set_=update_cols,
                where=and_(table.c[version] < stmt.excluded[version]),
            )
            conn.execute(stmt, newer)
            counts.updated += len(newer)
    return counts


def _is_newer(candidate, stored) -> bool:
    if stored is None:
        return True
    if candidate is None:
        return False
    if getattr(candidate, "tzinfo", None) is not None and getattr(stored, "tzinfo", None) is None:
        stored = stored.replace(tzinfo=candidate.tzinfo)
    return candidate > stored
