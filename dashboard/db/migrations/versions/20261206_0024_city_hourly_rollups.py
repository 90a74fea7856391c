"""the city totals per hour of the complaint and hall rollups

Revision ID: 0024_city_hourly_rollups
Revises: 0023_dekad_rollups
Create Date: 2026-12-06 15:00:00

The city-wide reads of a period's hours at its edges (today so far), and the backlog's running counts of today's
hours, read ``complaint_hourly`` (a row per hour, district, category and department: about 200 an hour in a city of
3 million) and ``hall_hourly`` (a row per hour, hall and service item) and summed them. ``complaint_city_hourly``
and ``hall_city_hourly`` hold those sums, one row an hour, kept with the hourly level at ingest. The upgrade fills
them from the hourly level already stored (``dashboard.db.rollups.rebuild_city_hours``, the code of this release);
the downgrade drops them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types
from dashboard.db import rollups

revision: str = "0024_city_hourly_rollups"
down_revision: str | None = "0023_dekad_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOATS = ("handling_seconds", "wait_seconds")
#: table -> its measures, as the models of this release.
TABLES = {
    "complaint_city_hourly": ("received", "received_closed", "returned", "closed", "closed_on_time",
                              "handling_seconds", "due", "due_met", "rated", "satisfied", "reopened", "overdue_from",
                              "overdue_to"),
    "hall_city_hourly": ("issued", "called", "wait_seconds", "waited_over_30min", "finished", "handling_seconds",
                         "online", "with_visits", "single_visit", "rated", "rated_good"),
}


def upgrade() -> None:
    for name, measures in TABLES.items():
        op.create_table(
            name,
            sa.Column("hour", dashboard.db.types.UTCDateTime(), nullable=False),
            *(sa.Column(m, sa.Float() if m in FLOATS else sa.Integer(), nullable=False) for m in measures),
            sa.PrimaryKeyConstraint("hour", name=op.f(f"pk_{name}")),
            sqlite_with_rowid=False,
        )
    rollups.rebuild_city_hours(op.get_bind())


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
