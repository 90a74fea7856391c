"""The generic tabular adapter: units, thousands separators, sentinels, mapping errors, NUL characters,
and the Open311 services list (Bloomington's integer service codes, the spec's XML)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from feedkit import RUN_AT, json_response, make_cursor, make_feed
from sqlalchemy import select

from collectors.config import FeedConfigError, parse_feeds
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, Quarantine

TRAFFIC_CSV = (
    "segment , time,period_min,speed_ms,volume,occupancy_pct\n"
    'R0001,2026-11-21 15:55,5,12.5,"7,100",35\n'
    "R0002,2026-11-21 15:55,5,-1,-1,-\n"
    "R0003,2026-11-21 15:55,5,fast,10,1\n"
)


def _traffic_feed(folder):
    return make_feed(
        name="segments",
        domain="traffic",
        protocol="tabular",
        folder=folder,
        url=None,
        options={
            "format": "csv",
            "missing": ["-1"],
            "key": ["segment", "time"],
            "fields": {
                "segment_code": "segment",
                "observed_at": {"column": "time", "format": "%Y-%m-%d %H:%M"},
                "period_s": {"column": "period_min", "unit": "min"},
                "speed_kmh": {"column": "speed_ms", "unit": "m/s"},
                "volume": "volume",
                "occupancy": {"column": "occupancy_pct", "unit": "%"},
            },
        },
    )


def test_units_thousands_and_sentinels(tmp_path, upstream):
    (tmp_path / "segments.csv").write_text(TRAFFIC_CSV, encoding="utf-8")
    batch = upstream(lambda r: json_response([])).fetch(_traffic_feed(tmp_path))
    rows = {r.ref: r.data for r in batch.records}
    assert rows["R0001:2026-11-21 15:55"] == {
        "segment_code": "R0001",
        "observed_at": datetime(2026, 11, 21, 7, 55, tzinfo=UTC),
        "period_s": 300,
        "speed_kmh": pytest.approx(45.0),
        "volume": 7100.0,
        "occupancy": pytest.approx(0.35),
    }
    silent = rows["R0002:2026-11-21 15:55"]
    assert (silent["speed_kmh"], silent["volume"], silent["occupancy"]) == (None, None, None)  # never 0
    (bad,) = batch.rejected
    assert (bad.ref, bad.field) == ("R0003:2026-11-21 15:55", "speed_kmh") and "'fast'" in bad.reason
    assert bad.raw == {
        "file": "segments.csv",
        "row": dict(
            zip(
                ["segment", "time", "period_min", "speed_ms", "volume", "occupancy_pct"],
                ["R0003", "2026-11-21 15:55", "5", "fast", "10", "1"],
                strict=True,
            )
        ),
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": ["id"], "fields": {"speed": "v"}}, r"fields.speed: not a field of traffic records"),
        ({"key": ["id"], "fields": {"speed_kmh": {"column": "v", "unit": "mg/m³"}}}, "cannot convert mg/m³"),
        ({"key": ["id"], "fields": {"speed_kmh": {"column": "v", "unit": "furlong/fortnight"}}}, "unknown unit"),
        ({"key": ["id"], "fields": {"volume": {"column": "v", "path": "$.v"}}}, "exactly one of column, path"),
        ({"key": ["id"], "fields": {"volume": "$.[[["}}, "invalid JSONPath"),
        ({"key": ["id"], "melt": {"columns": {"pm": "pm25"}}}, "melt: only sensor feeds"),
        ({"fields": {}}, r"options.key: Field required"),
    ],
)
def test_mapping_errors_name_the_feed_and_option_when_the_file_is_loaded(options, message):
    feed = {"name": "segments", "domain": "traffic", "protocol": "tabular", "folder": "/tmp", "options": options}
    with pytest.raises(FeedConfigError, match=f"feed segments: .*{message}"):
        parse_feeds({"feed": [feed]}, env={})


def test_nul_characters_never_reach_the_database(engine, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.json").write_bytes(
        b'[{"id": "N\\u00001", "t": "2026-11-21T08:00:00+08:00", "s": "recei\\u0000ved", "d": "a\\u0000b"},'
        b' {"id": "N2", "t": "2026-11-21T08:00:00+08:00", "s": "lost\\u0000", "d": "x"}]'
    )
    feed = make_feed(
        name="nul",
        domain="complaints",
        protocol="tabular",
        folder=folder,
        url=None,
        options={"key": ["id"], "fields": {"requested_at": "t", "status": "s", "description": "d"}},
    )
    result = FeedRunner(engine).run(feed, now=RUN_AT)
    assert (result.new, result.rejected) == (1, 1)
    with engine.connect() as conn:
        stored = conn.execute(select(Complaint.source_id, Complaint.status, Complaint.description)).one()
        entry = conn.execute(select(Quarantine)).one()
    assert tuple(stored) == ("N1", "received", "ab")
    assert entry.field == "status" and "\x00" not in entry.reason + entry.payload


SERVICES = {
    "requests": [
        {
            "service_request_id": "B1",
            "status": "open",
            "service_code": 37,
            "requested_datetime": "2026-11-21T08:00:00-05:00",
            "updated_datetime": "2026-11-21T08:00:00-05:00",
        }
    ]
}


def test_open311_services_list_names_categories(engine, realdata, upstream):
    services = (realdata / "open311" / "bloomington_in_ureport_services.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/services.json"):
            return httpx.Response(200, content=services)
        return json_response(SERVICES["requests"] if request.url.params["page"] == "1" else [])

    feed = make_feed(
        name="bloomington",
        domain="complaints",
        protocol="open311",
        options={"services": True},
        timezone="America/Indiana/Indianapolis",
    )
    runner = FeedRunner(engine, http_factory=upstream(handler).client)
    assert runner.run(feed, now=RUN_AT, since=datetime(2026, 11, 20, tzinfo=UTC)).new == 1
    with engine.connect() as conn:
        row = conn.execute(select(Complaint.category, Complaint.category_name)).one()
    assert tuple(row) == ("37", "Graffiti")  # an integer service_code, stored as text


def test_open311_spec_xml_services_list(realdata, upstream):
    services = (realdata / "open311" / "georeport_v2_spec_services_example.xml").read_bytes()
    requests = [{**SERVICES["requests"][0], "service_code": "003"}]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/services.xml"):
            return httpx.Response(200, content=services)
        body = "".join(
            f"<request><service_request_id>{r['service_request_id']}</service_request_id><status>open</status>"
            f"<service_code>{r['service_code']}</service_code><requested_datetime>{r['requested_datetime']}"
            f"</requested_datetime><updated_datetime>{r['updated_datetime']}</updated_datetime></request>"
            for r in requests
        )
        return httpx.Response(200, content=f"<service_requests>{body}</service_requests>".encode())

    feed = make_feed(name="spec", domain="complaints", protocol="open311", options={"services": True, "format": "xml"})
    (record,) = upstream(handler).fetch(feed, make_cursor(since=datetime(2026, 11, 20, tzinfo=UTC))).records
    assert (record.data["category"], record.data["category_name"]) == ("003", "Curb or curb ramp defect")
