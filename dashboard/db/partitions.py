"""Monthly partitions of the observation fact tables on PostgreSQL (native declarative partitioning), and the
retention that drops whole months of raw facts while the rollups keep them.

Partitioned (by UTC calendar month of ``observed_at``): ``traffic_observation`` and ``sensor_reading``, the
tables that grow with every reading and never change once written (most of a city's facts). Complaints and hall
tickets are not: they are records updated long after they were opened, on a natural key that must stay unique
across all time; and the complaints' lifecycle events stay whole, since the funnel of any period reads them.

PostgreSQL requires every unique key of a partitioned table to hold the partition key, so on PostgreSQL the
natural key of a partitioned table is ``(source, source_id, observed_at)``; :func:`natural_key` gives the
upserts the key the database has. The database no longer stops an upstream resending an observation id with
another time (a skewed clock): :func:`dashboard.db.upsert.insert_new` skips the ids already stored in any month, so
an observation is still stored once, with the time it first came with.

Each table has a ``<table>_default`` partition, so that a row of a month with no partition yet (an import, a
far backfill) is never refused. The collectors create the months their rows need before writing
(:func:`ensure_for_rows`), and :func:`maintain` (the collector process, hourly) creates the coming months ahead
and moves any rows the default partition holds into their month's new partition.

Retention (``retention_months``): :func:`maintain` drops the partitions of months that ended more than that many
months before the current month. The rollups (hourly and daily) are kept, so every KPI, trend and ranking still
answers for those months; what needs the raw rows does not (docs/deploy.md, "Partitioned facts and retention",
says what each page shows). A fact arriving for a month already dropped is refused by the collectors into
quarantine with its reason (:func:`retention_horizon`), so that it can never recompute a rollup hour from a
partial month.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from dashboard.db.locks import take_turns

#: Partitioned table → its partition key (the event time).
PARTITIONED = {"traffic_observation": "observed_at", "sensor_reading": "observed_at"}

#: The collectors' domain writing each partitioned table.
DOMAINS = {"traffic": "traffic_observation", "sensors": "sensor_reading"}

#: Months created ahead of the current one by :func:`maintain`.
MONTHS_AHEAD = 3

MONTH_PARTITION = re.compile(r"^(?P<table>[a-z_]+)_p(?P<year>\d{4})(?P<month>\d{2})$")


def compared_in_schema_check(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's schema comparison on PostgreSQL: leave out the month and default partitions (tables the models
    do not declare) and the natural keys of the partitioned tables (which hold the partition key there)."""
    if type_ == "table" and reflected and compare_to is None and name:
        table, _, suffix = name.rpartition("_")
        if table in PARTITIONED and (suffix == "default" or re.fullmatch(r"p\d{6}", suffix)):
            return False
    if type_ == "unique_constraint" and obj.table.name in PARTITIONED:
        return False
    return True


