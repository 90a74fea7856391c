"""The simulated city on loopback, frozen in time, and helpers to pull it with the demo's feed configuration."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from collectors.config import FeedConfig, load_feeds
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


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    """The demo city with one day of history, its clock frozen at :data:`FROZEN_AT`."""
    simulator = pytest.importorskip("simulator")
    drop = tmp_path_factory.mktemp("hotline-drop")
    sim = simulator.start(
        simulator.SimulatorConfig(
            seed=20261121, history_days=1, host="127.0.0.1", port=0, drop_dir=drop, data_dir=CITY_DIR,
            clock=lambda: FROZEN_AT,
        )
    )
    # Collectors running on the real clock must still reach back to the frozen city's first day.
    reach_back_days = (datetime.now(UTC) - FROZEN_AT) / timedelta(days=1) + 1.5
    env = {
        "CITYOPS_SIMULATOR_URL": sim.url,
        "CITYOPS_HOTLINE_DROP_DIR": str(drop),
        "CITYOPS_BACKFILL_DAYS": f"{reach_back_days:.3f}",
    }
    yield City(sim, env, drop)
    sim.stop()


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
