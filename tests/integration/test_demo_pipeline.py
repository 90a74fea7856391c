"""The demo's real code path: simulated upstream systems → collectors over HTTP → database, on both dialects."""

from __future__ import annotations

from datetime import timedelta

from democity import FACT_TABLES, FROZEN_AT, snapshot, with_reference_data
from sqlalchemy import func, select

from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, FeedRun, Quarantine


def _run_all(runner: FeedRunner, feeds, at):
    return {feed.name: runner.run(feed, now=at) for feed in feeds}


def test_every_feed_fills_its_table_and_a_second_pull_changes_nothing(city, engine, tmp_path):
    runner = FeedRunner(with_reference_data(engine))
    feeds = city.feeds(tmp_path)
    runner.mirror(feeds)

    first = _run_all(runner, feeds, FROZEN_AT)
    assert {name: r.status for name, r in first.items()} == {f.name: "ok" for f in feeds}
    assert all(r.new > 0 for r in first.values()), {n: r.new for n, r in first.items()}
    stored = snapshot(engine)
    assert all(stored[name] for name in FACT_TABLES), {n: len(v) for n, v in stored.items()}

    second = _run_all(runner, feeds, FROZEN_AT + timedelta(minutes=1))
    assert {n: (r.new, r.updated) for n, r in second.items()} == {f.name: (0, 0) for f in feeds}
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k != "feed_cursor"} == {
        k: v for k, v in stored.items() if k != "feed_cursor"
    }


def test_complaints_are_placed_in_districts_and_nothing_is_quarantined(city, engine, tmp_path):
    runner = FeedRunner(with_reference_data(engine))
    for feed in city.feeds(tmp_path):
        runner.run(feed, now=FROZEN_AT)
    with engine.connect() as conn:
        total, located = conn.execute(select(func.count(), func.count(Complaint.district_code))).one()
        quarantined = conn.execute(select(func.count()).select_from(Quarantine)).scalar_one()
        failed = conn.execute(select(func.count()).where(FeedRun.status != "ok")).scalar_one()
    assert total > 100
    assert located / total > 0.95
    assert (quarantined, failed) == (0, 0)
