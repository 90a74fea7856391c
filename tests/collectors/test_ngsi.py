"""NGSI v2: the real FIWARE TrafficFlowObserved / AirQualityObserved examples (keyValues and normalized), paging."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from feedkit import RUN_AT, json_response, make_cursor, make_feed
from sqlalchemy import select

from collectors.runner import FeedRunner
from dashboard.db.models import Quarantine, SensorReading, TrafficObservation

SAMPLE_TIME = datetime(2016, 12, 1, tzinfo=UTC)


def _traffic_feed(**extra):
    options = {"entity_type": "TrafficFlowObserved", **extra.pop("options", {})}
    return make_feed(name="traffic", domain="traffic", protocol="ngsi", options=options, **extra)


def _air_feed(**extra):
    options = {"entity_type": "AirQualityObserved", **extra.pop("options", {})}
    return make_feed(name="air", domain="sensors", protocol="ngsi", options=options, timezone="Europe/Madrid", **extra)


def _sample(realdata, name: str) -> dict:
    return json.loads((realdata / "fiware-sdm" / name).read_text(encoding="utf-8"))


def _run(engine, upstream, feed, entities, **kwargs):
    up = upstream(lambda request: json_response(entities))
    runner = FeedRunner(engine, http_factory=up.client)
    return runner.run(
        feed, now=kwargs.get("now", datetime(2017, 1, 1, tzinfo=UTC)), since=datetime(2016, 1, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize("form", ["keyvalues", "normalized"])
def test_real_traffic_flow_examples_are_stored_with_their_values(engine, realdata, upstream, form):
    entity = _sample(realdata, f"TrafficFlowObserved.example-{form}.json")
    located = dict(entity, id=entity["id"] + "-1115")
    located["refRoadSegment"] = (
        "urn:ngsi-ld:RoadSegment:R0042"
        if form == "keyvalues"
        else {"type": "Relationship", "value": "urn:ngsi-ld:RoadSegment:R0042"}
    )
    result = _run(engine, upstream, _traffic_feed(), [entity, located])
    assert (result.new, result.rejected) == (1, 1)
    with engine.connect() as conn:
        row = conn.execute(select(TrafficObservation)).one()
        entry = conn.execute(select(Quarantine)).one()
    assert (row.source_id, row.segment_code) == ("TrafficFlowObserved-Valladolid-osm-60821110-1115", "R0042")
    assert row.observed_at == datetime(2016, 12, 7, 11, 15, tzinfo=UTC)  # dateObservedTo
    assert (row.period_s, row.speed_kmh, row.volume, row.occupancy, row.congested) == (300, 52.6, 197, 0.76, None)
    assert (entry.record_ref, entry.field) == ("TrafficFlowObserved-Valladolid-osm-60821110", "refRoadSegment")
    assert (
        "feed traffic, record TrafficFlowObserved-Valladolid-osm-60821110: refRoadSegment: is missing" in entry.reason
    )


def test_real_air_quality_keyvalues_example_with_an_interval_date_observed(engine, realdata, upstream):
    entity = _sample(realdata, "AirQualityObserved.example-keyvalues.json")
    assert _run(engine, upstream, _air_feed(), [entity]).new == 2
    with engine.connect() as conn:
        rows = {r.quantity: r for r in conn.execute(select(SensorReading))}
    assert sorted(rows) == ["co", "so2"]  # no, co2 and nox are not tracked
    so2 = rows["so2"]
    assert (so2.source_id, so2.station_code) == (f"{entity['id']}:so2", "28079004-Pza.deEspanya")
    assert so2.observed_at == datetime(2016, 3, 15, 11, 0, tzinfo=UTC)  # interval end 12:00 Madrid (+01:00)
    assert (so2.value, so2.unit, rows["co"].value, rows["co"].unit) == (11.0, "µg/m³", 500.0, "mg/m³")


def test_real_air_quality_normalized_example_honours_unit_codes(engine, realdata, upstream):
    entity = _sample(realdata, "AirQualityObserved.example-normalized.json")
    assert _run(engine, upstream, _air_feed(options={"key_values": False}), [entity]).new == 3
    with engine.connect() as conn:
        rows = {r.quantity: (r.value, r.unit, r.observed_at) for r in conn.execute(select(SensorReading))}
    at = datetime(2016, 3, 15, 10, 0, tzinfo=UTC)  # an instant, naive: read in the feed's zone
    assert rows == {"co": (500.0, "mg/m³", at), "so2": (11.0, "µg/m³", at), "no2": (69.0, "µg/m³", at)}


def test_query_parameters_and_offset_paging(upstream):
    entities = [
        {
            "id": f"urn:ngsi-ld:TrafficFlowObserved:R0001:2026112107{i:02d}",
            "dateObserved": f"2026-11-21T07:{i:02d}:00+08:00/2026-11-21T07:{i + 5:02d}:00+08:00",
            "refRoadSegment": "urn:ngsi-ld:RoadSegment:R0001",
            "averageVehicleSpeed": 40 + i,
            "intensity": 10,
            "occupancy": 0.2,
            "congested": "false",
        }
        for i in range(0, 25, 5)
    ]
    up = upstream(lambda r: json_response(entities[int(r.url.params["offset"]) :][: int(r.url.params["limit"])]))
    batch = up.fetch(_traffic_feed(page_size=2), make_cursor(since=datetime(2026, 11, 20, tzinfo=UTC)))
    params = up.params(0)
    assert params["q"] == "dateObservedTo>=2026-11-20T00:00:00Z;dateObservedTo<=2026-11-21T08:00:00Z"
    assert (params["type"], params["options"], params["orderBy"], params["limit"]) == (
        "TrafficFlowObserved",
        "keyValues,count",
        "dateObservedTo",
        "2",
    )
    assert [r.url.params["offset"] for r in up.requests] == ["0", "2", "4"]
    assert [r.data["observed_at"].minute for r in batch.records] == [5, 10, 15, 20, 25]
    assert {r.data["period_s"] for r in batch.records} == {300} and batch.records[0].data["congested"] is False
    assert batch.cursor == {"*": RUN_AT}


def test_entities_updated_in_place_get_one_record_per_observation(upstream):
    entity = {"id": "station-7", "dateObserved": "2026-11-21T07:00:00Z", "refPointOfInterest": "A07", "pm25": "35"}
    feed = _air_feed(options={"entity_per_observation": False})
    (record,) = upstream(lambda r: json_response([entity])).fetch(feed).records
    assert record.ref == "station-7@20261121T070000Z:pm25" and record.data["value"] == 35.0


def test_a_non_numeric_pollutant_is_rejected_naming_it(upstream):
    entities = [
        {"id": "a1", "dateObserved": "2026-11-21T07:00:00Z", "refPointOfInterest": "A1", "pm10": "high"},
        {"id": "a2", "dateObserved": "2026-11-21T07:00:00Z", "refPointOfInterest": "A2", "temperature": 3},
        {"id": "a3", "dateObserved": "soon", "refPointOfInterest": "A3", "pm10": 3},
    ]
    batch = upstream(lambda r: json_response(entities)).fetch(_air_feed())
    assert not batch.records
    assert [(r.ref, r.field) for r in batch.rejected] == [("a1", "pm10"), ("a2", "pollutants"), ("a3", "dateObserved")]


def test_duplicated_entities_in_a_page_do_not_make_paging_skip_any(upstream):
    entities = [
        {"id": f"aq-{i}", "dateObserved": f"2026-11-21T07:0{i}:00Z", "refPointOfInterest": "A01", "pm25": i}
        for i in range(5)
    ]

    def handler(request):
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        page = entities[offset : offset + limit]
        served = page + page[:1]  # the upstream repeats a record in every page
        return json_response(served, headers={"Fiware-Total-Count": str(len(entities))})

    up = upstream(handler)
    batch = up.fetch(_air_feed(page_size=2))
    assert [r.url.params["offset"] for r in up.requests] == ["0", "2", "4"]
    assert sorted({r.ref for r in batch.records}) == [f"aq-{i}:pm25" for i in range(5)]
