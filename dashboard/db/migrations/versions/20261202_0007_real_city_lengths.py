"""real city lengths: codes of up to 64 characters and names of up to 200, wherever a code or name is stored

Revision ID: 0007_real_city_lengths
Revises: 0006_feed_state
Create Date: 2026-12-02 03:00:00

Real sources use longer codes and names than the demo city: a 22-character district code, a department name of
more than 32 characters. Codes of districts, roads, stations, halls, departments and categories become
VARCHAR(64) in the reference tables, the facts and the rollups that carry them; names become VARCHAR(200).
A department gets the aliases feeds use for it, a category the code of its parent category.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_real_city_lengths"
down_revision: str | None = "0006_feed_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> (column, old length, new length, nullable)
WIDENED: dict[str, list[tuple[str, int, int, bool]]] = {
    "district": [("code", 16, 64, False), ("name_zh", 64, 200, False), ("name_en", 128, 200, False),
                 ("parent_code", 16, 64, True)],
    "road_segment": [("code", 32, 64, False), ("name_zh", 64, 200, False), ("name_en", 128, 200, False),
                     ("district_code", 16, 64, True)],
    "station": [("code", 32, 64, False), ("name_zh", 64, 200, False), ("name_en", 128, 200, False),
                ("district_code", 16, 64, True)],
    "service_hall": [("code", 32, 64, False), ("name_zh", 64, 200, False), ("name_en", 128, 200, False),
                     ("district_code", 16, 64, True)],
    "department": [("code", 32, 64, False), ("name_zh", 64, 200, False), ("name_en", 128, 200, False)],
    "service_type": [("name_zh", 64, 200, False), ("name_en", 128, 200, False), ("department_code", 32, 64, True)],
    "complaint": [("category_name", 128, 200, True), ("department_code", 32, 64, True),
                  ("district_code", 16, 64, True), ("subdistrict_code", 16, 64, True)],
    "complaint_event": [("department_code", 32, 64, True)],
    "traffic_observation": [("segment_code", 32, 64, False)],
    "sensor_reading": [("station_code", 32, 64, False)],
    "hall_ticket": [("hall_code", 32, 64, False)],
    "complaint_hourly": [("district_code", 16, 64, False)],
    "complaint_area_daily": [("district_code", 16, 64, False)],
    "traffic_hourly": [("segment_code", 32, 64, False)],
    "traffic_daily": [("segment_code", 32, 64, False)],
    "sensor_hourly": [("station_code", 32, 64, False)],
    "hall_hourly": [("hall_code", 32, 64, False)],
    "hall_daily": [("hall_code", 32, 64, False)],
}
#: The rollups stored as clustered tables (SQLite: WITHOUT ROWID), which batch mode must rebuild as such.
CLUSTERED = {"complaint_hourly", "complaint_area_daily", "traffic_hourly", "traffic_daily", "sensor_hourly",
             "hall_hourly", "hall_daily"}


def _resize(grow: bool) -> None:
    for table, columns in WIDENED.items():
        kwargs = {"sqlite_with_rowid": False} if table in CLUSTERED else {}
        with op.batch_alter_table(table, table_kwargs=kwargs) as batch:
            for column, old, new, nullable in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.String(length=old if grow else new),
                    type_=sa.String(length=new if grow else old),
                    existing_nullable=nullable,
                )


def upgrade() -> None:
    _resize(grow=True)
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("aliases", sa.Text(), nullable=True))
    with op.batch_alter_table("service_type") as batch:
        batch.add_column(sa.Column("parent_code", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_type") as batch:
        batch.drop_column("parent_code")
    with op.batch_alter_table("department") as batch:
        batch.drop_column("aliases")
    _resize(grow=False)
