"""Idempotent writes on a natural key: ``INSERT … ON CONFLICT`` for SQLite and PostgreSQL alike.

New rows go in with one driver-level ``executemany`` of plain tuples (values converted column by column, the
way the column types would bind them): sqlite3's, or psycopg's pipelined one on PostgreSQL. (SQLAlchemy's
multi-row ``INSERT … RETURNING`` spent 80% of a PostgreSQL ingest in psycopg parsing its giant statements.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import ARRAY, Column, Connection, Table, and_, any_, bindparam, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.db.partitions import (
    PARTITIONED,
    ensure_for_rows,
    is_partitioned,
    month_start,
    natural_key,
    partition_name,
)
from dashboard.db.types import UTCDateTime

#: Rows per statement; keeps SQLite below its bound-parameter limit.
CHUNK_ROWS = 500
#: Fewest rows a batch brings a table (or a month's partition) before it is analysed for them.
ANALYZE_MIN_ROWS = 1000


@dataclass
class UpsertCounts:
    """What an upsert did with the rows it was given."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


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
        last = [r[key[-1]] for r in rows]
        if conn.dialect.name == "postgresql":  # one array parameter, not a statement with a placeholder per key
            member = cols[-1] == any_(bindparam("keys", last, type_=ARRAY(cols[-1].type)))
        else:
            member = cols[-1].in_(last)
        where = and_(*(col == v for col, v in zip(cols[:-1], values, strict=True)), member)
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
    out-of-order pages never roll a record back. Rows repeated within the batch count as unchanged. On a table
    partitioned by month the key holds the partition key as well (:func:`dashboard.db.partitions.natural_key`).
    """
    key = natural_key(conn, table.name, tuple(key))
    if version is None:
        # Observations never change: insert what is new (a repeat within the batch conflicts like a stored
        # row does), count the rest as unchanged.
        rows = rows if isinstance(rows, list) else list(rows)
        inserted = insert_new(conn, table, rows, key)
        _analyze_grown(conn, table.name, rows)
        return UpsertCounts(new=inserted, unchanged=len(rows) - inserted)
    unique_rows, repeated = _latest_per_key(rows, key, version)
    counts = UpsertCounts(unchanged=repeated)
    insert = dialect_insert(conn)
    written: list[dict] = []  # the rows this upsert has inserted so far
    for chunk in _chunks(unique_rows, CHUNK_ROWS):
        if len(written) >= ANALYZE_MIN_ROWS:
            # each chunk's stored versions are looked up in the table the chunks before it are filling
            if _analyze_grown(conn, table.name, written):
                written = []
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
            counts.new += insert_new(conn, table, fresh, key)
            written.extend(fresh)
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
    _analyze_grown(conn, table.name, unique_rows)
    return counts


def insert_new(conn: Connection, table: Table, rows: list[dict], key: Sequence[str]) -> int:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` of ``rows``; returns how many were really inserted."""
    if not rows:
        return 0
    key = natural_key(conn, table.name, tuple(key))
    # The months' partitions first, on a partitioned table: their creation takes turns across transactions, and
    # waiting for its turn after reading the table would keep the default partition from the one creating a month.
    ensure_for_rows(conn, table.name, rows)
    if is_partitioned(conn, table.name):
        rows = _not_stored_in_any_month(conn, table, rows, key)
        if not rows:
            return 0
    names, values = _driver_values(conn, table, rows)
    quote = conn.dialect.identifier_preparer.quote
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join([marker] * len(names))}) ON CONFLICT ({', '.join(map(quote, key))}) DO NOTHING"
    )
    return conn.exec_driver_sql(sql, values).rowcount  # sqlite3 and psycopg sum rowcount over executemany


