"""A defect inside a collector (an exception no upstream problem explains) never reaches the scheduler: the run
is recorded as failed with the error, the traceback is logged once, and the next run tries again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from collectors import protocols
from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, Cursor, SourceRecord
from collectors.runner import FeedRunner
from dashboard.db.models import FeedRun

RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class DefectiveCollector(Collector):
    """Fails with a programming error while ``failures`` is positive, then reads one reading."""

    failures = 0

    def fetch(self, cursor: Cursor) -> Batch:
        if DefectiveCollector.failures > 0:
            DefectiveCollector.failures -= 1
            return {}["no such key"]
        data = {"station_code": "S1", "quantity": "pm25", "observed_at": RUN_AT, "value": 12.0}
        return Batch(records=[SourceRecord("S1:pm25", data, data)], cursor={"*": RUN_AT})


@pytest.mark.reliability
def test_a_defective_collector_is_recorded_as_failing_and_retried(sqlite_engine, monkeypatch, caplog):
    monkeypatch.setitem(protocols.PROTOCOLS, "defective", f"{__name__}:DefectiveCollector")
    feed = FeedConfig(name="air", domain="sensors", protocol="defective", url="http://upstream.invalid")
    DefectiveCollector.failures = 3
    runner = FeedRunner(sqlite_engine)
    with caplog.at_level(logging.WARNING, logger="collectors.runner"):
        results = [runner.run(feed, now=RUN_AT + timedelta(minutes=m)) for m in range(4)]
    assert [r.status for r in results] == ["failed", "failed", "failed", "ok"]
    assert results[0].error == "feed air: unexpected KeyError: 'no such key'"
    assert sum(record.exc_info is not None for record in caplog.records) == 1
    with sqlite_engine.connect() as conn:
        errors = conn.execute(select(FeedRun.error).order_by(FeedRun.id)).scalars().all()
    assert errors[:3] == [results[0].error] * 3 and errors[3] is None
