"""Fixtures: a simulator on loopback with a controllable clock and three days of history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from simulator import SimulatorConfig, start
from simulator.city import read_city

CITY_DIR = Path(__file__).resolve().parents[2] / "data" / "city"
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # Friday 12:00 in the city


class Clock:
    """A settable clock for the simulator."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def city():
    return read_city(CITY_DIR)


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Iterator:
    clock = Clock(NOW)
    simulator = start(
        SimulatorConfig(
            history_days=3, port=0, clock=clock, data_dir=CITY_DIR, drop_dir=tmp_path_factory.mktemp("drop")
        )
    )
    simulator.clock = clock
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim) -> Iterator[httpx.Client]:
    sim.set_faults(
        error_rate=0.0,
        timeout_rate=0.0,
        latency_ms=0.0,
        malformed_rate=0.0,
        duplicate_rate=0.0,
        shuffle=False,
        outage=False,
        clock_skew_seconds=0.0,
        rate_limit=0,
    )
    with httpx.Client(base_url=sim.url, timeout=30) as http:
        yield http
