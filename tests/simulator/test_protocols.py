"""Each protocol's paging and filters, and the hotline exports."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections import Counter

from simulator.hotline import HEADERS


def _open311_walk(client, **params) -> list[dict]:
    out, page = [], 1
    while True:
        batch = client.get("/open311/v2/requests.json", params={**params, "page": page, "page_size": 500}).json()
        out += batch
        if len(batch) < 500:
            return out
        page += 1


def test_open311_window_pages_give_each_ticket_once(client):
    whole = _open311_walk(client, start_date="2026-11-17T00:00:00+08:00", end_date="2026-11-20T12:00:00+08:00")
    ids = [r["service_request_id"] for r in whole]
    assert len(ids) == len(set(ids)) > 3000
    keys = [(r["updated_datetime"], r["service_request_id"]) for r in whole]
    assert keys == sorted(keys)
    split = _open311_walk(
        client, start_date="2026-11-17T00:00:00+08:00", end_date="2026-11-18T15:30:00+08:00"
    ) + _open311_walk(client, start_date="2026-11-18T15:30:00+08:00", end_date="2026-11-20T12:00:00+08:00")
    assert sorted(r["service_request_id"] for r in split) == sorted(ids)
    assert all(r["updated_datetime"].endswith("+08:00") for r in whole)
    assert client.get("/open311/v2/requests.json", params={"start_date": "yesterday"}).status_code == 400
    assert client.get("/open311/v2/requests.json", params={"page_size": 1001}).status_code == 400


def test_open311_extensions_xml_and_single(client):
    records = client.get(
        "/open311/v2/requests.json", params={"extensions": "true", "page_size": 1000, "status": "closed"}
    ).json()
    assert records and all(r["status"] == "closed" for r in records)
    ext = records[0]["extended_attributes"]
    assert ext["lifecycle_status"] in ("closed", "revisited") and ext["notes"][0]["status"] == "received"
    assert [n["datetime"] for n in ext["notes"]] == sorted(n["datetime"] for n in ext["notes"])
    one = client.get(f"/open311/v2/requests/{records[0]['service_request_id']}.json").json()
    assert one[0]["service_request_id"] == records[0]["service_request_id"]
    assert client.get("/open311/v2/requests/nope.json").status_code == 404
    response = client.get("/open311/v2/requests.xml", params={"page_size": 3})
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests" and len(root.findall("request")) == 3
    services = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert len(services.findall("service")) == len(client.get("/open311/v2/services.json").json())


def test_open311_state_follows_the_clock(sim, client):
    before = {r["service_request_id"]: r for r in _open311_walk(client, start_date="2026-11-20T00:00:00+08:00")}
    sim.clock.advance(hours=2)
    try:
        after = {r["service_request_id"]: r for r in _open311_walk(client, start_date="2026-11-20T00:00:00+08:00")}
    finally:
        sim.clock.advance(hours=-2)
    assert set(before) < set(after)
    assert any(after[k]["updated_datetime"] != v["updated_datetime"] for k, v in before.items())
    again = {r["service_request_id"]: r for r in _open311_walk(client, start_date="2026-11-20T00:00:00+08:00")}
    assert again == before


def test_ngsi_query_paging_and_count(client):
    params = {
        "type": "TrafficFlowObserved",
        "options": "keyValues,count",
        "limit": 1000,
        "q": "refRoadSegment==R0003;dateObservedTo>=2026-11-19T00:00:00Z;dateObservedTo<2026-11-19T06:00:00Z",
    }
    response = client.get("/ngsi/v2/entities", params=params)
    assert response.headers["Fiware-Total-Count"] == "24"
    rows = response.json()
    assert len(rows) == 24 and {r["refRoadSegment"] for r in rows} == {"urn:ngsi-ld:RoadSegment:R0003"}
    paged = []
    for offset in range(0, 24, 10):
        paged += client.get("/ngsi/v2/entities", params={**params, "limit": 10, "offset": offset}).json()
    assert [r["id"] for r in paged] == [r["id"] for r in rows]
    desc = client.get("/ngsi/v2/entities", params={**params, "orderBy": "!dateObservedTo"}).json()
    assert [r["id"] for r in desc] == [r["id"] for r in rows][::-1]
    assert client.get("/ngsi/v2/entities", params={"type": "Nope"}).json() == []
    error = client.get("/ngsi/v2/entities", params={"type": "TrafficFlowObserved", "q": "speed~~1"})
    assert error.status_code == 400 and error.json()["error"] == "BadRequest"
    assert client.get("/ngsi/v2/entities", params={"type": "TrafficFlowObserved", "limit": 1001}).status_code == 400


def test_ngsi_serves_only_the_past(sim, client):
    rows = client.get(
        "/ngsi/v2/entities",
        params={"type": "AirQualityObserved", "options": "keyValues", "orderBy": "!dateObserved", "limit": 1},
    ).json()
    assert rows[0]["dateObserved"] == "2026-11-20T04:00:00Z"
    traffic = client.get(
        "/ngsi/v2/entities",
        params={"type": "TrafficFlowObserved", "options": "keyValues", "orderBy": "!dateObservedTo", "limit": 1},
    ).json()
    assert traffic[0]["dateObservedTo"] == "2026-11-20T04:00:00Z"


def test_sensorthings_next_link_walk(client):
    streams = client.get(
        "/sta/v1.1/Datastreams", params={"$expand": "Thing/Locations,ObservedProperty", "$count": "true"}
    ).json()
    assert streams["@iot.count"] == 20 * 6 + 12 + 6 * 3
    first = streams["value"][0]
    assert (
        first["Thing"]["properties"]["station_code"] and first["Thing"]["Locations"][0]["location"]["type"] == "Point"
    )
    url = (
        "/sta/v1.1/Observations?$filter=phenomenonTime ge 2026-11-19T00:00:00Z and phenomenonTime lt "
        "2026-11-19T12:00:00Z&$top=700&$count=true"
    )
    seen, total = [], None
    while url:
        body = client.get(url).json()
        total = body["@iot.count"] if total is None else total
        seen += [o["@iot.id"] for o in body["value"]]
        url = body.get("@iot.nextLink")
    assert len(seen) == len(set(seen)) == total == 12 * (20 * 6 + 6 * 3) + 48 * 12
    ds = client.get(
        f"/sta/v1.1/Datastreams({first['@iot.id']})/Observations", params={"$orderby": "phenomenonTime desc", "$top": 3}
    ).json()["value"]
    assert ds[0]["phenomenonTime"] == "2026-11-20T04:00:00.000Z" and ds[0]["phenomenonTime"] > ds[1]["phenomenonTime"]
    assert client.get("/sta/v1.1/Observations", params={"$filter": "result gt 3"}).status_code == 400


def test_halls_updated_since(client):
    halls = client.get("/halls/api/v1/halls").json()["halls"]
    assert len(halls) == 8
    body = client.get(
        "/halls/api/v1/tickets", params={"hall_id": "H01", "updated_since": "2026-11-20 10:00:00", "limit": 1000}
    ).json()
    tickets = body["tickets"]
    assert body["total"] == len(tickets) > 100 and body["next_offset"] is None
    assert all(t["updated_at"] >= "2026-11-20 10:00:00" and t["hall_id"] == "H01" for t in tickets)
    keys = [(t["updated_at"], t["ticket_id"]) for t in tickets]
    assert keys == sorted(keys)
    statuses = Counter(t["status"] for t in tickets)
    assert statuses["finished"] and statuses["waiting"] + statuses["serving"] + statuses["called"] > 0
    walked, offset = [], 0
    while offset is not None:
        page = client.get(
            "/halls/api/v1/tickets",
            params={"hall_id": "H01", "updated_since": "2026-11-20 10:00:00", "limit": 50, "offset": offset},
        ).json()
        walked += page["tickets"]
        offset = page["next_offset"]
    assert walked == tickets
    monitors = client.get("/halls/ngsi/v2/entities", params={"type": "QueueMonitor", "options": "keyValues"}).json()
    assert monitors[0]["serviceStatus"] == "Open" and monitors[0]["lastTicketIssued"] > 0


def test_hotline_exports(sim):
    drop = sim.config.drop_dir
    names = sorted(p.name for p in drop.iterdir())
    assert names[0] == "12345_export_20261118_0000.csv"
    assert "12345_export_20261120_1200.csv" in names and not any(n.startswith(".") for n in names)
    raw = (drop / "12345_export_20261119_0000.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == HEADERS and len(rows) > 100
    assert all(r[0].startswith("GD20261") for r in rows[1:])
    sim.clock.advance(hours=1)
    try:
        sim.tick()
    finally:
        sim.clock.advance(hours=-1)
    assert (drop / "12345_export_20261120_1300.csv").exists()


def test_ngsi_attrs_serves_only_the_listed_attributes_in_both_forms(client):
    params = {"type": "TrafficFlowObserved", "limit": 50, "orderBy": "dateObservedTo"}
    full = client.get("/ngsi/v2/entities", params={**params, "options": "keyValues"}).json()
    wanted = ["averageVehicleSpeed", "refRoadSegment", "dateObservedTo"]
    some = client.get("/ngsi/v2/entities", params={**params, "options": "keyValues", "attrs": ",".join(wanted)}).json()
    assert some == [{k: v for k, v in e.items() if k in ("id", "type", *wanted)} for e in full]
    normalized = client.get("/ngsi/v2/entities", params={**params, "attrs": ",".join(wanted)}).json()
    assert [set(e) for e in normalized] == [{"id", "type", *wanted}] * len(full)
    assert [e["averageVehicleSpeed"]["value"] for e in normalized] == [e["averageVehicleSpeed"] for e in full]
