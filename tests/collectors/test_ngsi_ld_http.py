"""The NGSI-LD adapter over HTTP against the simulated city's NGSI-LD endpoint (entity and temporal queries,
@context in the Link header)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from simcity import running_city
from sqlalchemy import func, select

from collectors.config import load_feeds
from collectors.http import FeedHttpClient
from collectors.runner import FeedRunner
from dashboard.db.models import Quarantine, SensorReading

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FROZEN_AT = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
REL = "http://www.w3.org/ns/json-ld#context"
POLLUTANTS = ("pm25", "pm10", "no2", "so2", "o3", "co")


def _air_stations() -> int:
    with (PROJECT_ROOT / "data" / "city" / "stations.csv").open(encoding="utf-8") as f:
        return sum(row["kind"] == "air" for row in csv.DictReader(f))


@pytest.fixture(scope="module")
def simulated_city(tmp_path_factory) -> Iterator[object]:
    with running_city(tmp_path_factory.mktemp("drop"), 11, 0.25, FROZEN_AT) as sim:
        yield sim


def test_the_ngsi_ld_example_ingests_over_http(simulated_city, engine):
    (feed,) = load_feeds(
        PROJECT_ROOT / "data" / "feeds" / "examples" / "ngsi-ld.toml", env={"CITYOPS_NGSI_LD_URL": simulated_city.url}
    )
    feed = feed.model_copy(update={"page_size": 25})  # several pages
    runner = FeedRunner(engine, http_factory=lambda f: FeedHttpClient(f, initial_backoff=0.001))
    result = runner.run(feed, now=FROZEN_AT, since=FROZEN_AT - timedelta(hours=3))
    # hourly readings at 23:00, 00:00, 01:00 and 02:00 (both bounds inclusive), six pollutants per station
    expected = _air_stations() * 4 * len(POLLUTANTS)
    assert (result.status, result.new, result.rejected) == ("ok", expected, 0)
    with engine.connect() as conn:
        units = set(conn.execute(select(SensorReading.quantity, SensorReading.unit).distinct()))
        assert conn.execute(select(func.count()).select_from(Quarantine)).scalar_one() == 0
    assert ("co", "mg/m³") in units and ("pm25", "µg/m³") in units  # unitCode GP and GQ


def test_entity_query_answers_linked_data_with_the_requested_context(simulated_city):
    url = f"{simulated_city.url}/ngsi-ld/v1/entities"
    params = {"type": "AirQualityObserved", "limit": 1, "count": "true", "q": "dateObserved==2026-11-17T01:00:00Z"}
    link = f'<{CONTEXT}>; rel="{REL}"; type="application/ld+json"'
    response = httpx.get(url, params=params, headers={"Link": link})
    assert response.headers["Link"] == link
    assert response.headers["NGSILD-Results-Count"] == str(_air_stations())
    (entity,) = response.json()
    assert entity["pm25"]["type"] == "Property" and entity["pm25"]["unitCode"] == "GQ"
    assert entity["pm25"]["observedAt"] == entity["dateObserved"]["value"]["@value"] == "2026-11-17T01:00:00Z"
    assert entity["location"]["type"] == "GeoProperty" and entity["refPointOfInterest"]["type"] == "Relationship"
    core = httpx.get(url, params=params)
    assert core.headers["Link"].startswith("<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld>")
    assert httpx.get(url, params={"type": "Nothing"}).json()["type"].endswith("/BadRequestData")


def test_temporal_query_gives_each_station_its_instances(simulated_city):
    response = httpx.get(
        f"{simulated_city.url}/ngsi-ld/v1/temporal/entities",
        params={"type": "AirQualityObserved", "timerel": "between", "timeAt": "2026-11-17T00:00:00Z",
                "endTimeAt": "2026-11-17T02:00:00Z"},
    )
    entities = response.json()
    assert REL in response.headers["Link"]
    assert len(entities) == _air_stations() and len({e["id"] for e in entities}) == len(entities)
    for entity in entities:  # 00:00 and 01:00: the end is exclusive
        assert [i["observedAt"] for i in entity["no2"]] == ["2026-11-17T00:00:00Z", "2026-11-17T01:00:00Z"]
        assert entity["location"]["type"] == "GeoProperty"
    bad = httpx.get(f"{simulated_city.url}/ngsi-ld/v1/temporal/entities", params={"type": "AirQualityObserved"})
    assert bad.status_code == 400 and "timerel" in bad.json()["detail"]
