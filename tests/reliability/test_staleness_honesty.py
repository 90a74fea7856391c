"""Staleness honesty: when one upstream goes down, exactly the data it feeds turns stale within two feed
intervals, saying since when; /readyz says the same; recovery clears it."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.config import load_feeds
from collectors.http import FeedHttpClient
from collectors.runner import FeedRunner
from dashboard import clock
from dashboard.kpis.freshness import domain_freshness
from dashboard.queries.feeds import feed_status
from dashboard.web.health import readiness

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INTERVAL = 1  # seconds: the feeds of this test poll every second
FACTOR = 2.0
STEP = timedelta(seconds=0.3)  # how far the test moves the clock between two rounds of runs


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(engine):
    return feed_status.__wrapped__(engine)


class _HandClock:
    """The app's and the collectors' clock, standing still until the test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def moved():
    hand = _HandClock(datetime.now(UTC))  # the simulator serves its city as of the real time
    with clock.set_to(hand):
        yield hand


@pytest.mark.reliability
def test_an_upstream_outage_turns_exactly_its_data_stale_and_recovery_clears_it(sqlite_engine, tmp_path, moved):
    simulator = pytest.importorskip("simulator")
    sim = simulator.start(
        simulator.SimulatorConfig(
            seed=5, history_days=0.05, port=0, drop_dir=tmp_path / "drop", data_dir=PROJECT_ROOT / "data" / "city"
        )
    )
    try:
        env = {
            "CITYOPS_SIMULATOR_URL": sim.url,
            "CITYOPS_HOTLINE_DROP_DIR": str(tmp_path),
            "CITYOPS_BACKFILL_DAYS": "0.05",
        }
        feeds = {
            f.name: f.model_copy(update={"interval_seconds": INTERVAL, "max_data_age_seconds": None})
            for f in load_feeds(PROJECT_ROOT / "data" / "feeds" / "demo.toml", env=env)
            if f.name in ("complaints-open311", "traffic-ngsi")
        }
        runner = FeedRunner(
            sqlite_engine, http_factory=lambda f: FeedHttpClient(f, initial_backoff=0.001, max_backoff=0.001)
        )
        runner.mirror(list(feeds.values()))
        for feed in feeds.values():
            assert runner.run(feed).status == "ok"
        _, ready = readiness(sqlite_engine, FACTOR, clock.now())
        assert ready

        down = feeds["traffic-ngsi"].model_copy(
            update={"url": f"http://127.0.0.1:{_closed_port()}/ngsi/v2", "max_retries": 0}
        )
        outage_began = clock.now()
        while clock.now() - outage_began < timedelta(seconds=FACTOR * INTERVAL + 1.5):
            assert runner.run(feeds["complaints-open311"]).status == "ok"
            assert runner.run(down).status == "failed"
            moved.at += STEP
        now = clock.now()
        status = _status(sqlite_engine)
        traffic = domain_freshness(status, ["traffic"], now, FACTOR)
        complaints = domain_freshness(status, ["complaints"], now, FACTOR)
        assert traffic.stale and traffic.stale_since <= outage_began + timedelta(seconds=FACTOR * INTERVAL)
        assert not complaints.stale
        body, ready = readiness(sqlite_engine, FACTOR, now)
        assert not ready
        assert body["feeds"]["traffic-ngsi"]["stale"] and not body["feeds"]["complaints-open311"]["stale"]
        assert body["feeds"]["traffic-ngsi"]["consecutive_failures"] >= 2

        assert runner.run(feeds["traffic-ngsi"]).status == "ok"  # the upstream is back
        now = clock.now()
        assert not domain_freshness(_status(sqlite_engine), ["traffic"], now, FACTOR).stale
        assert readiness(sqlite_engine, FACTOR, now)[1]
    finally:
        sim.stop()
