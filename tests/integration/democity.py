"""The demo city for integration tests: where its files are, its frozen time, and helpers to compare databases."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text

from collectors.config import FeedConfig, load_feeds
from dashboard.db.engine import make_engine
from dashboard.db.models import (
    Complaint,
    ComplaintEvent,
    FeedCursor,
    HallTicket,
    SensorReading,
    TrafficObservation,
)
from dashboard.geo.reference import load_reference_data

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CITY_DIR = PROJECT_ROOT / "data" / "city"
DEMO_FEEDS = PROJECT_ROOT / "data" / "feeds" / "demo.toml"

#: A Tuesday morning rush hour in the city (08:30 Asia/Shanghai): every feed has fresh data.
FROZEN_AT = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)

FACT_TABLES = {
    "complaint": (Complaint, ("source", "source_id", "status", "updated_at", "district_code")),
    "complaint_event": (ComplaintEvent, ("source", "ticket_id", "status", "occurred_at")),
    "traffic_observation": (TrafficObservation, ("source", "source_id", "segment_code", "observed_at", "speed_kmh")),
    "sensor_reading": (SensorReading, ("source", "source_id", "quantity", "observed_at", "value")),
    "hall_ticket": (HallTicket, ("source", "source_id", "status", "updated_at")),
}


@dataclass
class City:
    """A running simulated city and the environment that points the demo feeds at it."""

    simulator: object
    env: dict[str, str]
    drop: Path

    def feeds(self, workdir: Path) -> list[FeedConfig]:
        """The demo feeds; hotline exports are copied to ``workdir`` since collecting moves them away."""
        inbox = workdir / "hotline-inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        for export in self.drop.glob("*.csv"):
            shutil.copy2(export, inbox / export.name)
        return load_feeds(DEMO_FEEDS, env={**self.env, "CITYOPS_HOTLINE_DROP_DIR": str(inbox)})


def with_reference_data(engine: Engine) -> Engine:
    """Load the demo city's districts, roads, stations and halls into ``engine``."""
    with engine.begin() as conn:
        load_reference_data(conn, CITY_DIR)
    return engine


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """The identifying columns of every fact row and every cursor, sorted — for before/after comparisons."""
    with engine.connect() as conn:
        tables = {
            name: sorted(tuple(row) for row in conn.execute(select(*(model.__table__.c[c] for c in columns))))
            for name, (model, columns) in FACT_TABLES.items()
        }
        tables["feed_cursor"] = sorted(
            tuple(r) for r in conn.execute(select(FeedCursor.feed, FeedCursor.partition, FeedCursor.value))
        )
    return tables


@contextmanager
def empty_database_like(engine: Engine, folder: Path) -> Iterator[Engine]:
    """A database of the same kind as ``engine`` (a file in ``folder``, or one more on its PostgreSQL server)
    with nothing in it, not even the schema; dropped afterwards."""
    if engine.dialect.name == "sqlite":
        target = make_engine(f"sqlite:///{folder / 'cityops.db'}")
        yield target
        target.dispose()
        return
    name = f"cityops_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_engine(engine.url.set(database=name).render_as_string(hide_password=False))
    try:
        yield target
    finally:
        target.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
