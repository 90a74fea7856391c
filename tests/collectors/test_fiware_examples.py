"""The real FIWARE examples beyond traffic and air: NoiseLevelObserved, QueueMonitor, Open311ServiceRequest,
OffStreetParking's defects; NGSI-LD entities; coordinate quality on QueueMonitor's swapped location."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import shapely
from feedkit import json_response, make_cursor, make_feed
from sqlalchemy import select

from collectors.config import FeedConfigError, parse_feeds
from collectors.geoquality import assess, within_districts
from collectors.ngsi.ld import to_v2
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, Quarantine, SensorReading
from dashboard.geo.locator import DistrictLocator

SINCE, NOW = datetime(2010, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)


def _sample(realdata, name: str) -> dict:
    return json.loads((realdata / "fiware-sdm" / name).read_text(encoding="utf-8"))


def _feed(entity_type: str, domain: str = "sensors", **options):
    return make_feed(name="fiware", domain=domain, protocol="ngsi", options={"entity_type": entity_type, **options})


def _run(engine, upstream, feed, entities):
    runner = FeedRunner(engine, http_factory=upstream(lambda request: json_response(entities)).client)
    return runner.run(feed, now=NOW, since=SINCE)


@pytest.mark.parametrize("form", ["keyvalues", "normalized"])
def test_noise_level_examples_without_a_station_are_quarantined_and_with_one_stored(engine, realdata, upstream, form):
    entity = _sample(realdata, f"NoiseLevelObserved.example-{form}.json")
    located = dict(entity, id=entity["id"] + "-N07", refPointOfInterest="urn:ngsi-ld:PointOfInterest:N07")
    feed = _feed("NoiseLevelObserved", key_values=form == "keyvalues")
    result = _run(engine, upstream, feed, [entity, located])
    assert (result.new, result.rejected) == (4, 1)
    with engine.connect() as conn:
        rows = {r.quantity: r for r in conn.execute(select(SensorReading))}
        entry = conn.execute(select(Quarantine)).one()
    assert {q: (r.value, r.unit) for q, r in rows.items()} == {
        "laeq": (67.8, "dB(A)"),
        "lamax": (94.5, "dB(A)"),
        "las": (91.6, "dB(A)"),
        "laeq_d": (65.4, "dB(A)"),
    }
    assert {r.station_code for r in rows.values()} == {"N07"}
    assert rows["laeq"].observed_at == datetime(2016, 12, 28, 12, 0, tzinfo=UTC)  # dateObservedTo
    assert (entry.record_ref, entry.field) == (entity["id"], "refPointOfInterest")
    assert "is missing" in entry.reason


def test_queue_monitor_snapshot_is_stored_as_readings_of_its_queue(engine, realdata, upstream):
    entity = _sample(realdata, "QueueMonitor.example-keyvalues.json")
    result = _run(engine, upstream, _feed("QueueMonitor", entity_per_observation=False), [entity])
    assert (result.new, result.rejected) == (3, 0)
    with engine.connect() as conn:
        rows = {r.quantity: r for r in conn.execute(select(SensorReading))}
    assert {q: r.value for q, r in rows.items()} == {"queue_waiting": 12.0, "queue_issued": 33.0, "queue_served": 45.0}
    waiting = rows["queue_waiting"]
    assert (waiting.station_code, waiting.observed_at) == ("22618237", datetime(2021, 3, 22, 11, 10, 5, tzinfo=UTC))
    assert waiting.source_id == f"{entity['id']}@20210322T111005Z:queue_waiting"


def test_queue_monitor_swapped_location_is_detected_and_corrected(realdata):
    entity = _sample(realdata, "QueueMonitor.example-keyvalues.json")
    lon, lat = entity["location"]["coordinates"]  # [42.605556, -5.57]: latitude first
    leon = DistrictLocator({"district": [("24089", shapely.box(-5.62, 42.56, -5.52, 42.64))]})
    inside = within_districts(lambda x, y: leon.locate(x, y).district)
    result = assess([lon, 0.0, 2.35, None], [lat, 0.0, 48.85, None], inside)
    assert result.flags == ["swapped", "null_island", "outside_city", None]
    assert (result.lons[0], result.lats[0]) == (-5.57, 42.605556)
    assert (result.lons[2], result.lats[2], result.lons[3]) == (2.35, 48.85, None)


@pytest.mark.parametrize("form", ["keyvalues", "normalized"])
def test_open311_service_request_examples_are_stored_as_complaints(engine, realdata, upstream, form):
    entity = _sample(realdata, f"Open311ServiceRequest.example-{form}.json")
    feed = _feed("Open311ServiceRequest", domain="complaints", key_values=form == "keyvalues")
    assert _run(engine, upstream, feed, [entity]).new == 1
    with engine.connect() as conn:
        row = conn.execute(select(Complaint)).one()
    assert (row.source_id, row.status, row.category, row.category_name) == ("638344", "closed", "234", "Aceras")
    assert (row.address, row.lon, row.lat) == ("Calle San Juan Bautista, 2", -3.164485591715449, 40.62785133667262)
    assert row.requested_at == datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)
    assert row.due_at == datetime(2010, 4, 15, 14, 37, 38, tzinfo=UTC)


def test_off_street_parking_is_refused_clearly(engine, realdata, upstream):
    feed = {"name": "parking", "domain": "traffic", "protocol": "ngsi", "url": "http://x"}
    with pytest.raises(FeedConfigError, match="feed parking: options.entity_type: must be one of .*'OffStreetParking'"):
        parse_feeds({"feed": [{**feed, "options": {"entity_type": "OffStreetParking"}}]}, env={})
    parking = _sample(realdata, "OffStreetParking.example-normalized.json")
    traffic = _sample(realdata, "TrafficFlowObserved.example-normalized.json")
    traffic["refRoadSegment"] = {"type": "Relationship", "value": "urn:ngsi-ld:RoadSegment:R0042"}
    result = _run(
        engine, upstream, _feed("TrafficFlowObserved", domain="traffic", key_values=False), [parking, traffic]
    )
    assert (result.new, result.rejected) == (1, 1)
    with engine.connect() as conn:
        entry = conn.execute(select(Quarantine)).one()
    assert (entry.record_ref, entry.field) == ("porto-ParkingLot-23889", "type")
    assert "expected TrafficFlowObserved, got 'OffStreetParking'" in entry.reason


def _ld_air_quality() -> dict:
    return {
        "@context": ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"],
        "id": "urn:ngsi-ld:AirQualityObserved:JX-1252A",
        "type": "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved",
        "refPointOfInterest": {"type": "Relationship", "object": "urn:ngsi-ld:PointOfInterest:1252A"},
        "https://smartdatamodels.org/dataModel.Environment/pm25": {
            "type": "Property",
            "value": 35,
            "unitCode": "GQ",
            "observedAt": "2026-11-21T07:00:00Z",
        },
        "no2": [
            {"type": "Property", "value": 0.041, "unitCode": "GP", "observedAt": "2026-11-21T07:00:00Z"},
            {"type": "Property", "value": 99, "datasetId": "urn:ngsi-ld:Dataset:raw"},
        ],
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [120.73, 30.79]}},
    }


def test_ngsi_ld_entities_with_their_context_and_value_shapes(upstream):
    feed = make_feed(
        name="air-ld",
        domain="sensors",
        protocol="ngsi-ld",
        url="http://broker.test",
        options={"entity_type": "AirQualityObserved", "context": "http://ctx.test/context.jsonld"},
    )
    pages = {"0": [_ld_air_quality()]}
    up = upstream(lambda r: json_response(pages.get(r.url.params["offset"], []), headers={"NGSILD-Results-Count": "1"}))
    batch = up.fetch(feed, make_cursor(since=datetime(2026, 11, 20, tzinfo=UTC)))
    request = up.requests[0]
    assert request.url.path == "/ngsi-ld/v1/entities" and len(up.requests) == 1
    assert request.headers["Link"] == (
        '<http://ctx.test/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    )
    assert (up.params(0)["type"], up.params(0)["count"]) == ("AirQualityObserved", "true")
    assert up.params(0)["q"] == "dateObserved>=2026-11-20T00:00:00Z;dateObserved<=2026-11-21T08:00:00Z"
    readings = {r.data["quantity"]: r.data for r in batch.records}
    assert {q: (d["value"], d["unit"]) for q, d in readings.items()} == {
        "pm25": (35.0, "µg/m³"),
        "no2": (pytest.approx(41.0), "µg/m³"),
    }
    assert readings["pm25"]["station_code"] == "1252A"
    assert readings["pm25"]["observed_at"] == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)  # from observedAt


def test_ngsi_ld_typed_literals_are_unwrapped():
    entity = {
        "id": "x",
        "type": "T",
        "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": "2026-11-21T07:00:00Z"}},
    }
    assert to_v2(entity, "dateObserved")["dateObserved"]["value"] == "2026-11-21T07:00:00Z"
