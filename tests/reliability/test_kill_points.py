"""A run crashed at any point inside its transaction leaves the previous state intact, quarantine and rollups
included; run again, it leaves what an uninterrupted run leaves (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from tabledump import differences, dump

from collectors import protocols
from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, Cursor, SourceRecord
from collectors.runner import KILL_POINTS, FeedRunner
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import FeedRun, Quarantine

RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SECOND = RUN_AT + timedelta(minutes=10)


class Crash(Exception):
    """The process dying at a kill point."""


class ScriptedCollector(Collector):
    """Serves ``ScriptedCollector.batches[run started at]``."""

    batches: dict[datetime, Batch] = {}

    def fetch(self, cursor: Cursor) -> Batch:
        return ScriptedCollector.batches[cursor.run_started_at]


def _reading(station: str, hours_ago: int, value) -> SourceRecord:
    data = {"station_code": station, "quantity": "pm25", "observed_at": RUN_AT - timedelta(hours=hours_ago),
            "value": value, "unit": "µg/m³"}
    return SourceRecord(ref=f"{station}:{hours_ago}", data=data, raw={"value": str(value)})


def _batch(at: datetime, station: str) -> Batch:
    """Three good readings and one that fails validation (quarantined)."""
    records = [_reading(station, h, 20.0 + h) for h in (1, 2, 3)] + [_reading(station, 4, "lots")]
    return Batch(records=records, cursor={"*": at})


@pytest.fixture(autouse=True)
def scripted_protocol(monkeypatch):
    """Registers the scripted feed; ``uninterrupted`` depends on it too."""
    monkeypatch.setitem(protocols.PROTOCOLS, "scripted", f"{__name__}:ScriptedCollector")
    ScriptedCollector.batches = {RUN_AT: _batch(RUN_AT, "S1"), SECOND: _batch(SECOND, "S2")}


def _feed() -> FeedConfig:
    return FeedConfig(name="air", domain="sensors", protocol="scripted", url="http://upstream.invalid", backfill_days=1)


def _crash_at(point: str, reached: list[str]):
    def fault(at: str, conn) -> None:
        reached.append(at)
        if at == point:
            raise Crash(at)

    return fault


@pytest.fixture
def uninterrupted(tmp_path, scripted_protocol):
    reference = make_engine(f"sqlite:///{tmp_path / 'uninterrupted.db'}")
    upgrade(reference)
    runner = FeedRunner(reference)
    runner.run(_feed(), now=RUN_AT)
    runner.run(_feed(), now=SECOND)
    yield dump(reference)
    reference.dispose()


@pytest.mark.reliability
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_crashed_inside_its_transaction_changes_nothing_and_its_rerun_completes(engine, point, uninterrupted):
    FeedRunner(engine).run(_feed(), now=RUN_AT)
    before = dump(engine)
    reached: list[str] = []
    with pytest.raises(Crash):
        FeedRunner(engine, fault=_crash_at(point, reached)).run(_feed(), now=SECOND)
    assert reached == list(KILL_POINTS[: KILL_POINTS.index(point) + 1])
    assert dump(engine) == before, f"crash at {point} left writes behind"
    FeedRunner(engine).run(_feed(), now=SECOND)
    after = dump(engine)
    assert differences(after, uninterrupted) == {}
    assert len(after["quarantine"]) == 2 and len(after["sensor_hourly"]) == 6


@pytest.mark.reliability
def test_quarantine_rows_belong_to_the_runs_transaction(engine):
    """Seen from inside the run just before it commits, the quarantine holds this run's rejects; a crash there
    leaves none, and the completed run leaves them."""
    seen = {}

    def look(point: str, conn) -> None:
        if point == "before_commit":
            seen["run"] = conn.execute(select(func.max(FeedRun.id))).scalar_one()
            seen["quarantined"] = conn.execute(
                select(Quarantine.record_ref).where(Quarantine.feed_run_id == seen["run"])
            ).scalars().all()
            raise Crash(point)

    with pytest.raises(Crash):
        FeedRunner(engine, fault=look).run(_feed(), now=RUN_AT)
    assert seen["quarantined"] == ["S1:4"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Quarantine)).scalar_one() == 0
    FeedRunner(engine).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        assert conn.execute(select(Quarantine.record_ref, Quarantine.field)).all() == [("S1:4", "value")]


def _refused_at(point: str):
    """A fault hook that, at ``point``, runs a statement the database refuses (a duplicate key)."""
    def refuse(at: str, conn) -> None:
        if at == point:
            for _ in range(2):
                conn.execute(insert(FeedRun).values(id=1, feed="x", started_at=RUN_AT, status="ok"))

    return refuse


@pytest.mark.reliability
def test_a_batch_the_database_refuses_is_a_failed_run_with_its_error_and_is_stored_by_the_next(engine):
    """A store that fails on the batch (a constraint, a value the column refuses, a conflict with another
    transaction) is not a database outage: the run is recorded as failed with the database's error (its first
    line: the DETAIL quotes the row), nothing of it is kept, and the next run stores it."""
    result = FeedRunner(engine, fault=_refused_at("after_upsert")).run(_feed(), now=RUN_AT)  # inside the store
    assert result.status == "failed" and result.error.startswith("feed air: storing the batch failed: ")
    assert ("UniqueViolation" if engine.dialect.name == "postgresql" else "IntegrityError") in result.error
    assert "DETAIL" not in result.error and "Key (" not in result.error
    with engine.connect() as conn:
        runs = conn.execute(select(FeedRun.feed, FeedRun.status, FeedRun.error)).all()
        assert conn.execute(select(func.count()).select_from(Quarantine)).scalar_one() == 0
    assert [(feed, status) for feed, status, _ in runs] == [("air", "failed")]
    assert "air" in runs[0].error
    FeedRunner(engine).run(_feed(), now=RUN_AT)
    FeedRunner(engine).run(_feed(), now=SECOND)
    after = dump(engine)
    assert len(after["sensor_hourly"]) == 6 and len(after["quarantine"]) == 2


@pytest.mark.reliability
def test_a_refused_statement_of_the_runs_own_bookkeeping_is_not_taken_for_the_batchs(engine):
    """Only the store's refusals are the batch's: one after it (the run's record, its cursor) is raised as before."""
    with pytest.raises(IntegrityError):
        FeedRunner(engine, fault=_refused_at("after_rollups")).run(_feed(), now=RUN_AT)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FeedRun)).scalar_one() == 0
