"""Hall waits over the tickets the simulated city's queue API really serves, collected by the halls feed: a
window in which nobody has been called yet is a long wait for everyone still in the queue, not an error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simcity import running_city
from sqlalchemy import select

from collectors.config import load_feeds
from collectors.runner import FeedRunner
from dashboard.db.models import HallTicket
from dashboard.queries import halls, kpis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # 10:00 in the city, halls open


@pytest.fixture(scope="module")
def queue_api(tmp_path_factory) -> Iterator[str]:
    """The simulated city's hall queue API (half a day of history), frozen at ``NOW``."""
    with running_city(tmp_path_factory.mktemp("drop"), 7, 0.5, NOW) as sim:
        yield sim.url


@pytest.fixture
def tickets(engine, queue_api):
    env = {"CITYOPS_SIMULATOR_URL": queue_api, "CITYOPS_HOTLINE_DROP_DIR": "/nonexistent", "CITYOPS_BACKFILL_DAYS": "1"}
    feed = next(
        f for f in load_feeds(PROJECT_ROOT / "data" / "feeds" / "demo.toml", env=env) if f.name == "halls-queue"
    )
    assert FeedRunner(engine).run(feed, now=NOW).status == "ok"
    with engine.connect() as conn:
        return conn.execute(select(HallTicket.hall_code, HallTicket.issued_at, HallTicket.called_at)).all()


def _expected(tickets, start, threshold):
    """hall -> (tickets, longest wait in minutes), counted ticket by ticket."""
    waits: dict[str, list[float]] = {}
    for hall, issued, called in tickets:
        wait = ((called or NOW) - issued).total_seconds() / 60
        if start <= issued < NOW and wait > threshold:
            waits.setdefault(hall, []).append(wait)
    return {hall: (len(w), round(max(w), 3)) for hall, w in waits.items()}


def _observed(frame):
    return {r.hall_code: (r.tickets, round(r.max_wait_minutes, 3)) for r in frame.itertuples()}


def test_queue_still_waiting_counts_as_long_waits(engine, tickets):
    start = NOW - timedelta(minutes=10)
    recent = [t for t in tickets if t.issued_at >= start]
    assert recent and all(t.called_at is None for t in recent)  # nobody issued since has been called yet
    frame = halls.long_waits(engine, start, NOW, threshold_minutes=3)
    assert _observed(frame) == _expected(tickets, start, 3)
    assert list(frame["max_wait_minutes"]) == sorted(frame["max_wait_minutes"], reverse=True)
    assert kpis.domain_sums(engine, start, NOW, "Asia/Shanghai", "halls")["called"] == 0  # no mean wait yet


def test_the_morning_mixes_called_and_waiting_tickets(engine, tickets):
    start = NOW - timedelta(hours=2)
    frame = halls.long_waits(engine, start, NOW, threshold_minutes=10)
    assert len(frame) >= 1
    assert _observed(frame) == _expected(tickets, start, 10)
    assert kpis.domain_sums(engine, start, NOW, "Asia/Shanghai", "halls")["called"] > 0
