"""Open311 GeoReport v2: the spec's real XML and invalid JSON examples, vendor extensions, paging, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from feedkit import RUN_AT, json_response, make_cursor, make_feed
from sqlalchemy import select

from collectors.http import FatalFetchError
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, ComplaintEvent, FeedCursor, FeedRun, Quarantine
from dashboard.geo.crs import wgs84_to_gcj02


def _feed(**extra):
    return make_feed(name="complaints-311", domain="complaints", protocol="open311", **extra)


def _runner(engine, upstream):
    return FeedRunner(engine, http_factory=upstream.client)


def _request(i: int, updated: str = "2026-11-21T15:00:00+08:00", **extra) -> dict:
    return {
        "service_request_id": f"R{i:04d}",
        "status": "open",
        "service_code": 101,
        "service_name": "Road damage",
        "description": "pothole",
        "requested_datetime": "2026-11-21T09:00:00+08:00",
        "updated_datetime": updated,
        "expected_datetime": "2026-11-24T09:00:00+08:00",
        "address": "1 Main St",
        "lat": 30.75,
        "long": 120.75,
        **extra,
    }


def test_spec_xml_example_is_stored_with_its_values(engine, realdata, upstream):
    body = (realdata / "open311" / "georeport_v2_spec_requests_example.xml").read_bytes()
    up = upstream(lambda request: httpx.Response(200, content=body, headers={"Content-Type": "text/xml"}))
    feed = _feed(options={"format": "xml"}, timezone="America/Los_Angeles")
    result = _runner(engine, up).run(
        feed, now=datetime(2010, 4, 20, tzinfo=UTC), since=datetime(2010, 4, 1, tzinfo=UTC)
    )
    assert (result.status, result.new, result.rejected) == ("ok", 2, 0)
    assert up.requests[0].url.path == "/api/requests.xml"
    assert up.params(0)["start_date"] == "2010-04-01T00:00:00Z" and up.params(0)["extensions"] == "true"
    with engine.connect() as conn:
        rows = {r.source_id: r for r in conn.execute(select(Complaint))}
    closed, still_open = rows["638344"], rows["638349"]
    assert (closed.status, closed.category, closed.category_name) == ("closed", "006", "Sidewalk and Curb Issues")
    assert closed.requested_at == datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)  # -08:00 kept, stored in UTC
    assert closed.due_at == datetime(2010, 4, 15, 14, 37, 38, tzinfo=UTC)
    assert closed.closed_at == closed.updated_at  # plain Open311: closing is the last change
    assert (closed.address, closed.lat, closed.lon) == ("8TH AVE and JUDAH ST", 37.762221815, -122.4651145)
    assert closed.description is None
    assert (still_open.status, still_open.closed_at) == ("received", None)


def test_spec_invalid_json_example_fails_the_run_naming_the_feed_and_loses_nothing(engine, realdata, upstream):
    invalid = (realdata / "open311" / "georeport_v2_spec_requests_example.INVALID.json").read_bytes()
    pages = {1: json_response([_request(1), _request(2)])}
    up = upstream(lambda request: pages.get(int(request.url.params["page"]), json_response([])))
    feed = _feed(page_size=2)
    runner = _runner(engine, up)
    assert runner.run(feed, now=RUN_AT).new == 2
    with engine.connect() as conn:
        cursor_before = conn.execute(select(FeedCursor.value)).scalar_one()

    pages[1] = httpx.Response(200, content=invalid)
    with pytest.raises(FatalFetchError, match="feed complaints-311: .* not valid JSON"):
        up.fetch(feed)

    pages[1] = json_response([_request(3), _request(4, updated="2026-11-21T15:30:00+08:00")])
    pages[2] = httpx.Response(200, content=invalid)  # the second page of the next run is broken
    result = runner.run(feed, now=RUN_AT + timedelta(minutes=1))
    assert result.status == "failed" and "feed complaints-311" in result.error and "not valid JSON" in result.error
    with engine.connect() as conn:
        assert sorted(conn.execute(select(Complaint.source_id)).scalars()) == ["R0001", "R0002"]
        assert conn.execute(select(FeedCursor.value)).scalar_one() == cursor_before
        assert conn.execute(select(FeedRun.error).where(FeedRun.status == "failed")).scalar_one() == result.error

    pages[2] = json_response([])  # upstream fixed: the next run gets everything the failed one missed
    assert runner.run(feed, now=RUN_AT + timedelta(minutes=2)).new == 2


def test_extensions_give_lifecycle_events_and_derived_times(engine, upstream):
    notes = [
        {
            "datetime": "2026-11-21T09:00:00+08:00",
            "type": "status",
            "status": "received",
            "status_zh": "受理",
            "department_code": "D01",
            "summary": "received by phone",
        },
        {
            "datetime": "2026-11-21T09:10:00+08:00",
            "status": "dispatched",
            "department_code": "D07",
            "summary": "to roads",
        },
        {
            "datetime": "2026-11-21T10:00:00+08:00",
            "status": "returned",
            "department_code": "D07",
            "summary": "wrong dept",
        },
        {"datetime": "2026-11-21T10:30:00+08:00", "status": "dispatched", "department_code": "D08", "summary": None},
        {"datetime": "2026-11-22T09:00:00+08:00", "status": "extended", "department_code": "D08", "summary": "+2d"},
        {"datetime": "2026-11-23T17:00:00+08:00", "status": "closed", "department_code": "D08", "summary": "fixed"},
        {"datetime": "2026-11-24T10:00:00+08:00", "status": "revisited", "department_code": "D01", "summary": "ok"},
    ]
    request = _request(
        1,
        updated="2026-11-24T10:00:00+08:00",
        status="closed",
        extended_attributes={
            "lifecycle_status": "revisited",
            "status_zh": "回访",
            "channel": "phone",
            "department_code": "D08",
            "satisfaction": "基本满意",
            "notes": list(reversed(notes)),
        },
    )
    up = upstream(lambda r: json_response([request]))
    result = _runner(engine, up).run(_feed(), now=datetime(2026, 11, 25, tzinfo=UTC))
    assert (result.new, result.rejected) == (1, 0)
    with engine.connect() as conn:
        row = conn.execute(select(Complaint)).one()
        events = conn.execute(select(ComplaintEvent).order_by(ComplaintEvent.occurred_at)).all()
    assert (row.status, row.channel, row.department_code, row.satisfaction) == (
        "revisited",
        "phone",
        "D08",
        "basically_satisfied",
    )
    assert (row.category, row.returned_count, row.extended_count) == ("101", 1, 1)
    assert row.assigned_at == datetime(2026, 11, 21, 1, 10, tzinfo=UTC)  # the first dispatch
    assert row.closed_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert row.revisited_at == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert [e.status for e in events] == [n["status"] for n in notes]
    assert (events[2].department_code, events[2].note) == ("D07", "wrong dept")


def test_naive_times_use_the_feed_zone_and_gcj02_points_are_stored_as_wgs84(upstream):
    gcj_lon, gcj_lat = wgs84_to_gcj02(120.75, 30.75)
    request = _request(
        1, requested_datetime="2026-11-21 09:00:00", lat=float(gcj_lat), long=float(gcj_lon), service_code="A-7"
    )
    batch = upstream(lambda r: json_response([request])).fetch(_feed(crs="GCJ-02"))
    (record,) = batch.records
    assert record.data["requested_at"] == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert record.data["lon"] == pytest.approx(120.75, abs=1e-7) and record.data["lat"] == pytest.approx(
        30.75, abs=1e-7
    )
    assert record.data["category"] == "A-7"


def test_a_bad_record_is_rejected_naming_its_field_and_the_rest_are_kept(engine, upstream):
    good, bad_date = _request(1), _request(2, requested_datetime="yesterday")
    bad_shape, bad_note = ["not", "an", "object"], _request(3, extended_attributes={"notes": [{"status": "closed"}]})
    up = upstream(lambda r: json_response([good, bad_date, bad_shape, bad_note]))
    result = _runner(engine, up).run(_feed(), now=RUN_AT)
    assert (result.new, result.rejected) == (1, 3)
    with engine.connect() as conn:
        entries = {q.record_ref: q for q in conn.execute(select(Quarantine))}
    assert entries["R0002"].field == "requested_datetime"
    assert "feed complaints-311, record R0002: requested_datetime: not an ISO 8601 time: 'yesterday'" in (
        entries["R0002"].reason
    )
    assert entries["R0003"].field == "extended_attributes.notes[0].datetime"
    assert entries[None].field is None and '"not"' in entries[None].payload


def test_pages_until_a_short_page_and_the_cursor_reaches_the_run_start(upstream):
    records = [_request(i, updated=f"2026-11-21T1{i}:00:00+08:00") for i in range(5)]

    def handler(request):
        page, size = int(request.url.params["page"]), int(request.url.params["page_size"])
        return json_response(records[(page - 1) * size : page * size])

    up = upstream(handler)
    batch = up.fetch(_feed(page_size=2), make_cursor(run_at=RUN_AT.replace(microsecond=123456)))
    assert [r.url.params["page"] for r in up.requests] == ["1", "2", "3"]
    assert up.params(0)["end_date"] == "2026-11-21T08:00:01Z"  # exclusive: data stamped at the run start is read
    assert len(batch.records) == 5 and batch.cursor == {"*": RUN_AT}


def test_the_record_bound_stops_early_with_a_cursor_that_skips_nothing(upstream):
    records = [_request(i, updated=f"2026-11-21T1{i}:00:00+08:00") for i in range(6)]

    def handler(request):
        page = int(request.url.params["page"])
        return json_response(records[(page - 1) * 2 : page * 2])

    batch = upstream(handler).fetch(_feed(page_size=2, max_records_per_run=4))
    assert len(batch.records) == 4
    assert batch.cursor == {"*": datetime(2026, 11, 21, 5, 0, tzinfo=UTC)}  # 13:00+08:00, the newest read


def test_duplicated_pages_keep_each_request_once_in_its_newest_version(upstream):
    old, new = _request(1, updated="2026-11-21T10:00:00+08:00"), _request(1, updated="2026-11-21T11:00:00+08:00")
    pages = {1: [_request(2), new], 2: [old, _request(2)], 3: []}
    batch = upstream(lambda r: json_response(pages[int(r.url.params["page"])])).fetch(_feed(page_size=2))
    by_ref = {r.ref: r for r in batch.records}
    assert sorted(by_ref) == ["R0001", "R0002"]
    assert by_ref["R0001"].data["updated_at"] == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def test_a_reopened_ticket_is_open_again_until_closed_again(engine, upstream):
    notes = [
        {"datetime": "2026-11-21T09:00:00+08:00", "status": "received"},
        {"datetime": "2026-11-22T09:00:00+08:00", "status": "closed"},
        {"datetime": "2026-11-23T09:00:00+08:00", "status": "revisited"},
        {"datetime": "2026-11-23T11:00:00+08:00", "status": "reopened", "summary": "回访不满意，重办"},
    ]
    reclosed = {"datetime": "2026-11-24T16:00:00+08:00", "status": "closed"}

    def request(notes, lifecycle, updated):
        return _request(1, updated=updated, status="open", extended_attributes={
            "lifecycle_status": lifecycle, "satisfaction": "不满意", "notes": notes})

    first = request(notes, "reopened", "2026-11-23T11:00:00+08:00")
    _runner(engine, upstream(lambda r: json_response([first]))).run(_feed(), now=datetime(2026, 11, 24, tzinfo=UTC))
    with engine.connect() as conn:
        row = conn.execute(select(Complaint)).one()
    assert (row.status, row.closed_at, row.reopened_count) == ("reopened", None, 1)  # open: in the backlog again

    again = request([*notes, reclosed], "closed", "2026-11-24T16:00:00+08:00")
    _runner(engine, upstream(lambda r: json_response([again]))).run(_feed(), now=datetime(2026, 11, 25, tzinfo=UTC))
    with engine.connect() as conn:
        row = conn.execute(select(Complaint)).one()
    assert (row.status, row.closed_at, row.reopened_count) == ("closed", datetime(2026, 11, 24, 8, 0, tzinfo=UTC), 1)
