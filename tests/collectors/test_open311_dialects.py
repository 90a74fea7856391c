"""Open311 dialects (hand-made fixtures of real servers' shapes): top-level typed notes, notes under
``extended_attributes`` typed by status, and the plain spec; what no mapping reads is counted per run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from feedkit import json_response, make_feed
from sqlalchemy import select

from collectors.config import FeedConfigError, parse_feeds
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, ComplaintEvent, FeedRun, Quarantine

FIXTURES = Path(__file__).parent / "fixtures" / "open311"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def _ingest(engine, upstream, fixture: str, **options):
    body = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    up = upstream(lambda request: json_response(body if request.url.params["page"] == "1" else []))
    feed = make_feed(name="complaints-311", domain="complaints", protocol="open311", options=options)
    result = FeedRunner(engine, http_factory=up.client).run(feed, now=NOW, since=SINCE)
    with engine.connect() as conn:
        tickets = {r.source_id: r for r in conn.execute(select(Complaint))}
        events = {}
        for e in conn.execute(select(ComplaintEvent).order_by(ComplaintEvent.occurred_at)):
            events.setdefault(e.ticket_id, []).append((e.status, e.occurred_at, e.department_code))
        run = conn.execute(select(FeedRun)).one()
    return result, tickets, events, run


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_top_level_typed_notes_give_lifecycle_departments_and_keep_an_unknown_note(engine, upstream):
    result, tickets, events, run = _ingest(engine, upstream, "top_level_notes.json")
    assert (result.status, result.new, result.rejected) == ("ok", 3, 0)
    # -06:00 times, stored in UTC (+6 h)
    assert events["26-00112233"] == [
        ("received", _utc("2026-11-18T14:02:21"), None),
        ("accepted", _utc("2026-11-19T20:11:00"), None),
        ("dispatched", _utc("2026-11-19T20:11:58"), "Transportation"),
        ("closed", _utc("2026-11-20T16:15:40"), None),
    ]
    closed = tickets["26-00112233"]
    assert (closed.status, closed.department_code, closed.channel) == ("closed", "Streets and Sanitation", "phone")
    assert (closed.assigned_at, closed.closed_at) == (_utc("2026-11-19T20:11:58"), _utc("2026-11-20T16:15:40"))
    details = json.loads(closed.details)
    assert details["status_notes"] == "Pothole patched" and details["attributes"] == {"WHEREIST": "TRAFFIC"}
    assert details["vendor"] == {"police_district": "6", "zip": "60620", "ward": "21"}
    assert details["follow_on_requests"] == ["26-00112299"]
    assert tickets["26-00112240"].status == "accepted"  # open, and its last note is a department's activity
    assert [s for s, _, _ in events["26-00112240"]] == ["received", "accepted"]
    unknown = tickets["26-00112251"]
    assert unknown.status == "received" and [s for s, _, _ in events["26-00112251"]] == ["received"]
    assert json.loads(unknown.details)["unmapped_notes"] == [
        {"kind": "escalated_to_alderman", "datetime": "2026-11-19T12:00:00-06:00", "note": "Referred to alderman"}
    ]
    assert json.loads(run.unread_json) == {"notes of kind 'escalated_to_alderman'": 1}


def test_a_note_type_table_override_makes_the_unknown_kind_a_step(engine, upstream):
    _, tickets, events, run = _ingest(
        engine, upstream, "top_level_notes.json", note_types={"Escalated to alderman": "dispatched"}
    )
    assert events["26-00112251"][-1] == ("dispatched", _utc("2026-11-19T18:00:00"), None)
    assert tickets["26-00112251"].status == "dispatched" and run.unread_json is None


def test_extended_attribute_notes_typed_by_status(engine, upstream):
    result, tickets, events, run = _ingest(engine, upstream, "extended_notes.json")
    assert (result.new, result.rejected) == (2, 0)
    assert events["ZJ2026112100017"] == [
        ("received", _utc("2026-11-21T01:00:00"), "D01"),
        ("dispatched", _utc("2026-11-21T01:10:00"), "D07"),
        ("accepted", _utc("2026-11-21T02:00:00"), "D07"),  # "Accepted": case does not matter
        ("closed", _utc("2026-11-23T09:00:00"), "D07"),
    ]
    closed = tickets["ZJ2026112100017"]
    assert (closed.status, closed.department_code, closed.satisfaction) == ("closed", "D07", "satisfied")
    assert json.loads(closed.details) == {"vendor": {"status_zh": "办结"}}
    assert (tickets["ZJ2026112100018"].status, tickets["ZJ2026112100018"].assigned_at) == (
        "dispatched", _utc("2026-11-21T12:05:00"),
    )
    assert run.unread_json is None


def test_plain_spec_requests_keep_their_details_and_count_an_unread_field(engine, upstream):
    result, tickets, events, run = _ingest(engine, upstream, "plain_spec.json")
    assert (result.new, result.rejected) == (2, 0)
    closed, still_open = tickets["638344"], tickets["638349"]
    assert (closed.status, closed.closed_at) == ("closed", _utc("2026-11-14T17:37:38"))  # "Closed": any case
    assert closed.department_code == "Public Works" and still_open.department_code is None
    assert json.loads(closed.details) == {
        "status_notes": "Duplicate request.",
        "service_notice": "Crews respond within 3 business days",
        "media_url": [{"url": "https://city.example/media/638344.jpg", "tags": ["Create"]}],
        "address_id": 545483,
        "zipcode": 94122,
        "duplicate_of": "638301",
    }
    assert json.loads(still_open.details)["media_url"] == "https://city.example/media/638349.jpg"
    assert events == {}
    assert json.loads(run.unread_json) == {"token": 1}


def test_field_overrides_read_another_path(engine, upstream):
    _, tickets, _, run = _ingest(
        engine, upstream, "top_level_notes.json", fields={"department_code": "$.extended_attributes.ward"}
    )
    assert tickets["26-00112233"].department_code == "21" and tickets["26-00112251"].department_code is None
    with engine.connect() as conn:
        assert conn.execute(select(Quarantine)).first() is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"note_types": {"opened": "started"}}, "note_types: Value error, opened: 'started' is not a lifecycle step"),
        ({"fields": {"colour": "$.x"}}, "fields: Value error, colour: not a mappable complaint field"),
        ({"format": "csv"}, "options.format: Input should be 'json' or 'xml'"),
    ],
)
def test_wrong_dialect_options_are_refused_when_the_file_loads(options, message):
    feed = {"name": "c311", "domain": "complaints", "protocol": "open311", "url": "http://x", "options": options}
    with pytest.raises(FeedConfigError, match="feed c311: ") as error:
        parse_feeds({"feed": [feed]})
    assert message in str(error.value)


def test_the_feeds_page_shows_what_no_mapping_read(engine, upstream, tmp_path):
    from dashboard.queries.feed_dialects import unread_by_feed
    from dashboard.queries.feeds import feed_status
    from dashboard.settings import Settings
    from dashboard.web.app import create_app

    create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))  # registers the pages
    from layouts.pages.feeds import _feeds_table

    _ingest(engine, upstream, "top_level_notes.json")
    unread = unread_by_feed(engine)
    assert unread == {"complaints-311": {"notes of kind 'escalated_to_alderman'": 1}}
    for lang, shown in (
        ("en", "ignored fields: notes of kind 'escalated_to_alderman' (1 values)"),
        ("zh", "未读取的字段：notes of kind 'escalated_to_alderman'（1 个值）"),
    ):
        table = _feeds_table(feed_status(engine), NOW, 2.0, lang, "UTC", unread)
        assert shown in str(table)


def test_the_documented_dialect_example_loads_and_ingests(engine, upstream):
    from collectors.config import load_feeds

    example = Path(__file__).resolve().parents[2] / "data" / "feeds" / "examples" / "open311-dialect.toml"
    (feed,) = load_feeds(example, env={})
    body = json.loads((FIXTURES / "top_level_notes.json").read_text(encoding="utf-8"))
    up = upstream(lambda request: json_response(body if request.url.params["page"] == "1" else []))
    result = FeedRunner(engine, http_factory=up.client).run(feed, now=NOW, since=SINCE)
    assert (result.status, result.new, result.rejected) == ("ok", 3, 0)
    assert up.requests[0].url.host == "311api.city.example"
    with engine.connect() as conn:
        steps = conn.execute(
            select(ComplaintEvent.status).where(ComplaintEvent.ticket_id == "26-00112251")
            .order_by(ComplaintEvent.occurred_at)
        ).scalars().all()
        run = conn.execute(select(FeedRun)).one()
    assert steps == ["received", "dispatched"] and run.unread_json is None


def test_top_level_notes_in_the_xml_format(engine, upstream):
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<service_requests>
  <request>
    <service_request_id>26-00200001</service_request_id>
    <status>closed</status>
    <service_code>4fd3b656e750846c53000004</service_code>
    <agency_responsible>Streets and Sanitation</agency_responsible>
    <requested_datetime>2026-11-18T08:00:00-06:00</requested_datetime>
    <updated_datetime>2026-11-18T12:00:00-06:00</updated_datetime>
    <lat>41.8</lat>
    <long>-87.6</long>
    <notes>
      <note><datetime>2026-11-18T08:00:00-06:00</datetime><type>opened</type><summary>Request opened</summary></note>
      <note><datetime>2026-11-18T12:00:00-06:00</datetime><type>Closed</type><summary>Request closed</summary></note>
    </notes>
  </request>
</service_requests>"""
    up = upstream(lambda request: httpx.Response(200, content=body, headers={"Content-Type": "text/xml"}))
    feed = make_feed(name="complaints-311", domain="complaints", protocol="open311", options={"format": "xml"})
    result = FeedRunner(engine, http_factory=up.client).run(feed, now=NOW, since=SINCE)
    assert (result.new, result.rejected) == (1, 0)
    with engine.connect() as conn:
        ticket = conn.execute(select(Complaint)).one()
        steps = conn.execute(select(ComplaintEvent.status).order_by(ComplaintEvent.occurred_at)).scalars().all()
    assert steps == ["received", "closed"]
    assert (ticket.department_code, ticket.closed_at) == ("Streets and Sanitation", _utc("2026-11-18T18:00:00"))
