"""a monthly level above the daily one for the city-wide rollups with more than a row a day: complaints, halls,
traffic and the duration histograms

Revision ID: 0021_monthly_rollups
Revises: 0020_city_air_stations
Create Date: 2026-12-04 22:00:00

A quarter or a year of ``duration_daily`` (about 300 rows a day), ``traffic_daily`` (a row per road segment and
day), ``complaint_daily`` or ``hall_daily`` is thousands of rows to sum on every read. ``*_monthly`` hold the same
sums per local month of the city (``month``: its UTC start), kept with the daily level at ingest; a period's whole
months are read from them. The upgrade fills them from the daily level already stored
(``dashboard.db.rollups.rebuild_monthly``, the code of this release); the downgrade drops them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types
from dashboard.db import rollups

revision: str = "0021_monthly_rollups"
down_revision: str | None = "0020_city_air_stations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLUSTERED = {"sqlite_with_rowid": False}
FLOATS = ("handling_seconds", "speed_sum", "inverse_speed_sum", "volume_sum", "occupancy_sum", "wait_seconds",
          "min_seconds", "max_seconds")
#: table -> (its key after ``month``, its measures), as the models of this release.
TABLES = {
    "complaint_monthly": (("category",), ("received", "received_closed", "returned", "closed", "closed_on_time",
                                          "handling_seconds", "due", "due_met", "rated", "satisfied", "reopened",
                                          "overdue_from", "overdue_to")),
    "hall_monthly": (("hall_code",), ("issued", "called", "wait_seconds", "waited_over_30min", "finished",
                                      "handling_seconds", "online", "with_visits", "single_visit", "rated",
                                      "rated_good")),
    "traffic_monthly": (("segment_code",), ("observations", "speed_sum", "inverse_speed_sum", "speeds", "volume_sum",
                                            "occupancy_sum", "congested")),
    "duration_monthly": (("kind", "bucket"), ("tickets", "min_seconds", "max_seconds")),
}
KEY_TYPES = {"category": sa.String(length=64), "hall_code": sa.String(length=64), "segment_code": sa.String(length=64),
             "kind": sa.String(length=32), "bucket": sa.Integer()}


def upgrade() -> None:
    for name, (keys, measures) in TABLES.items():
        op.create_table(
            name,
            sa.Column("month", dashboard.db.types.UTCDateTime(), nullable=False),
            *(sa.Column(key, KEY_TYPES[key], nullable=False) for key in keys),
            *(sa.Column(m, sa.Float() if m in FLOATS else sa.Integer(), nullable=False) for m in measures),
            sa.PrimaryKeyConstraint("month", *keys, name=op.f(f"pk_{name}")),
            **CLUSTERED,
        )
    rollups.rebuild_monthly(op.get_bind())


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
