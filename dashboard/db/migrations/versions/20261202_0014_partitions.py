"""traffic_observation and sensor_reading partitioned by month on PostgreSQL (declarative range partitioning)

Revision ID: 0014_partitions
Revises: 0011_session_version
Create Date: 2026-12-02 07:00:00

Each table becomes a table partitioned by range of ``observed_at``, with one partition per UTC calendar month
holding data, the current month and three ahead, and a default partition. Its unique keys gain the partition key,
as PostgreSQL requires: the primary key is ``(id, observed_at)`` and the natural key ``(source, source_id,
observed_at)``. Rows are copied into the new table; the id sequence carries on. Nothing changes on SQLite.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op
from sqlalchemy import text

revision: str = "0014_partitions"
down_revision: str | None = "0013_alias_unify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Table → (partition key, its secondary indexes: name → columns), frozen as of this revision.
TABLES = {
    "traffic_observation": ("observed_at", {
        "ix_traffic_observation_observed_at": "observed_at",
        "ix_traffic_observation_segment_code_observed_at": "segment_code, observed_at",
    }),
    "sensor_reading": ("observed_at", {
        "ix_sensor_reading_observed_at": "observed_at",
        "ix_sensor_reading_station_code_quantity_observed_at": "station_code, quantity, observed_at",
    }),
}
MONTHS_AHEAD = 3


def _months(first: datetime, last: datetime) -> list[datetime]:
    months, month = [], first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month <= last:
        months.append(month)
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    return months


def _add_month(month: datetime) -> datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def _rename_old(table: str, indexes: dict[str, str]) -> None:
    op.execute(f"ALTER TABLE {table} RENAME TO {table}_unpartitioned")
    op.execute(f"ALTER TABLE {table}_unpartitioned RENAME CONSTRAINT pk_{table} TO pk_{table}_unpartitioned")
    for name in [*indexes, f"uq_{table}_source_source_id"]:
        op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_unpartitioned")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    for table, (column, indexes) in TABLES.items():
        _rename_old(table, indexes)
        op.execute(f"CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS) "
                   f"PARTITION BY RANGE ({column})")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id, {column})")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT uq_{table}_source_source_id_{column} "
                   f"UNIQUE (source, source_id, {column})")
        for name, columns in indexes.items():
            op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        first, last = bind.execute(text(f"SELECT min({column}), max({column}) FROM {table}_unpartitioned")).one()
        ahead = now
        for _ in range(MONTHS_AHEAD):
            ahead = _add_month(ahead.replace(day=1))
        for month in _months(min(first or now, now), max(last or now, ahead)):
            low, high = month.isoformat(sep=" "), _add_month(month).isoformat(sep=" ")
            op.execute(f"CREATE TABLE {table}_p{month:%Y%m} PARTITION OF {table} "
                       f"FOR VALUES FROM ('{low}') TO ('{high}')")
        op.execute(f"INSERT INTO {table} SELECT * FROM {table}_unpartitioned")
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(f"DROP TABLE {table}_unpartitioned")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, (_, indexes) in TABLES.items():
        op.execute(f"ALTER TABLE {table} RENAME TO {table}_partitioned")
        op.execute(f"ALTER TABLE {table}_partitioned RENAME CONSTRAINT pk_{table} TO pk_{table}_partitioned")
        for name in indexes:
            op.execute(f"ALTER INDEX {name} RENAME TO {name}_partitioned")
        op.execute(f"CREATE TABLE {table} (LIKE {table}_partitioned INCLUDING DEFAULTS)")
        op.execute(f"INSERT INTO {table} SELECT * FROM {table}_partitioned")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT uq_{table}_source_source_id UNIQUE (source, source_id)")
        for name, columns in indexes.items():
            op.execute(f"CREATE INDEX {name} ON {table} ({columns})")
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(f"DROP TABLE {table}_partitioned")