def _analyze_grown(conn: Connection, table: str, rows: list[dict]) -> list[str]:
    """After inserting ``rows`` on PostgreSQL: ANALYZE the tables (on a partitioned table, the months'
    partitions) the batch has at least doubled, by :data:`ANALYZE_MIN_ROWS` or more; returns their names. A
    backfill fills a table or a month in seconds, long before autovacuum's next visit (never, where it is off);
    until then the planner takes it for empty and answers the stored-key check of every batch by filtering all
    its rows: 4.3 s a batch of 500 keys over a year of sensor readings, measured, instead of milliseconds.
    Doubling keeps the analyses to a few per table or month however it is filled."""
    if conn.dialect.name != "postgresql" or not rows:
        return []
    if is_partitioned(conn, table):
        column = PARTITIONED[table]
        brought = Counter(partition_name(table, month_start(row[column])) for row in rows if row.get(column))
    else:
        brought = Counter({table: len(rows)})
    large = [name for name, count in brought.items() if count >= ANALYZE_MIN_ROWS]
    if not large:
        return []
    # reltuples: the rows at the last analysis (-1: never analysed)
    held = dict(conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
                             {"names": large}).all())
    grown = sorted(name for name in large if name in held and brought[name] >= held[name])
    quote = conn.dialect.identifier_preparer.quote
    for name in grown:
        conn.execute(text(f"ANALYZE {quote(name)}"))
    return grown


def _not_stored_in_any_month(conn: Connection, table: Table, rows: list[dict], key: Sequence[str]) -> list[dict]:
    """On a partitioned table the database enforces the key only with the partition key (``observed_at``) in it,
    so an upstream resending an observation under its id with another time (a skewed clock, a corrected stamp)
    would pass ``ON CONFLICT`` as a new row. The record's identity stays the key without the partition key: keep
    the first row of each such key in ``rows`` and drop the keys already stored, in whichever month."""
    identity = tuple(c for c in key if c != PARTITIONED[table.name])
    if identity == tuple(key):
        return rows
    first: dict[tuple, dict] = {}
    for row in rows:
        first.setdefault(tuple(row[c] for c in identity), row)
    unique = list(first.values())
    stored: set[tuple] = set()
    for chunk in _chunks(unique, CHUNK_ROWS):
        stored.update(_existing_versions(conn, table, identity, PARTITIONED[table.name], chunk))
    return [row for k, row in first.items() if k not in stored]


def sqlite_utc_text(value: datetime) -> str:
    """A timestamp as :class:`UTCDateTime` stores it in SQLite: naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    offset = value.utcoffset()
    if offset:
        value = value - offset
    text = value.replace(tzinfo=None).isoformat(" ")
    return text if value.microsecond else text + ".000000"


def _driver_converter(column: Column, conn: Connection) -> Callable | None:
    if column.type._has_bind_expression:
        raise TypeError(f"{column} binds through SQL ({column.type}); driver-level inserts cannot write it")
    if isinstance(column.type, UTCDateTime) and conn.dialect.name == "sqlite":
        return lru_cache(maxsize=4096)(sqlite_utc_text)  # a batch repeats few distinct times
    return column.type._cached_bind_processor(conn.dialect)


def _driver_values(conn: Connection, table: Table, rows: list[dict]) -> tuple[list[str], list[tuple]]:
    """The columns given in the first row (or having a scalar default) and every row's values as a tuple."""
    names, columns = [], []
    first = rows[0]
    for column in table.columns:
        default = column.default.arg if column.default is not None and column.default.is_scalar else None
        if column.name not in first and default is None:
            continue
        values = [row.get(column.name, default) for row in rows]
        convert = _driver_converter(column, conn)
        if convert is not None:
            values = [None if v is None else convert(v) for v in values]
        names.append(column.name)
        columns.append(values)
    return names, list(zip(*columns, strict=True))


def _is_newer(candidate, stored) -> bool:
    if stored is None:
        return True
    if candidate is None:
        return False
    if getattr(candidate, "tzinfo", None) is not None and getattr(stored, "tzinfo", None) is None:
        stored = stored.replace(tzinfo=candidate.tzinfo)
    return candidate > stored
