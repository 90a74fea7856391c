"""a four-hour block level beside the daily one for the city-wide rollups: complaints, halls, traffic and the
duration histograms

Revision ID: 0022_block_rollups
Revises: 0021_monthly_rollups
Create Date: 2026-12-05 00:30:00

The hours of a period's partial days (today so far, and the same moment of the periods it is compared with) were
read hour by hour from ``complaint_hourly`` (a row per hour, district, category and department), ``hall_hourly``,
``traffic_hourly`` and ``duration_hourly``. ``*_block`` hold the sums of four UTC hours (00, 04, … 20 UTC) with the
key of the daily tables, kept with the hourly level at ingest; a period's whole blocks are read from them. The
upgrade fills them from the hourly level already stored (``dashboard.db.rollups.rebuild_blocks``, the code of this
release); the downgrade drops them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types
from dashboard.db import rollups

revision: str = "0022_block_rollups"
down_revision: str | None = "0021_monthly_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLUSTERED = {"sqlite_with_rowid": False}
FLOATS = ("handling_seconds", "speed_sum", "inverse_speed_sum", "volume_sum", "occupancy_sum", "wait_seconds",
          "min_seconds", "max_seconds")
#: table -> (its key after ``block``, its measures), as the models of this release.
TABLES = {
    "complaint_block": (("category",), ("received", "received_closed", "returned", "closed", "closed_on_time",
                                        "handling_seconds", "due", "due_met", "rated", "satisfied", "reopened",
                                        "overdue_from", "overdue_to")),
    "hall_block": (("hall_code",), ("issued", "called", "wait_seconds", "waited_over_30min", "finished",
                                    "handling_seconds", "online", "with_visits", "single_visit", "rated",
                                    "rated_good")),
    "traffic_block": (("segment_code",), ("observations", "speed_sum", "inverse_speed_sum", "speeds", "volume_sum",
                                          "occupancy_sum", "congested")),
    "duration_block": (("kind", "bucket"), ("tickets", "min_seconds", "max_seconds")),
}
KEY_TYPES = {"category": sa.String(length=64), "hall_code": sa.String(length=64), "segment_code": sa.String(length=64),
             "kind": sa.String(length=32), "bucket": sa.Integer()}


def upgrade() -> None:
    for name, (keys, measures) in TABLES.items():
        op.create_table(
            name,
            sa.Column("block", dashboard.db.types.UTCDateTime(), nullable=False),
            *(sa.Column(key, KEY_TYPES[key], nullable=False) for key in keys),
            *(sa.Column(m, sa.Float() if m in FLOATS else sa.Integer(), nullable=False) for m in measures),
            sa.PrimaryKeyConstraint("block", *keys, name=op.f(f"pk_{name}")),
            **CLUSTERED,
        )
    rollups.rebuild_blocks(op.get_bind())


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
