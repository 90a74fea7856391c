"""The Alembic migrations build exactly the schema the models describe, on both dialects."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from dashboard.db.migrate import schema_filter
from dashboard.db.models import Base


def test_migrated_schema_matches_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": schema_filter(engine.dialect.name)}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_natural_keys_are_unique_constraints(engine):
    inspector = inspect(engine)
    # PostgreSQL's partitioned tables hold their partition key (the observation time) in every unique key.
    observations = ("observed_at",) if engine.dialect.name == "postgresql" else ()
    expected = {"complaint": (), "traffic_observation": observations, "sensor_reading": observations,
                "hall_ticket": ()}
    for table, partition_key in expected.items():
        keys = [tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)]
        assert ("source", "source_id", *partition_key) in keys, table


def test_sqlite_runs_in_wal_mode(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
