"""SQLite under concurrent web reads and ingest: "database is locked" never loses a batch (WAL + busy timeout)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from collectors import protocols
from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, SourceRecord
from collectors.runner import FeedRunner
from dashboard.db.engine import make_engine
from dashboard.db.models import SensorReading
from dashboard.queries.feeds import feed_status

T0 = datetime(2026, 11, 20, tzinfo=UTC)
BATCHES, ROWS = 8, 3000


class BurstCollector(Collector):
    """Returns a fresh batch of readings per run (station from the feed name, time from the run)."""

    def fetch(self, cursor) -> Batch:
        station = self.feed.name
        base = int((cursor.run_started_at - T0).total_seconds())
        records = [
            SourceRecord(
                ref=f"{station}:{base + i}",
                data={
                    "station_code": station,
                    "quantity": "pm25",
                    "observed_at": T0 + timedelta(seconds=base + i),
                    "value": float(i % 90),
                    "unit": "µg/m³",
                },
                raw=None,
            )
            for i in range(ROWS)
        ]
        return Batch(records=records, cursor={"*": cursor.run_started_at})


@pytest.mark.reliability
def test_concurrent_writers_and_readers_lose_no_batch(tmp_path, monkeypatch, sqlite_engine):
    monkeypatch.setitem(protocols.PROTOCOLS, "burst", f"{__name__}:BurstCollector")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    feeds = [FeedConfig(name=f"s{k}", domain="sensors", protocol="burst", url="http://x") for k in range(2)]
    results, errors, stop = [], [], threading.Event()

    def ingest(feed):
        runner = FeedRunner(make_engine(url))
        for b in range(BATCHES):
            results.append(runner.run(feed, now=T0 + timedelta(hours=b)))

    def read():
        engine = make_engine(url)
        while not stop.is_set():
            try:
                feed_status.__wrapped__(engine)
                with engine.connect() as conn:
                    conn.execute(select(func.count()).select_from(SensorReading)).scalar_one()
            except Exception as exc:  # noqa: BLE001 - any read failure fails the test below
                errors.append(exc)

    writers = [threading.Thread(target=ingest, args=(f,)) for f in feeds]
    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    for thread in readers:
        thread.join(timeout=10)
    with sqlite_engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(SensorReading)).scalar_one()
    assert errors == []
    assert [r.status for r in results] == ["ok"] * (2 * BATCHES)
    assert stored == 2 * BATCHES * ROWS
