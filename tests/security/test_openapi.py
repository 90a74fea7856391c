"""Real API responses validate against the OpenAPI document the app serves."""

from __future__ import annotations

from datetime import UTC, datetime

import jsonschema
import pytest
from sqlalchemy import insert

from dashboard.db.models import Alert
from tests.dashboard.synthetic_city import populate
from tests.security.conftest import make_city, signed_in

CASES = [
    ("/kpis", "KpiList"),
    ("/alerts", "AlertList"),
    ("/feeds", "FeedHealth"),
    ("/map/districts?period=7d", "DistrictAggregates"),
    ("/map/districts?period=this_month&compare=year", "DistrictAggregates"),
    ("/kpis?period=last_week&compare=previous", "KpiList"),
    ("/complaints?limit=20", "ComplaintList"),
    ("/alerts?period=today&compare=previous", "AlertList"),
    ("/feeds?period=24h", "FeedHealth"),
]


@pytest.fixture(scope="module")
def analyst(tmp_path_factory):
    city = make_city(tmp_path_factory.mktemp("openapi"))
    now = datetime.now(UTC)
    populate(city.engine, now)
    with city.engine.begin() as conn:
        conn.execute(insert(Alert), [{"rule": "aqi", "severity": "critical", "subject": "S1", "message_zh": "空气",
                                      "message_en": "air", "value": 160.0, "opened_at": now}])
    return signed_in(city, "ana")


def _validator(spec: dict, name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_spec_is_served_and_lists_every_route(analyst):
    spec = analyst.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    routes = {r.rule.removeprefix("/api/v1") for r in analyst.application.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") and r.rule != "/api/v1/openapi.json"}
    assert routes == set(spec["paths"])


@pytest.mark.parametrize(("path", "schema"), CASES)
def test_responses_match_the_spec(analyst, path, schema):
    spec = analyst.get("/api/v1/openapi.json").json
    response = analyst.get(f"/api/v1{path}")
    assert response.status_code == 200
    body = response.json
    _validator(spec, schema).validate(body)
    assert any(body[key] for key in body if isinstance(body[key], list | dict)), "an empty answer proves little"


def test_errors_match_the_spec(analyst):
    spec = analyst.get("/api/v1/openapi.json").json
    response = analyst.get("/api/v1/complaints?limit=0")
    assert response.status_code == 400
    _validator(spec, "Error").validate(response.json)
