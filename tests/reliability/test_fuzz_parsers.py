"""Property-based fuzzing of every feed parser with malformed input: wrong types, huge numbers, NaN, missing
fields, impossible coordinates and timestamps, broken encodings. A collector never crashes; each bad record is
quarantined with a reason naming the feed, the record and the field; every good record of the page survives.
"""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from hostile import FUZZ, RUN_AT, check_rejects, check_rows, spoiled
from hypothesis import given
from hypothesis import strategies as st

from collectors.config import FeedConfig
from collectors.contract import Cursor
from collectors.http import FeedHttpClient, FetchError
from collectors.registry import create_collector
from collectors.runner import validate


def _open311(i: int) -> dict:
    t = (RUN_AT - timedelta(minutes=30 + i)).isoformat()
    return {
        "service_request_id": f"R{i}",
        "status": "open",
        "service_code": "noise",
        "service_name": "噪音",
        "description": "夜间施工",
        "requested_datetime": t,
        "updated_datetime": t,
        "expected_datetime": t,
        "address": "江北路 1 号",
        "lat": 30.9,
        "long": 120.6,
    }


def _traffic(i: int) -> dict:
    end = RUN_AT - timedelta(minutes=15 * (i + 1))
    begin = end - timedelta(minutes=15)
    return {
        "id": f"urn:ngsi-ld:TrafficFlowObserved:R{i:04d}",
        "type": "TrafficFlowObserved",
        "dateObserved": f"{begin:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
        "dateObservedFrom": f"{begin:%Y-%m-%dT%H:%M:%SZ}",
        "dateObservedTo": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "averageVehicleSpeed": 42.0,
        "intensity": 120,
        "occupancy": 0.2,
        "congested": False,
        "refRoadSegment": f"urn:ngsi-ld:RoadSegment:R{i:04d}",
    }


def _air(i: int) -> dict:
    return {
        "id": f"urn:ngsi-ld:AirQualityObserved:A{i}",
        "type": "AirQualityObserved",
        "dateObserved": f"{RUN_AT - timedelta(hours=i + 1):%Y-%m-%dT%H:%M:%SZ}",
        "pm25": 35.0,
        "pm10": 60.0,
        "no2": 20.0,
        "so2": 5.0,
        "o3": 80.0,
        "co": 0.6,
        "refPointOfInterest": f"A{i}",
    }


def _ticket(i: int) -> dict:
    t = (RUN_AT - timedelta(minutes=60 + i)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return {
        "ticket_id": f"T{i}",
        "hall_id": "H01",
        "service_item": "社保业务",
        "channel": "offline",
        "issued_at": t,
        "called_at": None,
        "served_at": None,
        "finished_at": None,
        "window": None,
        "status": "waiting",
        "rating": None,
        "visits": 1,
        "updated_at": t,
    }


#: protocol name -> (feed settings, record factory, how to serve a page of records)
CASES = {
    "open311": ({"domain": "complaints", "protocol": "open311", "url": "http://up.test/open311/v2"}, _open311),
    "ngsi-traffic": (
        {
            "domain": "traffic",
            "protocol": "ngsi",
            "url": "http://up.test/ngsi/v2",
            "options": {"entity_type": "TrafficFlowObserved"},
        },
        _traffic,
    ),
    "ngsi-air": (
        {
            "domain": "sensors",
            "protocol": "ngsi",
            "url": "http://up.test/ngsi/v2",
            "options": {"entity_type": "AirQualityObserved"},
        },
        _air,
    ),
    "hall-queue": ({"domain": "halls", "protocol": "hall-queue", "url": "http://up.test/halls/api/v1"}, _ticket),
}


def _transport(page: list) -> httpx.MockTransport:
    body = json.dumps(page, ensure_ascii=False, allow_nan=True).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/halls"):
            return httpx.Response(200, json={"halls": [{"code": "H01"}]})
        first = request.url.params.get("offset", "0") in ("0", "") and request.url.params.get("page", "1") == "1"
        if path.endswith("/tickets"):
            tickets = body.decode() if first else "[]"
            envelope = f'{{"tickets": {tickets}, "total": {len(page) if first else 0}, "next_offset": null}}'
            return httpx.Response(200, content=envelope.encode(), headers={"Content-Type": "application/json"})
        headers = {"Content-Type": "application/json", "Fiware-Total-Count": str(len(page))}
        return httpx.Response(200, content=body if first else b"[]", headers=headers)

    return httpx.MockTransport(handler)


def pages(factory):
    """A page of one to six records, some spoilt (see :func:`hostile.spoiled`)."""
    return st.integers(1, 6).flatmap(lambda size: spoiled([factory(i) for i in range(size)]))


def _cursor() -> Cursor:
    return Cursor(values={}, run_started_at=RUN_AT, lag=timedelta(0), default_start=RUN_AT - timedelta(days=2))


@pytest.mark.reliability
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_records_are_quarantined_never_crash(case):
    settings_, factory = CASES[case]
    feed = FeedConfig(name=f"fuzz-{case}", **settings_)

    @FUZZ
    @given(page=pages(factory))
    def run(page):
        records, spoiled = page
        http = FeedHttpClient(feed, transport=_transport(records), initial_backoff=0.001, max_backoff=0.001)
        try:
            batch = create_collector(feed, http).fetch(_cursor())
        except FetchError as exc:  # a page the collector refuses as a whole: a clean, named failure
            assert f"feed {feed.name}" in str(exc)
            return
        finally:
            http.close()
        valid, rejected = validate(feed, batch)
        check_rejects(feed.name, rejected)
        check_rows(feed.domain, valid)
        good = len(records) - len(spoiled)
        produced = {r["source_id"].rsplit(":", 1)[0] if case == "ngsi-air" else r["source_id"] for r in valid}
        assert len(produced) + len(rejected) >= good

    run()
    print(f"\n{case}: {FUZZ.max_examples} fuzz examples, no crash, every reject named its feed, record and field")


@pytest.mark.reliability
@FUZZ
@given(content=st.binary(max_size=2000))
def test_hotline_drop_files_of_any_bytes_never_crash(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("drop")
    (folder / "12345_export_fuzz.csv").write_bytes(content)
    feed = FeedConfig(name="fuzz-hotline", domain="complaints", protocol="hotline-csv", folder=folder)
    batch = create_collector(feed, None).fetch(_cursor())
    valid, rejected = validate(feed, batch)
    check_rejects(feed.name, rejected)
    check_rows(feed.domain, valid)
