"""the city AQI rates the mean over the city's air stations only: the environment rollups are recomputed

Revision ID: 0020_city_air_stations
Revises: 0019_complaint_categories
Create Date: 2026-12-04 19:30:00

The hourly city AQI (``environment_hourly`` and the daily level above it) averaged the hourly means of every
station that sent air readings. A national station file carries the stations of other cities too; their readings
are kept (``city check`` lists their codes), but the city's AQI now averages only the stations of its registry's
kind "air" (``dashboard.db.rollups.city_air_stations``). The upgrade recomputes the city's environment from the
station hours already rolled up (``dashboard.db.rollups.rebuild_environment``, the code of this release; the
readings are not read again). The downgrade changes nothing: the rollups of the code before would average every
station again only once recomputed.
"""

from collections.abc import Sequence

from alembic import op

from dashboard.db import rollups

revision: str = "0020_city_air_stations"
down_revision: str | None = "0019_complaint_categories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rollups.rebuild_environment(op.get_bind())


def downgrade() -> None:
    pass
