"""SensorThings v1.1: the real BGS FROST samples (bare arrays), envelopes with @iot.nextLink, cursor per datastream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from feedkit import RUN_AT, json_response, make_cursor, make_feed
from sqlalchemy import select

from collectors.runner import FeedRunner
from dashboard.db.models import FeedCursor, SensorReading

QUANTITIES = {"GGA01_01 Water Level mbd": "groundwater_level", "LAeq": "laeq", "pH": "ph"}


def _feed(**extra):
    return make_feed(
        name="iot",
        domain="sensors",
        protocol="sensorthings",
        url="http://sta.test/v1.1",
        options={"quantities": QUANTITIES},
        **extra,
    )


def _datastream(stream_id, station="N01", prop="LAeq", unit="dB(A)", **extra):
    return {
        "@iot.id": stream_id,
        "name": f"{station} {prop}",
        "unitOfMeasurement": {"name": prop, "symbol": unit},
        "Thing": {"name": f"Station {station}", "properties": {"station_code": station}, "Locations": []},
        "ObservedProperty": {"name": prop},
        **extra,
    }


def _observation(obs_id, minute, result=55.5, quality=None):
    return {
        "@iot.id": obs_id,
        "phenomenonTime": f"2026-11-21T07:{minute:02d}:00Z",
        "result": result,
        "resultQuality": quality,
    }


def test_real_bgs_samples_bare_arrays_are_stored_with_their_values(engine, realdata, upstream):
    datastreams = (realdata / "sensorthings" / "bgs_frost_v1.1_datastreams_expanded_foi_sample.json").read_bytes()
    observations = (realdata / "sensorthings" / "bgs_frost_v1.1_observations_sample.json").read_bytes()

    def handler(request):
        if request.url.path.endswith("/Datastreams"):
            return httpx.Response(200, content=datastreams)
        if request.url.path.endswith("/Datastreams(92)/Observations"):
            return httpx.Response(200, content=observations)
        return json_response([])

    up = upstream(handler)
    result = FeedRunner(engine, http_factory=up.client).run(
        _feed(), now=datetime(2023, 4, 1, tzinfo=UTC), since=datetime(2023, 3, 1, tzinfo=UTC)
    )
    assert (result.status, result.new, result.rejected) == ("ok", 2, 0)
    assert up.params(0)["$expand"] == "Thing/Locations,ObservedProperty"
    assert (
        up.params(1)["$filter"] == "phenomenonTime ge 2023-03-01T00:00:00Z and phenomenonTime le 2023-04-01T00:00:00Z"
    )
    with engine.connect() as conn:
        rows = {r.source_id: r for r in conn.execute(select(SensorReading))}
        cursors = dict(conn.execute(select(FeedCursor.partition, FeedCursor.value)).all())
    reading = rows["92:211806488"]
    # No Thing/ObservedProperty expanded in this sample: the FeatureOfInterest and datastream names stand in.
    assert (reading.station_code, reading.quantity, reading.unit) == (
        "BGS Groundwater Logger GGA01",
        "groundwater_level",
        "m",
    )
    assert (reading.value, reading.quality) == (1.2, "Good")
    assert reading.observed_at == datetime(2023, 3, 28, 12, 15, tzinfo=UTC)
    assert rows["92:211806245"].value == 3.444444444444444
    assert set(cursors) == {"92", "15"}


def test_envelopes_next_links_and_a_cursor_per_datastream(upstream):
    pages = {
        "/v1.1/Datastreams": {"value": [_datastream(1)], "@iot.nextLink": "http://sta.test/v1.1/Datastreams?$skip=1"},
        "/v1.1/Datastreams?$skip=1": {"value": [_datastream("w-2", station="W02", prop="pH", unit="pH")]},
        "/v1.1/Datastreams(1)/Observations": {
            "value": [_observation(10, 0), _observation(11, 5)],
            "@iot.nextLink": "/v1.1/Datastreams(1)/Observations?$skip=2",
        },
        "/v1.1/Datastreams(1)/Observations?$skip=2": {"value": [_observation(12, 10, quality="flagged")]},
        "/v1.1/Datastreams('w-2')/Observations": {"value": [_observation(20, 0, result="7.2")]},
    }

    def handler(request):
        query = request.url.query.decode()
        key = request.url.path + (f"?{query}" if query.startswith("$skip") else "")
        return json_response(pages[key])

    up = upstream(handler)
    since_stream_1 = RUN_AT - timedelta(hours=2)
    batch = up.fetch(_feed(), make_cursor({"1": since_stream_1.isoformat()}))
    by_ref = {r.ref: r.data for r in batch.records}
    assert sorted(by_ref) == ["1:10", "1:11", "1:12", "w-2:20"]
    assert by_ref["1:12"] == {
        "station_code": "N01",
        "quantity": "laeq",
        "observed_at": datetime(2026, 11, 21, 7, 10, tzinfo=UTC),
        "value": 55.5,
        "unit": "dB(A)",
        "quality": "flagged",
    }
    assert (by_ref["w-2:20"]["station_code"], by_ref["w-2:20"]["quantity"], by_ref["w-2:20"]["value"]) == (
        "W02",
        "ph",
        7.2,
    )
    filters = {r.url.path: r.url.params.get("$filter") for r in up.requests if "$filter" in r.url.params}
    assert filters["/v1.1/Datastreams(1)/Observations"].startswith("phenomenonTime ge 2026-11-21T06:00:00Z")
    assert filters["/v1.1/Datastreams('w-2')/Observations"].startswith("phenomenonTime ge 2026-11-20T08:00:00Z")
    assert batch.cursor == {"1": RUN_AT, "w-2": RUN_AT}


def test_non_numeric_results_are_rejected_naming_result(upstream):
    def handler(request):
        if request.url.path.endswith("/Datastreams"):
            return json_response({"value": [_datastream(1), {"@iot.id": 2, "name": None}]})
        return json_response({"value": [_observation(1, 0, result="n/a?"), _observation(2, 1, result={"x": 1})]})

    batch = upstream(handler).fetch(_feed())
    assert not batch.records
    assert sorted((r.ref, r.field) for r in batch.rejected) == [
        ("1:1", "result"),
        ("1:2", "result"),
        ("Datastream(2)", "Thing"),
    ]
    assert "feed iot, record 1:1: result: expected a number, got 'n/a?'" in batch.rejected[0].reason


def test_the_record_bound_leaves_later_datastreams_at_their_cursor(upstream):
    def handler(request):
        if request.url.path.endswith("/Datastreams"):
            return json_response([_datastream(1), _datastream(2)])
        return json_response({"value": [_observation(i, i) for i in range(3)]})

    batch = upstream(handler).fetch(_feed(max_records_per_run=3))
    assert len(batch.records) == 3
    assert batch.cursor == {"1": datetime(2026, 11, 21, 7, 2, tzinfo=UTC)}
