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


def _existing_versions(conn: Connection, table: Table, key: Sequence[str], version: str, rows) -> dict:
    """The stored version of every row of ``rows`` that already exists, by key."""
    cols = [table.c[c] for c in key]
    prefix = {tuple(r[c] for c in key[:-1]) for r in rows}
    if len(prefix) == 1:  # the usual case: one source — equality on the prefix, IN on the last column
        (values,) = prefix
        where = and_(*(col == v for col, v in zip(cols[:-1], values, strict=True)),
                     cols[-1].in_([r[key[-1]] for r in rows]))
    else:
        where = tuple_(*cols).in_([tuple(r[c] for c in key) for r in rows])
    found = conn.execute(select(*cols, table.c[version]).where(where))
    return {tuple(rec[: len(key)]): rec[len(key)] for rec in found}


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
    if version is None:
        # Observations never change: insert what is new, count the rest as unchanged.
        stmt = insert(table).on_conflict_do_nothing(index_elements=list(key))
        for chunk in _chunks(unique_rows, CHUNK_ROWS):
            inserted = _inserted_count(conn, stmt, table, list(chunk))
            counts.new += inserted
            counts.unchanged += len(chunk) - inserted
        return counts
    for chunk in _chunks(unique_rows, CHUNK_ROWS):
        existing = _existing_versions(conn, table, key, version, chunk)
        fresh, newer = [], []
        for row in chunk:
            k = tuple(row[c] for c in key)
            if k not in existing:
                fresh.append(row)
            elif _is_newer(row[version], existing[k]):
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
                where=table.c[version] < stmt.excluded[version],
            )
            conn.execute(stmt, newer)
            counts.updated += len(newer)
    return counts


def _inserted_count(conn: Connection, stmt, table: Table, rows: list[dict]) -> int:
    """Execute an ``ON CONFLICT DO NOTHING`` insert and count the rows it really inserted."""
    if conn.dialect.name == "sqlite":
        return conn.execute(stmt, rows).rowcount  # sqlite3 sums rowcount over executemany
    primary = list(table.primary_key.columns)
    return len(conn.execute(stmt.returning(*primary), rows).all())


def _is_newer(candidate, stored) -> bool:
    if stored is None:
        return True
    if candidate is None:
        return False
    if getattr(candidate, "tzinfo", None) is not None and getattr(stored, "tzinfo", None) is None:
        stored = stored.replace(tzinfo=candidate.tzinfo)
    return candidate > stored
