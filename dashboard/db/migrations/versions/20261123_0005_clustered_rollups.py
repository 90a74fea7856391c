"""hourly rollups clustered on their key in SQLite (WITHOUT ROWID); open tickets counted from (closed_at, due_at)

Revision ID: 0005_clustered_rollups
Revises: 0004_kpi_levels
Create Date: 2026-11-23 15:00:00

SQLite reads a range of hours of a rowid table through its key index, one row lookup at a time; clustered on
the key, the range is read in order (2–3× faster for a day of hours). PostgreSQL is left as it is. The backlog
and overdue counts read the composite index (closed_at, due_at) alone; it also serves every closed_at range.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_clustered_rollups"
down_revision: str | None = "0004_kpi_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOURLY = ("complaint_hourly", "traffic_hourly", "sensor_hourly", "hall_hourly")
CLUSTERED = " WITHOUT ROWID"


def _recreate(table: str, clustered: bool) -> None:
    """Recreate an SQLite table with (or without) a rowid, its rows copied."""
    bind = op.get_bind()
    create = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table})
    sql = create.scalar_one().removesuffix(CLUSTERED)
    op.execute(f"ALTER TABLE {table} RENAME TO _{table}_old")
    op.execute(sql + CLUSTERED if clustered else sql)
    op.execute(f"INSERT INTO {table} SELECT * FROM _{table}_old")
    op.execute(f"DROP TABLE _{table}_old")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in HOURLY:
            _recreate(table, clustered=True)
    op.drop_index("ix_complaint_open_due_at", table_name="complaint")
    op.drop_index("ix_complaint_closed_at", table_name="complaint")
    op.create_index("ix_complaint_closed_at_due_at", "complaint", ["closed_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_complaint_closed_at_due_at", table_name="complaint")
    op.create_index("ix_complaint_closed_at", "complaint", ["closed_at"])
    op.create_index(
        "ix_complaint_open_due_at",
        "complaint",
        ["due_at"],
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for table in HOURLY:
            _recreate(table, clustered=False)
