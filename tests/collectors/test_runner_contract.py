"""The runner's contract with a stand-in feed: one transaction, quarantine, cursor rules, failures recorded."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from collectors import protocols
from collectors.config import FeedConfig
from collectors.contract import WHOLE_FEED, Batch, Collector, Cursor, SourceRecord
from collectors.http import AuthError, FeedHttpClient, FetchError
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, FeedCursor, FeedRun, Quarantine, SensorReading

RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class StandInCollector(Collector):
    """Returns whatever the test put in ``StandInCollector.script`` (a callable of the cursor)."""

    script = staticmethod(lambda cursor: Batch())
    seen: list[Cursor] = []
    given: list[tuple] = []  # (feed, http client) each instance was made with

    def fetch(self, cursor: Cursor) -> Batch:
        StandInCollector.seen.append(cursor)
        StandInCollector.given.append((self.feed, self.http))
        return StandInCollector.script(cursor)


class KeptStandInCollector(StandInCollector):
    """A stand-in held across runs, like a live subscription."""

    persistent = True
    made = 0

    def __init__(self, feed, http) -> None:
        super().__init__(feed, http)
        KeptStandInCollector.made += 1


@pytest.fixture(autouse=True)
def stand_in_protocol(monkeypatch):
    monkeypatch.setitem(protocols.PROTOCOLS, "stand-in", f"{__name__}:StandInCollector")
    monkeypatch.setitem(protocols.PROTOCOLS, "stand-in-kept", f"{__name__}:KeptStandInCollector")
    KeptStandInCollector.made = 0
    StandInCollector.seen = []
    StandInCollector.given = []
    yield


def _feed(**extra) -> FeedConfig:
    return FeedConfig(name="air", domain="sensors", protocol="stand-in", url="http://upstream.invalid",
                      lag_seconds=600, backfill_days=2, **extra)


def _reading(i: int, value=10.0, observed_at=None) -> SourceRecord:
    data = {"station_code": "S1", "quantity": "pm25", "observed_at": observed_at or RUN_AT - timedelta(hours=i),
            "value": value, "unit": "µg/m³"}
    return SourceRecord(ref=f"S1:{i}", data=data, raw=dict(data, observed_at=str(data["observed_at"])))


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_first_run_reads_from_backfill_start_then_from_cursor_minus_lag(engine):
    StandInCollector.script = lambda c: Batch(records=[_reading(1)], cursor={"*": RUN_AT - timedelta(minutes=5)})
    runner = FeedRunner(engine)
    runner.run(_feed(), now=RUN_AT)
    runner.run(_feed(), now=RUN_AT + timedelta(minutes=1))
    first, second = StandInCollector.seen
    assert first.since() == RUN_AT - timedelta(days=2)
    assert second.since() == RUN_AT - timedelta(minutes=5) - timedelta(minutes=10)


def test_cursor_never_passes_the_run_start(engine):
    StandInCollector.script = lambda c: Batch(records=[_reading(0)], cursor={"*": RUN_AT + timedelta(days=3)})
    FeedRunner(engine).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        stored = conn.execute(select(FeedCursor.value)).scalar_one()
    assert datetime.fromisoformat(stored) == RUN_AT


def test_invalid_records_go_to_quarantine_naming_feed_record_and_field(engine):
    good, bad = _reading(1), _reading(2, value="lots")
    StandInCollector.script = lambda c: Batch(records=[good, bad], cursor={"*": RUN_AT})
    result = FeedRunner(engine).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        entry = conn.execute(select(Quarantine)).one()
    assert (result.new, result.rejected) == (1, 1)
    assert (entry.feed, entry.record_ref, entry.field) == ("air", "S1:2", "value")
    assert "feed air, record S1:2: value" in entry.reason
    assert '"lots"' in entry.payload


def test_crash_inside_the_transaction_leaves_previous_state(engine, monkeypatch):
    StandInCollector.script = lambda c: Batch(records=[_reading(i) for i in range(5)], cursor={"*": RUN_AT})
    runner = FeedRunner(engine)
    runner.run(_feed(), now=RUN_AT)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    StandInCollector.script = lambda c: Batch(records=[_reading(i) for i in range(10)],
                                              cursor={"*": RUN_AT + timedelta(hours=1)})
    monkeypatch.setattr("dashboard.db.feedops.write_cursor", crash)
    with pytest.raises(RuntimeError):
        runner.run(_feed(), now=RUN_AT + timedelta(hours=1))
    assert _count(engine, SensorReading) == 5
    assert _count(engine, FeedRun) == 1
    monkeypatch.undo()
    monkeypatch.setitem(protocols.PROTOCOLS, "stand-in", f"{__name__}:StandInCollector")
    result = runner.run(_feed(), now=RUN_AT + timedelta(hours=1))
    assert (result.new, result.unchanged) == (5, 5)
    assert _count(engine, SensorReading) == 10


def test_upstream_failure_is_recorded_and_logged_once(engine, caplog):
    def down(cursor):
        raise FetchError("feed air: HTTP 503 (gave up after retries)")

    StandInCollector.script = down
    runner = FeedRunner(engine)
    with caplog.at_level(logging.WARNING, logger="collectors.runner"):
        results = [runner.run(_feed(), now=RUN_AT + timedelta(minutes=minute)) for minute in range(3)]
        StandInCollector.script = lambda c: Batch(records=[_reading(0)], cursor={"*": RUN_AT})
        runner.run(_feed(), now=RUN_AT + timedelta(minutes=3))
    messages = [r.getMessage() for r in caplog.records]
    assert [(r.feed, r.status, r.error) for r in results] == [
        ("air", "failed", "feed air: HTTP 503 (gave up after retries)")
    ] * 3
    assert sum("is failing" in m for m in messages) == 1
    assert "feed air is failing (failed): feed air: HTTP 503 (gave up after retries)" in messages
    assert sum("recovered" in m for m in messages) == 1
    with engine.connect() as conn:
        statuses = conn.execute(select(FeedRun.status).order_by(FeedRun.id)).scalars().all()
    assert statuses == ["failed", "failed", "failed", "ok"]
    assert _count(engine, FeedCursor) == 1


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_values_are_quarantined_not_stored(sqlite_engine, value):
    StandInCollector.script = lambda c: Batch(records=[_reading(1, value=value)], cursor={"*": RUN_AT})
    result = FeedRunner(sqlite_engine).run(_feed(), now=RUN_AT)
    assert (result.new, result.rejected) == (0, 1)
    assert _count(sqlite_engine, SensorReading) == 0


def test_impossible_timestamp_is_quarantined(sqlite_engine):
    ancient = datetime(1970, 1, 1, tzinfo=UTC)
    StandInCollector.script = lambda c: Batch(records=[_reading(1, observed_at=ancient)], cursor={"*": RUN_AT})
    FeedRunner(sqlite_engine).run(_feed(), now=RUN_AT)
    with sqlite_engine.connect() as conn:
        entry = conn.execute(select(Quarantine.field, Quarantine.reason)).one()
    assert entry.field == "observed_at"
    assert "2000-01-01" in entry.reason, entry.reason


def test_a_run_with_nothing_valid_counts_only_its_rejects(engine):
    StandInCollector.script = lambda c: Batch(records=[_reading(1, value="lots")], cursor={"*": RUN_AT})
    result = FeedRunner(engine).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        run = conn.execute(select(FeedRun.fetched, FeedRun.new, FeedRun.updated, FeedRun.unchanged,
                                  FeedRun.rejected)).one()
    assert (result.fetched, result.new, result.updated, result.unchanged, result.rejected) == (1, 0, 0, 0, 1)
    assert tuple(run) == (1, 0, 0, 0, 1)


def test_the_collector_reads_with_its_feed_and_the_runs_http_client(engine):
    clients = []

    def http_factory(feed):
        clients.append(FeedHttpClient(feed))
        return clients[-1]

    feed = _feed()
    FeedRunner(engine, http_factory=http_factory).run(feed, now=RUN_AT)
    assert len(clients) == 1
    assert StandInCollector.given == [(feed, clients[0])]


def test_a_cursor_gives_a_partitions_stored_value_as_it_is():
    cursor = Cursor({"a.csv": "3f2a", WHOLE_FEED: "2026-11-21T07:00:00+00:00"}, RUN_AT, timedelta(minutes=10), RUN_AT)
    assert cursor.raw("a.csv") == "3f2a"
    assert cursor.raw(WHOLE_FEED) == "2026-11-21T07:00:00+00:00"  # not moved back by the lag, unlike since()
    assert cursor.raw("b.csv") is None


def test_a_persistent_collector_is_made_once_with_its_feed_and_no_http_client(engine):
    StandInCollector.script = lambda c: Batch(records=[_reading(1)], cursor={"*": RUN_AT})
    feed = _feed().model_copy(update={"protocol": "stand-in-kept"})
    runner = FeedRunner(engine)
    try:
        statuses = [runner.run(feed, now=RUN_AT + timedelta(minutes=m)).status for m in range(2)]
    finally:
        runner.close()
    assert statuses == ["ok", "ok"]
    assert KeptStandInCollector.made == 1
    assert StandInCollector.given == [(feed, None)] * 2


@pytest.mark.parametrize(
    ("raised", "status", "error"),
    [
        (AuthError("feed air: HTTP 401"), "auth_failed", "feed air: HTTP 401"),
        (ValueError("boom"), "failed", "feed air: unexpected ValueError: boom"),
    ],
)
def test_a_failed_run_records_why(engine, raised, status, error):
    def fail(cursor):
        raise raised

    StandInCollector.script = fail
    result = FeedRunner(engine).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        recorded = conn.execute(select(FeedRun.status, FeedRun.error)).one()
    assert (result.status, result.error) == (status, error)
    assert tuple(recorded) == (status, error)


def test_stored_complaints_carry_the_run_start_as_their_ingest_time(engine):
    ticket = {"category": "noise", "status": "accepted", "requested_at": RUN_AT - timedelta(hours=3),
              "updated_at": RUN_AT - timedelta(hours=2)}
    StandInCollector.script = lambda c: Batch(records=[SourceRecord(ref="C1", data=ticket, raw={})],
                                              cursor={"*": RUN_AT})
    feed = FeedConfig(name="hotline", domain="complaints", protocol="stand-in", url="http://upstream.invalid")
    FeedRunner(engine).run(feed, now=RUN_AT)
    with engine.connect() as conn:
        stored = conn.execute(select(Complaint.source_id, Complaint.ingested_at)).one()
    assert stored.source_id == "C1" and stored.ingested_at == RUN_AT


def test_a_run_with_rejects_logs_their_count_and_the_first_reason(engine, caplog):
    StandInCollector.script = lambda c: Batch(records=[_reading(1), _reading(2, value="lots"),
                                                       _reading(3, value="more")], cursor={"*": RUN_AT})
    with caplog.at_level(logging.INFO, logger="collectors.runner"):
        FeedRunner(engine).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        first = conn.execute(select(Quarantine.reason).order_by(Quarantine.id)).scalars().first()
    assert first.startswith("feed air, record S1:2: value")
    assert f"feed air: 2 records quarantined (first: {first})" in [r.getMessage() for r in caplog.records]
