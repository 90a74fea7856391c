"""The feeds' health kept per run (``feed_state``) says what a scan of their run history says: after failures,
after an upstream refusing the credentials, after recovery, for a feed run without being configured, and when
the migration fills it from the runs recorded before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import func, select

from collectors import registry
from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, Cursor, SourceRecord
from collectors.http import AuthError, FetchError
from collectors.runner import FeedRunner
from dashboard.db.engine import make_engine
from dashboard.db.migrate import alembic_config, upgrade
from dashboard.db.models import Feed, FeedRun
from dashboard.queries.base import read_frame
from dashboard.queries.feeds import STATUS_COLUMNS, feed_status

RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class ScriptedCollector(Collector):
    """Does what ``ScriptedCollector.step`` says: ``ok`` (one reading an hour before the run), ``down``, ``auth``."""

    step = "ok"

    def fetch(self, cursor: Cursor) -> Batch:
        if ScriptedCollector.step == "down":
            raise FetchError("feed air: HTTP 503 (gave up after retries)")
        if ScriptedCollector.step == "auth":
            raise AuthError("feed air: HTTP 401")
        observed = cursor.run_started_at - timedelta(hours=1)
        data = {"station_code": "S1", "quantity": "pm25", "observed_at": observed, "value": 10.0, "unit": "µg/m³"}
        return Batch(records=[SourceRecord(ref=f"S1:{observed}", data=data, raw={})], cursor={"*": observed})


@pytest.fixture(autouse=True)
def scripted_protocol(monkeypatch):
    monkeypatch.setitem(registry.PROTOCOLS, "scripted", f"{__name__}:ScriptedCollector")


def _feed(name: str) -> FeedConfig:
    return FeedConfig(name=name, domain="sensors", protocol="scripted", url="http://upstream.invalid",
                      interval_seconds=60)


def _scanned(engine) -> pd.DataFrame:
    """The feeds' health computed from every run recorded, as ``feed_status`` did before ``feed_state``."""
    feeds = read_frame(
        engine, select(Feed.name, Feed.domain, Feed.protocol, Feed.interval_s, Feed.max_data_age_s, Feed.enabled)
    )
    last_ids = select(func.max(FeedRun.id)).group_by(FeedRun.feed)
    last = read_frame(
        engine,
        select(
            FeedRun.feed.label("name"),
            func.coalesce(FeedRun.finished_at, FeedRun.started_at).label("last_run_at"),
            FeedRun.status.label("last_status"),
            FeedRun.error.label("last_error"),
            FeedRun.fetched,
            FeedRun.new,
            FeedRun.updated,
            FeedRun.unchanged,
            FeedRun.rejected,
        ).where(FeedRun.id.in_(last_ids)),
    )
    summary = read_frame(
        engine,
        select(
            FeedRun.feed.label("name"),
            func.max(FeedRun.max_source_time).label("max_source_time"),
        ).group_by(FeedRun.feed),
    )
    success = read_frame(
        engine,
        select(
            FeedRun.feed.label("name"),
            func.max(FeedRun.id).label("last_ok_id"),
            func.max(func.coalesce(FeedRun.finished_at, FeedRun.started_at)).label("last_success_at"),
        )
        .where(FeedRun.status == "ok")
        .group_by(FeedRun.feed),
    )
    runs = read_frame(
        engine, select(FeedRun.feed.label("name"), FeedRun.id, FeedRun.status).where(FeedRun.status != "ok")
    )
    frame = feeds.merge(last, how="outer", on="name").merge(summary, how="left", on="name")
    frame = frame.merge(success, how="left", on="name")
    failures = runs.merge(success[["name", "last_ok_id"]], how="left", on="name")
    failures = failures[failures["last_ok_id"].isna() | (failures["id"] > failures["last_ok_id"].fillna(-1))]
    frame["consecutive_failures"] = frame["name"].map(failures.groupby("name").size()).fillna(0).astype(int)
    for column in ("fetched", "new", "updated", "unchanged", "rejected"):
        frame[column] = frame[column].fillna(0).astype(int)
    return frame[STATUS_COLUMNS].sort_values("name", ignore_index=True)


def _missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Values with every missing one as None (the pages test missing values with ``pd.isna``)."""
    return frame.astype(object).where(frame.notna(), None)


def _compare(engine) -> pd.DataFrame:
    """``feed_status`` (checked equal to the scan of the runs) by feed name."""
    status = feed_status.__wrapped__(engine)
    pd.testing.assert_frame_equal(_missing_as_none(status), _missing_as_none(_scanned(engine)))
    return status.set_index("name")


def test_state_follows_failures_and_recovery(engine):
    runner = FeedRunner(engine)
    runner.mirror([_feed("air"), _feed("quiet")])
    steps = ["ok", "ok", "down", "auth", "down", "ok", "down"]
    for minute, step in enumerate(steps):
        ScriptedCollector.step = step
        runner.run(_feed("air"), now=RUN_AT + timedelta(minutes=minute))
        status = _compare(engine)
        if step == "ok":
            assert status.at["air", "consecutive_failures"] == 0
    assert status.at["air", "consecutive_failures"] == 1
    assert status.at["air", "last_status"] == "failed"
    assert status.at["air", "max_source_time"] == RUN_AT + timedelta(minutes=5) - timedelta(hours=1)
    assert status.at["quiet", "consecutive_failures"] == 0 and pd.isna(status.at["quiet", "last_run_at"])


def test_three_failures_then_recovery(engine):
    runner = FeedRunner(engine)
    runner.mirror([_feed("air")])
    ScriptedCollector.step = "down"
    for minute in range(3):
        runner.run(_feed("air"), now=RUN_AT + timedelta(minutes=minute))
    status = _compare(engine)
    assert (status.at["air", "last_status"], status.at["air", "consecutive_failures"]) == ("failed", 3)
    assert pd.isna(status.at["air", "last_success_at"]) and pd.isna(status.at["air", "max_source_time"])
    ScriptedCollector.step = "ok"
    runner.run(_feed("air"), now=RUN_AT + timedelta(minutes=3))
    status = _compare(engine)
    assert (status.at["air", "last_status"], status.at["air", "consecutive_failures"]) == ("ok", 0)
    assert (status.at["air", "fetched"], status.at["air", "new"]) == (1, 1)


def test_feed_run_without_configuration_is_listed(engine):
    ScriptedCollector.step = "auth"
    FeedRunner(engine).run(_feed("adhoc"), now=RUN_AT)
    status = _compare(engine)
    assert status.at["adhoc", "last_status"] == "auth_failed"
    assert pd.isna(status.at["adhoc", "domain"])


def test_migration_fills_the_state_from_recorded_runs(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cityops.db'}")
    upgrade(engine)
    runner = FeedRunner(engine)
    runner.mirror([_feed("air"), _feed("water")])
    for minute, (feed, step) in enumerate([("air", "ok"), ("water", "down"), ("air", "down"), ("air", "down"),
                                           ("water", "ok"), ("water", "auth")]):
        ScriptedCollector.step = step
        runner.run(_feed(feed), now=RUN_AT + timedelta(minutes=minute))
    kept = feed_status.__wrapped__(engine)
    command.downgrade(alembic_config(engine.url.render_as_string(hide_password=False)), "0005_clustered_rollups")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FeedRun)).scalar_one() == 6
    pd.testing.assert_frame_equal(_missing_as_none(feed_status.__wrapped__(engine)), _missing_as_none(kept))
    assert _compare(engine).at["air", "consecutive_failures"] == 2
    engine.dispose()
