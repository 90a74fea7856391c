"""The demo's processes: the simulator and one ``collect --feeds NAME`` process per enabled feed beside the web
app, started on the demo's SQLite database, every feed run, and every child gone once the demo stops."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import text

from collectors.config import FeedConfig
from dashboard.demo import collector_commands, start_demo
from dashboard.settings import Settings

#: Longest wait for every feed's first successful run (the demo backfills an hour of the city).
RUN_WAIT_S = 120

COLLECT = [sys.executable, "-m", "dashboard", "collect"]


def _feed(name: str, enabled: bool = True) -> FeedConfig:
    return FeedConfig(name=name, domain="traffic", protocol="ngsi", url="http://127.0.0.1:1", enabled=enabled,
                      options={"entity_type": "TrafficFlowObserved"})


def test_one_collector_process_per_enabled_feed():
    feeds = [_feed("traffic-a"), _feed("air-b", enabled=False), _feed("halls-c")]
    assert collector_commands(feeds) == [[*COLLECT, "--feeds", "traffic-a"], [*COLLECT, "--feeds", "halls-c"]]


def test_without_an_enabled_feed_one_process_keeps_the_housekeeping():
    assert collector_commands([_feed("air-b", enabled=False)]) == [[*COLLECT, "--feeds", ""]]


def _arguments(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def test_the_demo_runs_each_feed_in_its_own_process_and_stops_them_all(tmp_path, monkeypatch):
    for name in ("CITYOPS_SIMULATOR_URL", "CITYOPS_HOTLINE_DROP_DIR", "CITYOPS_BACKFILL_DAYS"):
        monkeypatch.setenv(name, "")  # start_demo sets them for its children; restored after the test
    monkeypatch.delenv("CITYOPS_DATABASE_URL", raising=False)
    city = start_demo(Settings(var_dir=tmp_path), days=1 / 24)
    try:
        feeds = {"complaints-open311", "complaints-hotline", "traffic-ngsi", "air-ngsi", "iot-sensorthings",
                 "halls-queue"}  # the enabled feeds of data/feeds/demo.toml
        assert sorted(_arguments(c.process.pid)[-1] for c in city.collectors) == sorted(feeds)
        assert all(_arguments(c.process.pid)[1:-1] == ["-m", "dashboard", "collect", "--feeds"]
                   for c in city.collectors)
        deadline, succeeded = time.monotonic() + RUN_WAIT_S, set()
        while succeeded != feeds and time.monotonic() < deadline:
            time.sleep(0.5)
            with city.engine.connect() as conn:
                succeeded = set(conn.execute(text("SELECT feed FROM feed_state WHERE last_status = 'ok'")).scalars())
        assert succeeded == feeds
        assert all(c.process.poll() is None for c in city.collectors)
    finally:
        city.stop()
    assert [c.process.poll() for c in city.collectors] == [0] * len(city.collectors)
    assert city.simulator.process.poll() is not None
