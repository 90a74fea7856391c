"""Feed runs end to end on both databases: re-pulls change nothing, a crash mid-run loses and duplicates nothing,
duplicated and shuffled pages end with each record once, invalid records land in quarantine."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from feedkit import json_response, make_feed
from sqlalchemy import Engine, select

from collectors.runner import FeedRunner
from collectors.timeparse import parse_instant
from dashboard.db.models import Complaint, ComplaintEvent, FeedCursor, FeedRun, Quarantine

START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
LOCAL = "+08:00"


class Open311City:
    """An in-memory GeoReport v2 server: requests filtered on updated_datetime, ordered, paged."""

    def __init__(self, count: int, seed: int = 3) -> None:
        rng = random.Random(seed)
        self.requests = {}
        for i in range(count):
            opened = START + timedelta(minutes=7 * i)
            self.requests[f"Q{i:05d}"] = {
                "service_request_id": f"Q{i:05d}",
                "status": "open",
                "service_code": rng.choice(["101", "205", "310"]),
                "service_name": "道路破损",
                "description": f"第{i}号诉求",
                "requested_datetime": _local(opened),
                "updated_datetime": _local(opened),
                "lat": 30.7 + rng.random() / 10,
                "long": 120.7 + rng.random() / 10,
                "extended_attributes": {
                    "lifecycle_status": "received",
                    "channel": "phone",
                    "notes": [{"datetime": _local(opened), "status": "received", "summary": "已受理"}],
                },
            }
        self.duplicate = self.shuffle = False
        self.rng = random.Random(seed)

    def close(self, ref: str, at: datetime) -> None:
        request = self.requests[ref]
        request["status"], request["updated_datetime"] = "closed", _local(at)
        request["extended_attributes"]["lifecycle_status"] = "closed"
        request["extended_attributes"]["notes"].append(
            {"datetime": _local(at), "status": "closed", "summary": "已办结"}
        )

    def handle(self, request):
        params = request.url.params
        start, end = parse_instant(params["start_date"], UTC), parse_instant(params["end_date"], UTC)
        page, size = int(params["page"]), int(params["page_size"])
        matching = sorted(
            (r for r in self.requests.values() if start <= parse_instant(r["updated_datetime"], UTC) < end),
            key=lambda r: (parse_instant(r["updated_datetime"], UTC), r["service_request_id"]),
        )
        served = [dict(r) for r in matching[(page - 1) * size : page * size]]
        if self.duplicate:
            served += [dict(r) for r in served if self.rng.random() < 0.3]
        if self.shuffle:
            self.rng.shuffle(served)
        return json_response(served)


def _local(at: datetime) -> str:
    return (at + timedelta(hours=8)).replace(tzinfo=None).isoformat() + LOCAL


def _feed():
    return make_feed(name="complaints", domain="complaints", protocol="open311", page_size=50, lag_seconds=600)


def _tables(engine: Engine) -> dict[str, list[tuple]]:
    """Every column of every complaint and event row (ids and ingest times aside), sorted."""
    contents = {}
    for model, skip in ((Complaint, {"id", "ingested_at"}), (ComplaintEvent, {"id"})):
        columns = [c for c in model.__table__.c if c.name not in skip]
        with engine.connect() as conn:
            contents[model.__tablename__] = sorted(tuple(row) for row in conn.execute(select(*columns)))
    return contents


@pytest.fixture
def city(upstream):
    city = Open311City(300)
    return city, upstream(city.handle)


def test_a_full_pull_stores_every_request_and_pulling_the_window_again_changes_no_row(engine, city):
    city, up = city
    runner = FeedRunner(engine, http_factory=up.client)
    at = START + timedelta(days=2)
    first = runner.run(_feed(), now=at, since=START)
    assert (first.status, first.new, first.rejected) == ("ok", 300, 0)
    stored = _tables(engine)
    assert len(stored["complaint"]) == 300 and len(stored["complaint_event"]) == 300

    again = runner.run(_feed(), now=at, since=START)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 300)
    assert _tables(engine) == stored


def test_a_crash_inside_the_transaction_then_a_rerun_loses_and_duplicates_nothing(engine, city, monkeypatch):
    city, up = city
    runner = FeedRunner(engine, http_factory=up.client)
    t0 = START + timedelta(days=2)
    runner.run(_feed(), now=t0, since=START)
    before = _tables(engine)
    with engine.connect() as conn:
        cursor_before = conn.execute(select(FeedCursor.value)).scalar_one()

    for i in range(0, 300, 10):
        city.close(f"Q{i:05d}", t0 + timedelta(minutes=i / 10))
    crash_at = t0 + timedelta(hours=1)

    def power_cut(*args, **kwargs):  # after the rows are upserted, before the run is recorded
        raise RuntimeError("power cut")

    monkeypatch.setattr("collectors.runner.feedops.record_run", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        runner.run(_feed(), now=crash_at)
    monkeypatch.undo()
    assert _tables(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(FeedCursor.value)).scalar_one() == cursor_before

    result = runner.run(_feed(), now=crash_at)
    assert (result.status, result.new, result.updated) == ("ok", 0, 30)
    after = _tables(engine)
    assert len(after["complaint"]) == 300 and len(after["complaint_event"]) == 330
    with engine.connect() as conn:
        closed = conn.execute(select(Complaint.source_id).where(Complaint.status == "closed")).scalars().all()
    assert sorted(closed) == [f"Q{i:05d}" for i in range(0, 300, 10)]


def test_duplicated_and_shuffled_pages_end_with_each_request_once(engine, city):
    city, up = city
    city.duplicate = city.shuffle = True
    runner = FeedRunner(engine, http_factory=up.client)
    result = runner.run(_feed(), now=START + timedelta(days=2), since=START)
    assert (result.status, result.new) == ("ok", 300)
    with engine.connect() as conn:
        ids = conn.execute(select(Complaint.source_id)).scalars().all()
    assert len(ids) == len(set(ids)) == 300


def test_invalid_requests_are_quarantined_with_feed_record_and_field(engine, city):
    city, up = city
    city.requests["Q00003"]["lat"] = 123.456  # latitude out of range
    city.requests["Q00004"]["requested_datetime"] = "2026-02-30T25:61:00+08:00"
    city.requests["Q00005"]["extended_attributes"]["lifecycle_status"] = "escalated"
    result = FeedRunner(engine, http_factory=up.client).run(_feed(), now=START + timedelta(days=2), since=START)
    assert (result.new, result.rejected) == (297, 3)
    with engine.connect() as conn:
        entries = {q.record_ref: (q.feed, q.field, q.reason) for q in conn.execute(select(Quarantine))}
        run_rejected = conn.execute(select(FeedRun.rejected)).scalar_one()
    assert run_rejected == 3
    assert entries["Q00003"][:2] == ("complaints", "lat")
    assert entries["Q00004"][:2] == ("complaints", "requested_datetime")
    assert entries["Q00005"][:2] == ("complaints", "status")
    assert all(reason.startswith(f"feed complaints, record {ref}: ") for ref, (_, _, reason) in entries.items())
