"""The demo feeds against the simulated city over loopback, with its faults on: duplicated and shuffled records,
malformed records, 5xx and 429 answers. Every served record ends stored exactly once or in quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simcity import running_city
from sqlalchemy import func, select

from collectors.config import load_feeds
from collectors.http import FeedHttpClient
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, HallTicket, Quarantine, TrafficObservation

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FROZEN_AT = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
#: feed name -> (fact table, simulator ledger name)
CHECKED = {
    "complaints-open311": (Complaint, "open311"),
    "traffic-ngsi": (TrafficObservation, "ngsi:TrafficFlowObserved"),
    "halls-queue": (HallTicket, "halls:tickets"),
}


@pytest.fixture(scope="module")
def simulated_city(tmp_path_factory) -> Iterator[object]:
    with running_city(tmp_path_factory.mktemp("drop"), 7, 0.5, FROZEN_AT) as sim:
        yield sim


def _feeds(sim):
    env = {"CITYOPS_SIMULATOR_URL": sim.url, "CITYOPS_HOTLINE_DROP_DIR": "/nonexistent", "CITYOPS_BACKFILL_DAYS": "1"}
    feeds = {f.name: f for f in load_feeds(PROJECT_ROOT / "data" / "feeds" / "demo.toml", env=env)}
    return [feeds[name] for name in CHECKED]


def _quick_retries(feed):
    return FeedHttpClient(feed, initial_backoff=0.001, max_backoff=0.01)


@pytest.mark.slow
def test_faulty_upstream_every_record_once_or_in_quarantine(simulated_city, engine):
    sim = simulated_city
    runner = FeedRunner(engine, http_factory=_quick_retries)
    sim.set_faults(
        duplicate_rate=0.2, shuffle=True, malformed_rate=0.02, error_rate=0.1, rate_limit=9, retry_after_seconds=0
    )
    try:
        faulty = {f.name: runner.run(f, now=FROZEN_AT) for f in _feeds(sim)}
    finally:
        sim.set_faults(duplicate_rate=0.0, shuffle=False, malformed_rate=0.0, error_rate=0.0, rate_limit=0)
    assert {n: r.status for n, r in faulty.items()} == {n: "ok" for n in CHECKED}, faulty
    ledger = sim.state.ledger.report()
    with engine.connect() as conn:
        quarantined = conn.execute(select(Quarantine.feed, Quarantine.record_ref, Quarantine.field, Quarantine.reason))
        quarantined = quarantined.all()
    assert quarantined, "the faults should have malformed some records"
    malformed = {ref for name, (_, key) in CHECKED.items() for ref in ledger[key]["malformed_ids"]}
    for feed, ref, field, reason in quarantined:
        assert ref in malformed and field and reason.startswith(f"feed {feed}, record {ref}: {field}")

    # The same window again, faults off: what came malformed is now stored; nothing is stored twice.
    for feed in _feeds(sim):
        assert runner.run(feed, now=FROZEN_AT, since=FROZEN_AT - timedelta(days=1)).status == "ok"
    ledger = sim.state.ledger.report()
    with engine.connect() as conn:
        for name, (model, key) in CHECKED.items():
            total, distinct = conn.execute(select(func.count(), func.count(model.source_id.distinct()))).one()
            assert total == distinct == ledger[key]["ids"], name
