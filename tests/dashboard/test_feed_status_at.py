"""A feed's health at a past moment, read from its run history (``feeds.feed_status_at``), against hand-counted
values and against ``feed_state`` (kept run by run as the collectors record them) at the newest moment."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import Engine

from dashboard.db import feedops
from dashboard.queries import feeds
from tests.dashboard.synthetic_city import NOW

#: A feed's runs in order: (minutes before NOW it started, status, new rows, newest source time minutes before NOW).
RUNS = [
    (50, "failed", 0, None),
    (40, "ok", 4, 45),
    (30, "failed", 0, None),
    (20, "ok", 3, 25),
    (10, "failed", 0, None),
    (5, "auth_failed", 0, None),
]


def _record(engine: Engine) -> None:
    with engine.begin() as conn:
        for ago, status, new, source in RUNS:
            started = NOW - timedelta(minutes=ago)
            feedops.record_run(
                conn,
                feed="flaky",
                started_at=started,
                finished_at=started + timedelta(seconds=30),
                status=status,
                fetched=new,
                new=new,
                updated=0,
                unchanged=0,
                rejected=0,
                max_source_time=None if source is None else NOW - timedelta(minutes=source),
                error=None if status == "ok" else f"{status} run",
            )
        # a replay of the quarantine says nothing of the upstream: not the feed's last run
        feedops.record_run(conn, feed="flaky", started_at=NOW - timedelta(minutes=7), status="ok", kind="replay")


def _row(engine: Engine, minutes_ago: float) -> pd.Series:
    return feeds.feed_status_at(engine, NOW - timedelta(minutes=minutes_ago)).set_index("name").loc["flaky"]


def test_status_at_past_moments(city):
    _record(city)
    row = _row(city, 45)  # the failure at 50 alone: no success yet
    assert (row["last_status"], row["consecutive_failures"]) == ("failed", 1) and pd.isna(row["last_success_at"])
    row = _row(city, 35)  # the failure at 50, then the success at 40
    assert (row["last_status"], row["consecutive_failures"], row["new"]) == ("ok", 0, 4)
    assert row["last_success_at"] == NOW - timedelta(minutes=40) + timedelta(seconds=30)
    assert row["max_source_time"] == NOW - timedelta(minutes=45)
    row = _row(city, 28)
    assert (row["last_status"], row["consecutive_failures"], row["last_error"]) == ("failed", 1, "failed run")
    row = _row(city, 15)  # the success at 20: no failure since, its rows and source time
    assert (row["last_status"], row["consecutive_failures"], row["new"]) == ("ok", 0, 3)
    assert row["max_source_time"] == NOW - timedelta(minutes=25)
    row = _row(city, 1)  # two failures since the success at 20
    assert (row["last_status"], row["consecutive_failures"]) == ("auth_failed", 2)
    assert row["last_run_at"] == NOW - timedelta(minutes=5) + timedelta(seconds=30)
    assert row["max_source_time"] == NOW - timedelta(minutes=25)  # failed runs report no source time
    before = feeds.feed_status_at(city, NOW - timedelta(minutes=60))  # before any run: configured feeds, no state
    assert "flaky" not in set(before["name"]) and before["last_status"].isna().all()
    assert (before["consecutive_failures"] == 0).all() and len(before) == 6


def test_status_at_now_is_the_kept_state(city):
    _record(city)
    kept, read = (f.set_index("name").sort_index() for f in (feeds.feed_status(city), feeds.feed_status_at(city, NOW)))
    kept, read = (f.astype(object).where(f.notna(), None) for f in (kept, read))  # a missing value is missing
    pd.testing.assert_frame_equal(read, kept)
