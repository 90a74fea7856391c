"""What holds on SQLite, where no lease spans processes: two collectors running the same feed over the same window
(two runners, as two processes would be) store each record once; the second run counts them unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from collectors import protocols
from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, SourceRecord
from collectors.runner import FeedRunner
from dashboard.db.feedops import FeedLeases
from dashboard.db.models import FeedRun, SensorReading

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


class SameWindow(Collector):
    """The same 30 readings at every run (a window fetched again)."""

    def fetch(self, cursor) -> Batch:
        return Batch(records=[
            SourceRecord(ref=f"st1:{i}", raw=None, data={
                "station_code": "st1", "quantity": "pm25", "observed_at": T0 + timedelta(minutes=i), "value": 10.0 + i,
                "unit": "µg/m³"})
            for i in range(30)
        ])


def test_two_collectors_on_one_feed_store_each_record_once(sqlite_engine, monkeypatch):
    monkeypatch.setitem(protocols.PROTOCOLS, "samewindow", f"{__name__}:SameWindow")
    feed = FeedConfig(name="air", domain="sensors", protocol="samewindow", url="http://x")
    first, second = FeedRunner(sqlite_engine, timezone="Asia/Shanghai"), FeedRunner(sqlite_engine,
                                                                                     timezone="Asia/Shanghai")
    first.mirror([feed])
    with FeedLeases(sqlite_engine, hold=True).lease("air") as granted:
        assert granted  # nothing to refuse with: SQLite has no lock across processes
        one, two = first.run(feed), second.run(feed)
    assert (one.status, one.new, two.status, two.new, two.unchanged) == ("ok", 30, "ok", 0, 30)
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SensorReading)).scalar() == 30
        assert conn.execute(select(func.count()).select_from(FeedRun)).scalar() == 2  # both runs are logged
