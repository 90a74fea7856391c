"""Fault-injected ingest: 10% HTTP 500s, 5% timeouts, slow answers, 2% malformed records, duplicates,
out-of-order pages, an outage and skewed clocks — then a reconciliation: every served record is stored
exactly once or quarantined, nothing is lost."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simcity import running_city

from collectors.config import load_feeds
from collectors.http import FeedHttpClient
from collectors.runner import FeedRunner
from dashboard.db.reconcile import reconcile, served_by_simulator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FROZEN_AT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # a Wednesday, 10:00 in the city
#: Hours of upstream history: small in `make test`, a full day in `make reliability`.
HISTORY_HOURS = float(os.environ.get("CITYOPS_RELIABILITY_HOURS", "4"))
PULLED = ("complaints-open311", "traffic-ngsi", "air-ngsi", "iot-sensorthings", "halls-queue")
FAULTS = {
    "error_rate": 0.10,
    "timeout_rate": 0.05,
    "timeout_seconds": 1.5,
    "latency_ms": 20,
    "malformed_rate": 0.02,
    "duplicate_rate": 0.05,
    "shuffle": True,
    "clock_skew_seconds": 90,
    "retry_after_seconds": 0,
}


@pytest.fixture(scope="module")
def faulty_city(tmp_path_factory):
    with running_city(tmp_path_factory.mktemp("drop"), 11, HISTORY_HOURS / 24, FROZEN_AT) as sim:
        yield sim


def _http(feed):
    """The feed's real client with a short timeout (the simulated timeouts last longer) and quick backoff."""
    return FeedHttpClient(feed.model_copy(update={"timeout_seconds": 0.5}), initial_backoff=0.001, max_backoff=0.01)


@pytest.mark.reliability
@pytest.mark.slow
def test_every_served_record_is_stored_once_or_quarantined(faulty_city, engine):
    sim = faulty_city
    env = {"CITYOPS_SIMULATOR_URL": sim.url, "CITYOPS_HOTLINE_DROP_DIR": "/nonexistent", "CITYOPS_BACKFILL_DAYS": "1"}
    feeds = [f for f in load_feeds(PROJECT_ROOT / "data" / "feeds" / "demo.toml", env=env) if f.name in PULLED]
    runner = FeedRunner(engine, http_factory=_http)
    runner.mirror(feeds)
    statuses = []
    try:
        sim.set_faults(**FAULTS)
        for minute in range(3):
            statuses += [runner.run(f, now=FROZEN_AT + timedelta(minutes=minute)).status for f in feeds]
        sim.set_faults(outage=True)  # the upstream systems go down for a while
        statuses += [runner.run(f, now=FROZEN_AT + timedelta(minutes=10)).status for f in feeds]
        sim.set_faults(outage=False)
        statuses += [runner.run(f, now=FROZEN_AT + timedelta(minutes=20)).status for f in feeds]
    finally:
        sim.set_faults(**{k: 0 if not isinstance(v, bool) else False for k, v in FAULTS.items()}, outage=False)
    # Faults over: the feeds catch up by themselves (the window is re-read from the cursor minus the lag).
    for feed in feeds:
        runner.run(feed, now=FROZEN_AT + timedelta(minutes=30), since=FROZEN_AT - timedelta(days=1))

    ledger = sim.state.ledger.served_keys()
    served = served_by_simulator(feeds, ledger)
    with engine.connect() as conn:
        accounts = {a.feed: a for a in reconcile(conn, served)}
    served_total = sum(len(s.keys) for s in served.values())
    stored = sum(accounts[f].stored for f in served)
    quarantined = sum(accounts[f].quarantined for f in served)
    lost = sum(accounts[f].lost or 0 for f in served)
    duplicates = sum(a.duplicates for a in accounts.values())
    print(
        f"\nfault-injected ingest: served {served_total} records, stored {stored} rows, quarantined {quarantined}, "
        f"lost {lost}, duplicates {duplicates}, failed runs {statuses.count('failed')} of {len(statuses)}"
    )
    for name, s in served.items():
        a = accounts[name]
        print(
            f"  {name:<20} served {len(s.keys):>6} ({s.ledger}), stored {a.stored:>6}, "
            f"quarantined {a.quarantined:>4}, lost {a.lost}"
        )
    assert "failed" in statuses  # the outage was noticed
    assert quarantined > 0  # malformed records were kept, with their reasons
    assert (lost, duplicates) == (0, 0)
    assert all(not a.problems for a in accounts.values()), {a.feed: a.problems for a in accounts.values()}