def month_start(moment: datetime) -> datetime:
    """The first instant (UTC) of the UTC calendar month holding ``moment``."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(month: datetime, count: int) -> datetime:
    """The month ``count`` months after ``month`` (a month start)."""
    index = month.year * 12 + month.month - 1 + count
    return month.replace(year=index // 12, month=index % 12 + 1)


def partition_name(table: str, month: datetime) -> str:
    return f"{table}_p{month:%Y%m}"


def retention_horizon(now: datetime, retention_months: int | None) -> datetime | None:
    """The first instant whose raw facts are kept: the start of the month ``retention_months`` before the
    current one (None: everything is kept). With 12 on 2026-12-02, facts from 2025-12-01 on are kept."""
    if not retention_months:
        return None
    return add_months(month_start(now), -retention_months)


def is_partitioned(conn: Connection, table: str) -> bool:
    """Whether ``table`` is a partitioned table in this database (asked once per database connection)."""
    if conn.dialect.name != "postgresql" or table not in PARTITIONED:
        return False
    known: dict[str, bool] = conn.info.setdefault("cityops_partitioned", {})
    if table not in known:
        known[table] = bool(conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t))"), {"t": table}
        ).scalar())
    return known[table]


def natural_key(conn: Connection, table: str, key: tuple[str, ...]) -> tuple[str, ...]:
    """``key`` as the database enforces it: with the partition key added on a partitioned table."""
    if is_partitioned(conn, table) and PARTITIONED[table] not in key:
        return (*key, PARTITIONED[table])
    return key


def months(conn: Connection, table: str) -> list[datetime]:
    """The months that have a partition of their own, oldest first."""
    rows = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:t)"
    ), {"t": table}).scalars()
    found = []
    for name in rows:
        match = MONTH_PARTITION.match(name)
        if match and match.group("table") == table:
            found.append(datetime(int(match.group("year")), int(match.group("month")), 1, tzinfo=UTC))
    return sorted(found)


def _naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def create_month(conn: Connection, table: str, month: datetime) -> bool:
    """Create the partition of ``month`` unless it exists; rows of that month the default partition holds move
    into it. Returns whether it was created."""
    take_turns(conn, "partition maintenance")  # partition changes of every process take turns
    if month in months(conn, table):
        return False
    column, name = PARTITIONED[table], partition_name(table, month)
    low, high = _naive(month), _naive(add_months(month, 1))
    quote = conn.dialect.identifier_preparer.quote
    conn.execute(text(f"CREATE TABLE {quote(name)} (LIKE {quote(table)} INCLUDING DEFAULTS)"))
    conn.execute(text(
        f"WITH moved AS (DELETE FROM {quote(table + '_default')} WHERE {quote(column)} >= :low "
        f"AND {quote(column)} < :high RETURNING *) INSERT INTO {quote(name)} SELECT * FROM moved"
    ), {"low": low, "high": high})
    conn.execute(text(
        f"ALTER TABLE {quote(table)} ATTACH PARTITION {quote(name)} FOR VALUES FROM ('{low}') TO ('{high}')"
    ))
    return True


def ensure_months(conn: Connection, table: str, wanted: Iterable[datetime]) -> list[str]:
    """Create the partitions of the months in ``wanted`` (month starts) that have none; returns their names.
    Months known to exist are remembered per database connection, so a batch of known months costs nothing."""
    known: set[datetime] = conn.info.setdefault("cityops_months", {}).setdefault(table, set())
    missing = sorted(set(wanted) - known)
    if not missing:
        return []
    existing = set(months(conn, table))
    created = [partition_name(table, m) for m in missing if m not in existing and create_month(conn, table, m)]
    known.update(missing)
    return created


def ensure_for_rows(conn: Connection, table: str, rows: list[dict]) -> list[str]:
    """Before writing ``rows`` to a partitioned table: create the partitions of their months."""
    if not rows or not is_partitioned(conn, table):
        return []
    column = PARTITIONED[table]
    return ensure_months(conn, table, {month_start(row[column]) for row in rows if row.get(column) is not None})


def drop_before(conn: Connection, table: str, horizon: datetime) -> list[str]:
    """Drop the partitions of the months that end on or before ``horizon`` (a month start); returns their
    names. Rows of those months left in the default partition are deleted with them."""
    take_turns(conn, "partition maintenance")  # partition changes of every process take turns
    dropped = []
    quote = conn.dialect.identifier_preparer.quote
    for month in months(conn, table):
        if add_months(month, 1) <= horizon:
            name = partition_name(table, month)
            conn.execute(text(f"ALTER TABLE {quote(table)} DETACH PARTITION {quote(name)}"))
            conn.execute(text(f"DROP TABLE {quote(name)}"))
            dropped.append(name)
    column = PARTITIONED[table]
    conn.execute(text(f"DELETE FROM {quote(table + '_default')} WHERE {quote(column)} < :h"), {"h": _naive(horizon)})
    conn.info.get("cityops_months", {}).pop(table, None)
    return dropped


def maintain(conn: Connection, now: datetime, retention_months: int | None,
             ahead: int = MONTHS_AHEAD) -> dict[str, list[str]]:
    """Create the partitions of the current month and ``ahead`` more, move stray rows out of the default
    partitions into their months, and drop the months beyond retention. Returns ``{"created": […],
    "dropped": […]}`` (nothing on SQLite, or before the partitioning migration)."""
    done: dict[str, list[str]] = {"created": [], "dropped": []}
    horizon = retention_horizon(now, retention_months)
    for table, column in PARTITIONED.items():
        if not is_partitioned(conn, table):
            continue
        quote = conn.dialect.identifier_preparer.quote
        stray = conn.execute(text(
            f"SELECT DISTINCT date_trunc('month', {quote(column)}) FROM {quote(table + '_default')}"
            + (" WHERE " + quote(column) + " >= :h" if horizon else "")
        ), {"h": _naive(horizon)} if horizon else {}).scalars()
        wanted = {m.replace(tzinfo=UTC) for m in stray}
        wanted |= {add_months(month_start(now), k) for k in range(ahead + 1)}
        conn.info.get("cityops_months", {}).pop(table, None)
        done["created"] += ensure_months(conn, table, wanted)
        if horizon is not None:
            done["dropped"] += drop_before(conn, table, horizon)
    return done
