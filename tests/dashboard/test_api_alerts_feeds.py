"""``/api/v1/alerts`` and ``/api/v1/feeds`` take the time parameters of every route: the alerts open at the as-of
moment and those of the period (with 环比/同比 counts), the feeds' health at the as-of moment from their run
history; ``compare`` where nothing compares, and bad values, are 400s naming the parameter.

The synthetic city's now is 2026-11-21T04:00Z, noon on Saturday 21 November in Shanghai. Expected values are
counted by hand from the alerts inserted here and the runs of ``synthetic_city._feed_ops``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import Alert
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import NOW, populate


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: (subject, opened, closed, acknowledged) in UTC.
ALERTS = [
    ("A", "2026-11-20T02:00", "2026-11-20T05:00", "2026-11-20T03:00"),  # 10:00-13:00 on 20 Nov, local
    ("B", "2026-11-21T01:00", None, None),  # 09:00 on 21 Nov, still open
    ("C", "2026-11-19T08:00", "2026-11-19T09:00", None),  # 16:00 on 19 Nov
    ("D", "2026-11-18T20:00", None, "2026-11-20T00:00"),  # 04:00 on 19 Nov, still open, acknowledged 20 Nov
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-alerts")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine)
    rows = [
        {
            "rule": "station_aqi",
            "severity": "warning",
            "subject": subject,
            "message_zh": subject,
            "message_en": subject,
            "value": 1.0,
            "opened_at": utc(opened),
            "closed_at": closed and utc(closed),
            "acknowledged_at": acked and utc(acked),
        }
        for subject, opened, closed, acked in ALERTS
    ]
    with engine.begin() as conn:
        conn.execute(insert(Alert), rows)
    app = create_app(engine, Settings(var_dir=folder, auth_mode="open")).server
    with clock.set_to(NOW), app.test_client() as test_client:
        yield test_client
    engine.dispose()


def _subjects(body) -> list[str]:
    return sorted(a["subject"] for a in body["alerts"])


def test_alerts_open_now_and_counted_over_the_default_day(client):
    body = client.get("/api/v1/alerts").get_json()
    assert _subjects(body) == ["B", "D"]
    assert (body["period"]["start"], body["period"]["end"]) == ("2026-11-20T04:00:00Z", "2026-11-21T04:00:00Z")
    # opened in [20 Nov 04:00Z, 21 Nov 04:00Z): B alone; open at its end: B and D
    assert body["counts"] == {"opened": 1, "acknowledged": 0, "still_open": 2}
    assert "compare" not in body


def test_alerts_as_of_a_past_moment(client):
    body = client.get("/api/v1/alerts?as_of=2026-11-20T12:00").get_json()  # 04:00Z
    assert _subjects(body) == ["A", "D"]
    assert {a["subject"]: a["acknowledged"] for a in body["alerts"]} == {"A": True, "D": True}
    body = client.get("/api/v1/alerts?as_of=2026-11-19T16:30").get_json()  # 08:30Z: D not yet acknowledged
    assert {a["subject"]: a["acknowledged"] for a in body["alerts"]} == {"C": False, "D": False}


def test_alerts_of_a_day_against_the_day_before(client):
    body = client.get("/api/v1/alerts?from=2026-11-20&to=2026-11-20&compare=previous").get_json()
    assert body["period"]["compare"] == {
        "kind": "previous",
        "start": "2026-11-18T16:00:00Z",
        "end": "2026-11-19T16:00:00Z",
    }
    # 20 Nov local: A opened (acknowledged 03:00Z); open at its end (16:00Z): B not yet, D
    assert body["counts"] == {"opened": 1, "acknowledged": 1, "still_open": 1}
    # 19 Nov local: D (04:00) and C (16:00) opened, neither acknowledged that day; open at its end: D
    assert body["compare"] == {"opened": 2, "acknowledged": 0, "still_open": 1}
    body = client.get("/api/v1/alerts?period=today&compare=year").get_json()
    assert body["compare"] is None  # the city's first fact is of October 2026: no data a year back
    # as at 14:00 on 20 November: A closed an hour before; 20 November so far against 19 November so far
    body = client.get("/api/v1/alerts?period=today&as_of=2026-11-20T14:00&compare=previous").get_json()
    assert _subjects(body) == ["D"]
    assert (body["counts"], body["compare"]) == (
        {"opened": 1, "acknowledged": 1, "still_open": 1},
        {"opened": 1, "acknowledged": 0, "still_open": 1},
    )


def test_feeds_now_and_as_they_stood(client):
    now = client.get("/api/v1/feeds").get_json()
    halls = now["feeds"]["halls-queue"]
    assert (halls["last_status"], halls["consecutive_failures"]) == ("failed", 2)
    # 90 s before now: the halls' second failure (60 s before now) had not started; their first had
    moment = (NOW - timedelta(seconds=90)).isoformat().replace("+00:00", "Z")
    then = client.get(f"/api/v1/feeds?as_of={moment}").get_json()
    halls = then["feeds"]["halls-queue"]
    assert (halls["last_status"], halls["consecutive_failures"]) == ("failed", 1)
    assert then["feeds"]["air-ngsi"]["last_status"] == "ok"
    assert then["period"]["end"] == "2026-11-21T03:58:30Z"
    # 20 minutes before now no feed had run
    moment = (NOW - timedelta(minutes=20)).isoformat().replace("+00:00", "Z")
    before = client.get(f"/api/v1/feeds?as_of={moment}").get_json()
    assert {f["last_status"] for f in before["feeds"].values()} == {None}
    assert before["ready"] is False


def test_feeds_count_the_periods_problems(client):
    body = client.get("/api/v1/feeds?period=24h").get_json()
    assert body["feeds"]["halls-queue"]["period"]["failed_runs"] == 2
    assert body["feeds"]["air-ngsi"]["period"]["failed_runs"] == 0
    assert client.get("/api/v1/feeds?period=last_year").get_json()["feeds"]["halls-queue"]["period"] == {
        "failed_runs": 0,
        "quarantined": 0,
    }


@pytest.mark.parametrize("path", ["/feeds", "/complaints", "/complaints.csv"])
def test_compare_where_nothing_compares_is_a_400(client, path):
    response = client.get(f"/api/v1{path}?period=7d&compare=year")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "compare" in error and "does not apply" in error


@pytest.mark.parametrize("path", ["/alerts", "/feeds"])
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("period=fortnight", "period"),
        ("from=2026-11-01", "to"),
        ("to=2026-11-01", "from"),
        ("from=2026-11-02&to=2026-11-01", "from"),
        ("as_of=yesterday", "as_of"),
        ("period=7d&from=2026-11-01&to=2026-11-02", "from"),
    ],
)
def test_bad_time_parameters_are_400s(client, path, query, parameter):
    response = client.get(f"/api/v1{path}?{query}")
    assert response.status_code == 400
    assert parameter in response.get_json()["error"]


def test_a_bad_comparison_on_alerts_names_it(client):
    response = client.get("/api/v1/alerts?compare=lastyear")
    assert response.status_code == 400 and "compare" in response.get_json()["error"]
