"""baseline schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 16:35:41.477310
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("opened_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_rule_subject_closed_at", ["rule", "subject", "closed_at"], unique=False)

    op.create_table(
        "complaint",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("category_name", sa.String(length=128), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.Column("subdistrict_code", sa.String(length=16), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("h3", sa.String(length=16), nullable=True),
        sa.Column("location_flag", sa.String(length=32), nullable=True),
        sa.Column("requested_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("assigned_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("due_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("revisited_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("updated_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("satisfaction", sa.String(length=32), nullable=True),
        sa.Column("returned_count", sa.Integer(), nullable=False),
        sa.Column("extended_count", sa.Integer(), nullable=False),
        sa.Column("ingested_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_complaint_source_source_id")),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_closed_at", ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_complaint_district_code_requested_at", ["district_code", "requested_at"], unique=False
        )
        batch_op.create_index("ix_complaint_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_complaint_requested_at", ["requested_at"], unique=False)
        batch_op.create_index("ix_complaint_revisited_at", ["revisited_at"], unique=False)
        batch_op.create_index("ix_complaint_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "complaint_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_event")),
        sa.UniqueConstraint(
            "source",
            "ticket_id",
            "status",
            "occurred_at",
            name=op.f("uq_complaint_event_source_ticket_id_status_occurred_at"),
        ),
    )
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_event_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "complaint_hourly",
        sa.Column("hour", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("district_code", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("closed_on_time", sa.Integer(), nullable=False),
        sa.Column("handling_seconds", sa.Float(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("due_met", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "district_code", "category", name=op.f("pk_complaint_hourly")),
    )
    op.create_table(
        "department",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_department")),
    )
    op.create_table(
        "district",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=16), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("geometry", dashboard.db.types.Geometry(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_district")),
    )
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_district_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_district_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "feed",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("protocol", sa.String(length=32), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("max_data_age_s", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config_json", sa.Text(), nullable=False),
        sa.Column("updated_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feed")),
    )
    op.create_table(
        "feed_cursor",
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("partition", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("feed", "partition", name=op.f("pk_feed_cursor")),
    )
    op.create_table(
        "feed_run",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("started_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("max_source_time", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_run")),
    )
    with op.batch_alter_table("feed_run", schema=None) as batch_op:
        batch_op.create_index("ix_feed_run_feed_started_at", ["feed", "started_at"], unique=False)

    op.create_table(
        "hall_hourly",
        sa.Column("hour", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("hall_code", sa.String(length=32), nullable=False),
        sa.Column("service_item", sa.String(length=64), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("called", sa.Integer(), nullable=False),
        sa.Column("wait_seconds", sa.Float(), nullable=False),
        sa.Column("waited_over_30min", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.Column("handling_seconds", sa.Float(), nullable=False),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.Column("with_visits", sa.Integer(), nullable=False),
        sa.Column("single_visit", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("rated_good", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "hall_code", "service_item", name=op.f("pk_hall_hourly")),
    )
    op.create_table(
        "hall_ticket",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("hall_code", sa.String(length=32), nullable=False),
        sa.Column("service_item", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("window", sa.String(length=16), nullable=True),
        sa.Column("issued_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("called_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("served_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("updated_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_ticket")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_hall_ticket_source_source_id")),
    )
    with op.batch_alter_table("hall_ticket", schema=None) as batch_op:
        batch_op.create_index("ix_hall_ticket_hall_code_issued_at", ["hall_code", "issued_at"], unique=False)
        batch_op.create_index("ix_hall_ticket_issued_at", ["issued_at"], unique=False)

    op.create_table(
        "road_segment",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("road_class", sa.String(length=16), nullable=False),
        sa.Column("lanes", sa.Integer(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("free_flow_kmh", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.Column("geometry", dashboard.db.types.Geometry(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_road_segment")),
    )
    with op.batch_alter_table("road_segment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_road_segment_district_code"), ["district_code"], unique=False)

    op.create_table(
        "sensor_hourly",
        sa.Column("hour", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.String(length=32), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.Column("value_min", sa.Float(), nullable=True),
        sa.Column("value_max", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("hour", "station_code", "quantity", name=op.f("pk_sensor_hourly")),
    )
    op.create_table(
        "sensor_reading",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=160), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.String(length=32), nullable=False),
        sa.Column("observed_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("quality", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_reading")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_sensor_reading_source_source_id")),
    )
    with op.batch_alter_table("sensor_reading", schema=None) as batch_op:
        batch_op.create_index("ix_sensor_reading_observed_at", ["observed_at"], unique=False)
        batch_op.create_index(
            "ix_sensor_reading_station_code_quantity_observed_at",
            ["station_code", "quantity", "observed_at"],
            unique=False,
        )

    op.create_table(
        "service_hall",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.Column("windows", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_hall")),
    )
    with op.batch_alter_table("service_hall", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_hall_district_code"), ["district_code"], unique=False)

    op.create_table(
        "service_type",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("deadline_days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_type")),
    )
    op.create_table(
        "station",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_station")),
    )
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_district_code"), ["district_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_station_kind"), ["kind"], unique=False)

    op.create_table(
        "traffic_hourly",
        sa.Column("hour", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("segment_code", sa.String(length=32), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("speed_sum", sa.Float(), nullable=False),
        sa.Column("inverse_speed_sum", sa.Float(), nullable=False),
        sa.Column("speeds", sa.Integer(), nullable=False),
        sa.Column("volume_sum", sa.Float(), nullable=False),
        sa.Column("occupancy_sum", sa.Float(), nullable=False),
        sa.Column("congested", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "segment_code", name=op.f("pk_traffic_hourly")),
    )
    op.create_table(
        "traffic_observation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=160), nullable=False),
        sa.Column("segment_code", sa.String(length=32), nullable=False),
        sa.Column("observed_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("period_s", sa.Integer(), nullable=True),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("free_flow_kmh", sa.Float(), nullable=True),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("occupancy", sa.Float(), nullable=True),
        sa.Column("congested", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_observation")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_traffic_observation_source_source_id")),
    )
    with op.batch_alter_table("traffic_observation", schema=None) as batch_op:
        batch_op.create_index("ix_traffic_observation_observed_at", ["observed_at"], unique=False)
        batch_op.create_index(
            "ix_traffic_observation_segment_code_observed_at", ["segment_code", "observed_at"], unique=False
        )

    op.create_table(
        "quarantine",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("feed_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("received_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("record_ref", sa.String(length=256), nullable=True),
        sa.Column("field", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["feed_run_id"], ["feed_run.id"], name=op.f("fk_quarantine_feed_run_id_feed_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index("ix_quarantine_feed_received_at", ["feed", "received_at"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_feed_received_at")

    op.drop_table("quarantine")
    with op.batch_alter_table("traffic_observation", schema=None) as batch_op:
        batch_op.drop_index("ix_traffic_observation_segment_code_observed_at")
        batch_op.drop_index("ix_traffic_observation_observed_at")

    op.drop_table("traffic_observation")
    op.drop_table("traffic_hourly")
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_kind"))
        batch_op.drop_index(batch_op.f("ix_station_district_code"))

    op.drop_table("station")
    op.drop_table("service_type")
    with op.batch_alter_table("service_hall", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_hall_district_code"))

    op.drop_table("service_hall")
    with op.batch_alter_table("sensor_reading", schema=None) as batch_op:
        batch_op.drop_index("ix_sensor_reading_station_code_quantity_observed_at")
        batch_op.drop_index("ix_sensor_reading_observed_at")

    op.drop_table("sensor_reading")
    op.drop_table("sensor_hourly")
    with op.batch_alter_table("road_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_road_segment_district_code"))

    op.drop_table("road_segment")
    with op.batch_alter_table("hall_ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_hall_ticket_issued_at")
        batch_op.drop_index("ix_hall_ticket_hall_code_issued_at")

    op.drop_table("hall_ticket")
    op.drop_table("hall_hourly")
    with op.batch_alter_table("feed_run", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_run_feed_started_at")

    op.drop_table("feed_run")
    op.drop_table("feed_cursor")
    op.drop_table("feed")
    with op.batch_alter_table("district", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_parent_code"))
        batch_op.drop_index(batch_op.f("ix_district_level"))

    op.drop_table("district")
    op.drop_table("department")
    op.drop_table("complaint_hourly")
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_event_occurred_at")

    op.drop_table("complaint_event")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_updated_at")
        batch_op.drop_index("ix_complaint_revisited_at")
        batch_op.drop_index("ix_complaint_requested_at")
        batch_op.drop_index("ix_complaint_due_at")
        batch_op.drop_index("ix_complaint_district_code_requested_at")
        batch_op.drop_index("ix_complaint_closed_at")

    op.drop_table("complaint")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_rule_subject_closed_at")

    op.drop_table("alert")
