"""The API's time parameters: ``period`` (calendar or rolling), ``from``/``to``, ``as_of`` and ``compare``, each
checked against hand-computed bounds and the oracle's reading of the raw facts; every bad value is a 400 naming
the parameter.

The synthetic city's now is 2026-11-21T04:00Z, noon on Saturday 21 November in Shanghai.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import NOW, populate
from tests.oracle import oracle


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-time")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine)
    app = create_app(engine, Settings(var_dir=folder, auth_mode="open")).server
    facts = oracle.Facts.read(engine)
    with clock.set_to(NOW), app.test_client() as client:
        yield client, facts
    engine.dispose()


def _districts(body) -> dict[str, dict]:
    return {row["code"]: row for row in body["districts"]}


def test_calendar_period_with_previous(api):
    client, facts = api
    body = client.get("/api/v1/map/districts?period=this_month&compare=previous").get_json()
    period = body["period"]
    assert (period["name"], period["start"], period["end"], period["grain"]) == (
        "this_month",
        "2026-10-31T16:00:00Z",
        "2026-11-21T04:00:00Z",
        "day",
    )
    # 20 days and 12 hours into November: 1 October 00:00 to 21 October 12:00 local.
    assert period["compare"] == {"kind": "previous", "start": "2026-09-30T16:00:00Z", "end": "2026-10-21T04:00:00Z"}
    for code, row in _districts(body).items():
        now = oracle.complaint_numbers(facts, utc("2026-10-31T16:00"), NOW, NOW, code)
        assert row["complaints"] == now["received"], code
        # The complaints begin on 7 October: they do not reach back to 1 October, so October is "no data".
        assert row["compare"] == {"complaints": None, "per_10k": None}, code
    assert _districts(body)["339901"]["complaints"] > 0


def test_custom_days_with_previous(api):
    """10–20 November against the 11 days before (30 October – 9 November), which the data covers."""
    client, facts = api
    body = client.get("/api/v1/map/districts?from=2026-11-10&to=2026-11-20&compare=previous").get_json()
    assert body["period"]["compare"] == {"kind": "previous", "start": "2026-10-29T16:00:00Z",
                                         "end": "2026-11-09T16:00:00Z"}
    for code, row in _districts(body).items():
        then = oracle.complaint_numbers(facts, utc("2026-10-29T16:00"), utc("2026-11-09T16:00"), NOW, code)
        assert row["compare"]["complaints"] == then["received"], code
    assert _districts(body)["339901"]["compare"]["complaints"] > 0


def test_custom_dates_with_the_year_before(api):
    client, facts = api
    body = client.get("/api/v1/map/districts?from=2026-11-20&to=2026-11-20&compare=year").get_json()
    assert (body["start"], body["end"]) == ("2026-11-19T16:00:00Z", "2026-11-20T16:00:00Z")
    assert body["period"]["compare"]["start"] == "2025-11-19T16:00:00Z"
    rows = _districts(body)
    assert rows["339902"]["complaints"] == 3  # the three tickets of 21:00-23:00 on 20 November
    expected = oracle.complaint_numbers(facts, utc("2026-11-19T16:00"), utc("2026-11-20T16:00"), NOW, "339902")
    assert rows["339902"]["per_10k"] == pytest.approx(expected["per_10k"])
    # The city's first fact is of October 2026: a year before, there is no data (not zero complaints).
    assert rows["339902"]["compare"] == {"complaints": None, "per_10k": None}


def test_compared_day_that_the_data_does_not_reach_back_to_is_no_data(api):
    """The city's first ticket is at noon on 7 October (04:00Z): 8 October's 环比 is all of 7 October, which the
    complaints do not reach back to, so the comparison is "no data" (as the pages say), not the half day's one
    ticket."""
    client, _facts = api
    body = client.get("/api/v1/map/districts?from=2026-10-08&to=2026-10-08&compare=previous").get_json()
    assert body["period"]["compare"]["start"] == "2026-10-06T16:00:00Z"
    assert _districts(body)["339901"]["compare"] == {"complaints": None, "per_10k": None}


def test_as_of_moves_backlog_and_cards(api):
    client, facts = api
    # At noon on 10 November only ticket C21 (requested 9 November, closed 12 November) was open, not yet due.
    body = client.get("/api/v1/kpis?period=today&as_of=2026-11-10T12:00%2B08:00").get_json()
    assert body["as_of"] == "2026-11-10T04:00:00Z" and body["period"]["start"] == "2026-11-09T16:00:00Z"
    values = {v["id"]: v["value"] for v in body["values"]}
    expected = oracle.open_tickets(facts, utc("2026-11-10T04:00"))
    assert (
        (values["complaint_backlog"], values["complaint_overdue"])
        == (1, 0)
        == (expected["backlog"], expected["overdue"])
    )
    assert {k["id"]: k["value"] for k in body["kpis"]}["complaints_today"] == 0
    live = client.get("/api/v1/kpis").get_json()
    assert {k["id"]: k["value"] for k in live["kpis"]}["complaints_today"] == 5
    assert "compare" not in live["values"][0] and live["period"]["compare"] is None


def test_kpis_compare_values_sit_beside_the_current(api):
    client, facts = api
    body = client.get("/api/v1/kpis?period=today&compare=previous").get_json()
    values = {v["id"]: v for v in body["values"]}
    today = oracle.complaint_numbers(facts, utc("2026-11-20T16:00"), NOW, NOW)
    yesterday = oracle.complaint_numbers(facts, utc("2026-11-19T16:00"), utc("2026-11-20T04:00"), NOW)
    assert values["complaints_received"]["value"] == today["received"] == 5
    assert values["complaints_received"]["compare"] == yesterday["received"] == 0  # the same morning hours: data, 0
    year = {v["id"]: v for v in client.get("/api/v1/kpis?period=today&compare=year").get_json()["values"]}
    assert year["complaints_received"]["compare"] is None  # before the first fact: no data


def test_legacy_rolling_period(api):
    client, _ = api
    body = client.get("/api/v1/map/districts?period=7d").get_json()
    assert (body["start"], body["end"]) == ("2026-11-14T04:00:00Z", "2026-11-21T04:00:00Z")


def test_exports_follow_the_selection(api):
    client, facts = api
    response = client.get("/api/v1/complaints.csv?from=2026-11-20&to=2026-11-20")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    c = facts.complaints
    expected = c[(c["requested_at"] >= utc("2026-11-19T16:00")) & (c["requested_at"] < utc("2026-11-20T16:00"))]
    assert sorted(r["source_id"] for r in rows) == sorted(expected["source_id"]) and len(rows) == 3
    body = client.get("/api/v1/complaints?period=yesterday").get_json()
    assert sorted(r["source_id"] for r in body["complaints"]) == sorted(expected["source_id"])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("period=fortnight", "period"),
        ("period=custom", "period"),
        ("from=2026-11-01", "to"),
        ("to=2026-11-01", "from"),
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("from=2026-11-01&to=tomorrow", "to"),
        ("from=2026-11-02&to=2026-11-01", "from"),
        ("from=2022-01-01&to=2026-01-01", "from"),
        ("period=7d&from=2026-11-01&to=2026-11-02", "from"),
        ("as_of=yesterday", "as_of"),
        ("compare=lastyear", "compare"),
    ],
)
def test_bad_time_parameters_are_400s(api, query, parameter):
    client, _ = api
    response = client.get(f"/api/v1/map/districts?{query}")
    assert response.status_code == 400
    assert parameter in response.get_json()["error"]


@pytest.mark.parametrize("path", ["/kpis", "/complaints", "/complaints.csv"])
def test_every_timed_route_checks_its_parameters(api, path):
    client, _ = api
    response = client.get(f"/api/v1{path}?from=2026-11-02&to=2026-11-01")
    assert response.status_code == 400 and "from" in response.get_json()["error"]
