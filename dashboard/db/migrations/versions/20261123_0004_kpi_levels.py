"""KPI reads without the facts: daily rollups, duration histograms, the city's environment per hour, the open
tickets' index; redo (重办) counts, stations' acoustic classes, admin RAG thresholds

Revision ID: 0004_kpi_levels
Revises: 0003_map_cells
Create Date: 2026-11-23 12:00:00

The new rollup tables are filled from the facts already stored (``dashboard.db.rollups.rebuild``, the code of
this release), so a database with history keeps correct KPIs across the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types
from dashboard.db import rollups

revision: str = "0004_kpi_levels"
down_revision: str | None = "0003_map_cells"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLUSTERED = {"sqlite_with_rowid": False}
FACTS = ("complaint", "traffic_observation", "sensor_reading", "hall_ticket")


def _int(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False)


def _float(name: str) -> sa.Column:
    return sa.Column(name, sa.Float(), nullable=False)


def _time(name: str) -> sa.Column:
    return sa.Column(name, dashboard.db.types.UTCDateTime(), nullable=False)


def _complaint_measures() -> list[sa.Column]:
    return [
        _int("received"), _int("received_closed"), _int("returned"), _int("closed"), _int("closed_on_time"),
        _float("handling_seconds"), _int("due"), _int("due_met"), _int("rated"), _int("satisfied"),
        _int("reopened"),
    ]


def _traffic_measures() -> list[sa.Column]:
    return [
        _int("observations"), _float("speed_sum"), _float("inverse_speed_sum"), _int("speeds"),
        _float("volume_sum"), _float("occupancy_sum"), _int("congested"),
    ]


def _environment_measures() -> list[sa.Column]:
    return [
        _int("aqi_hours"), _float("aqi_sum"), _int("aqi_over_100_hours"), _int("noise_day_hours"),
        _int("noise_day_within"), _int("noise_night_hours"), _int("noise_night_within"),
    ]


def _hall_measures() -> list[sa.Column]:
    return [
        _int("issued"), _int("called"), _float("wait_seconds"), _int("waited_over_30min"), _int("finished"),
        _float("handling_seconds"), _int("online"), _int("with_visits"), _int("single_visit"), _int("rated"),
        _int("rated_good"),
    ]


def _duration_buckets() -> list[sa.Column]:
    return [
        sa.Column("kind", sa.String(length=32), nullable=False),
        _int("bucket"), _int("tickets"), _float("min_seconds"), _float("max_seconds"),
    ]


def _add_zero_column(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(column, server_default=None)


def upgrade() -> None:
    _add_zero_column("complaint", "reopened_count")
    _add_zero_column("complaint_hourly", "reopened")
    op.create_index(
        "ix_complaint_open_due_at",
        "complaint",
        ["due_at"],
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.add_column(sa.Column("noise_class", sa.String(length=4), nullable=True))
    with op.batch_alter_table("kpi_target", schema=None) as batch_op:
        batch_op.add_column(sa.Column("threshold_green", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("threshold_red", sa.Float(), nullable=True))

    tables = {
        "complaint_daily": ([_time("day"), sa.Column("category", sa.String(length=64), nullable=False)],
                            _complaint_measures(), ("day", "category")),
        "complaint_area_daily": ([_time("day"), sa.Column("district_code", sa.String(length=16), nullable=False)],
                                 _complaint_measures(), ("day", "district_code")),
        "traffic_daily": ([_time("day"), sa.Column("segment_code", sa.String(length=32), nullable=False)],
                          _traffic_measures(), ("day", "segment_code")),
        "environment_hourly": ([_time("hour")], _environment_measures(), ("hour",)),
        "environment_daily": ([_time("day")], _environment_measures(), ("day",)),
        "hall_daily": ([_time("day"), sa.Column("hall_code", sa.String(length=32), nullable=False)],
                       _hall_measures(), ("day", "hall_code")),
        "duration_hourly": ([_time("hour")], _duration_buckets(), ("hour", "kind", "bucket")),
        "duration_daily": ([_time("day")], _duration_buckets(), ("day", "kind", "bucket")),
    }
    for name, (keys, measures, primary_key) in tables.items():
        op.create_table(
            name, *keys, *measures, sa.PrimaryKeyConstraint(*primary_key, name=op.f(f"pk_{name}")), **CLUSTERED
        )

    bind = op.get_bind()
    if any(bind.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar() for table in FACTS):
        for domain in rollups.ROLLUPS:
            if domain != "complaints":  # rebuilt by 0015_department_rollup, once this code's tables are all there
                rollups.rebuild(bind, domain, later_levels=False)  # the levels of 0021-0023 come later


def downgrade() -> None:
    for name in ("duration_daily", "duration_hourly", "hall_daily", "environment_daily", "environment_hourly",
                 "traffic_daily", "complaint_area_daily", "complaint_daily"):
        op.drop_table(name)
    with op.batch_alter_table("kpi_target", schema=None) as batch_op:
        batch_op.drop_column("threshold_red")
        batch_op.drop_column("threshold_green")
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.drop_column("noise_class")
    op.drop_index("ix_complaint_open_due_at", table_name="complaint")
    with op.batch_alter_table("complaint_hourly", schema=None) as batch_op:
        batch_op.drop_column("reopened")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("reopened_count")
