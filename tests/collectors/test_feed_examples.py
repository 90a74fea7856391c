"""Every example in data/feeds/examples is quoted in docs/feeds.md, loads, and — where it points at the
simulator — ingests. (The tabular examples are ingested from real samples by test_new_city.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from simcity import running_city

from collectors.config import load_feeds
from collectors.http import FeedHttpClient
from collectors.protocols import PROTOCOLS
from collectors.runner import FeedRunner

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((PROJECT_ROOT / "data" / "feeds" / "examples").glob("*.toml"))
DOC = PROJECT_ROOT / "docs" / "feeds.md"
FROZEN_AT = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
#: Example feeds served by the simulator.
SIMULATED = ("complaints-open311", "traffic-ngsi", "air-ngsi", "iot-sensorthings", "halls-queue")
ENV = {
    "CITYOPS_HOTLINE_DROP_DIR": "/srv/drop/hotline",
    "CITYOPS_AIR_DROP_DIR": "/srv/drop/air",
    "CITYOPS_HALLS_DROP_DIR": "/srv/drop/halls",
    "CITYOPS_TRAFFIC_DROP_DIR": "/srv/drop/traffic",
    "CITYOPS_VENDOR_API_URL": "http://vendor.city.internal",
}


def _example_feeds(simulator_url: str = "http://127.0.0.1:8765"):
    env = {**ENV, "CITYOPS_SIMULATOR_URL": simulator_url}
    return {f.name: f for path in EXAMPLES for f in load_feeds(path, env=env)}


def test_every_example_is_quoted_in_the_operator_guide_and_loads():
    doc = DOC.read_text(encoding="utf-8")
    for path in EXAMPLES:
        assert f"`data/feeds/examples/{path.name}`" in doc, path.name
        assert path.read_text(encoding="utf-8").strip() in doc, f"{path.name} is quoted out of date"
    feeds = _example_feeds()
    assert {f.protocol for f in feeds.values()} == set(PROTOCOLS)  # one worked example per protocol at least
    for protocol in PROTOCOLS:
        assert f"(`{protocol}`)" in doc, protocol


@pytest.fixture(scope="module")
def simulated_city(tmp_path_factory) -> Iterator[object]:
    with running_city(tmp_path_factory.mktemp("drop"), 11, 0.04, FROZEN_AT) as sim:
        yield sim


@pytest.mark.slow
def test_examples_pointing_at_the_simulator_ingest(simulated_city, sqlite_engine, monkeypatch):
    monkeypatch.setenv("OPEN311_API_KEY", "demo")
    feeds = _example_feeds(simulated_city.url)
    runner = FeedRunner(sqlite_engine, http_factory=lambda f: FeedHttpClient(f, initial_backoff=0.001))
    results = {name: runner.run(feeds[name], now=FROZEN_AT) for name in SIMULATED}
    assert {n: r.status for n, r in results.items()} == {n: "ok" for n in SIMULATED}, results
    assert all(r.new > 0 for r in results.values()), results
