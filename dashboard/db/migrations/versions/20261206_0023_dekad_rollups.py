"""a dekad level between the daily and the monthly one for the rollups with hundreds of rows a day: traffic and the
duration histograms

Revision ID: 0023_dekad_rollups
Revises: 0022_block_rollups
Create Date: 2026-12-05 01:00:00

The days of a month so far (a quarter's, a year's last month) were read day by day from ``duration_daily`` (about
300 rows a day) and ``traffic_daily`` (a row per road segment and day). ``*_dekad`` hold the sums of a local dekad
(days 1–10, 11–20 and 21 to the end of a month; ``dekad``: the UTC start of its first day), kept with the daily
level at ingest; a period's whole dekads outside its whole months are read from them. The upgrade fills them from
the daily level already stored (``dashboard.db.rollups.rebuild_dekads``, the code of this release); the downgrade
drops them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types
from dashboard.db import rollups

revision: str = "0023_dekad_rollups"
down_revision: str | None = "0022_block_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: traffic_dekad's measures, as the model of this release, and which of them are floats.
TRAFFIC_MEASURES = ("observations", "speed_sum", "inverse_speed_sum", "speeds", "volume_sum", "occupancy_sum",
                    "congested")
FLOATS = ("speed_sum", "inverse_speed_sum", "volume_sum", "occupancy_sum")


def upgrade() -> None:
    op.create_table(
        "traffic_dekad",
        sa.Column("dekad", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("segment_code", sa.String(length=64), nullable=False),
        *(sa.Column(m, sa.Float() if m in FLOATS else sa.Integer(), nullable=False) for m in TRAFFIC_MEASURES),
        sa.PrimaryKeyConstraint("dekad", "segment_code", name=op.f("pk_traffic_dekad")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "duration_dekad",
        sa.Column("dekad", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("min_seconds", sa.Float(), nullable=False),
        sa.Column("max_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("dekad", "kind", "bucket", name=op.f("pk_duration_dekad")),
        sqlite_with_rowid=False,
    )
    rollups.rebuild_dekads(op.get_bind())


def downgrade() -> None:
    op.drop_table("duration_dekad")
    op.drop_table("traffic_dekad")
