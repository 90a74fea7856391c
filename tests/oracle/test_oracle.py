"""The numbers the product serves equal the oracle's (tests/oracle/oracle.py), for every period × district, on
the adversarial city: the KPI registry, the district page, the complaint breakdowns, the choropleth, the API."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from dashboard.app import create_app
from dashboard.settings import Settings
from tests.oracle import adversarial_city, oracle, served
from tests.oracle.harness import assert_no_differences, differences

TZ = "Asia/Shanghai"
NOW = adversarial_city.NOW
PERIODS = ("day", "week", "month")
DISTRICTS = ("339901", "339902", "339903", "339904", "339905", "339906", "339907")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The adversarial city in a migrated SQLite database, and the oracle's reading of its facts."""
    from dashboard.db.engine import make_engine
    from dashboard.db.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('oracle') / 'city.db'}")
    upgrade(engine)
    adversarial_city.build(engine)
    yield engine, oracle.Facts.read(engine)
    engine.dispose()


@pytest.mark.parametrize("period", PERIODS)
def test_registry_kpis(city, period):
    engine, facts = city
    start, end = oracle.local_period(NOW, TZ, period)
    expected = oracle.complaint_numbers(facts, start, end, NOW) | oracle.hall_numbers(facts, start, end, NOW)
    expected |= oracle.open_tickets(facts, NOW)
    got = served.registry_numbers(engine, start, end, NOW, TZ)
    assert_no_differences(differences(f"registry {period}", got, {k: expected[k] for k in got}))


@pytest.mark.parametrize("period", PERIODS)
def test_district_pages(city, period):
    engine, facts = city
    start, _ = oracle.local_period(NOW, TZ, period)
    lines = []
    for code in DISTRICTS:
        expected = oracle.complaint_numbers(facts, start, NOW, NOW, code) | oracle.open_tickets(facts, NOW, code)
        got = served.district_numbers(engine, code, start, NOW)
        lines += differences(f"/district/{code} {period}", got, {k: expected[k] for k in got})
    assert_no_differences(lines)


@pytest.mark.parametrize("period", PERIODS)
def test_breakdowns_and_choropleth(city, period):
    engine, facts = city
    start, _ = oracle.local_period(NOW, TZ, period)
    breakdowns = served.breakdown_numbers(engine, start, NOW)
    lines = []
    for key, column in (("department", "department_code"), ("category", "category")):
        expected = oracle.on_time_by(facts, column, start, NOW, NOW)
        lines += differences(f"/complaints {period} on-time by {key}", breakdowns[key], expected)
    by_name = set(facts.departments["name_zh"]) & set(breakdowns["department"])
    lines += [f"/complaints {period}: department {name} shown by name beside its code" for name in sorted(by_name)]
    areas = served.area_numbers(engine, start, NOW, TZ)
    for code in DISTRICTS:
        numbers = oracle.complaint_numbers(facts, start, NOW, NOW, code)
        lines += differences(f"map {period} {code}", areas[code], {k: numbers[k] for k in areas[code]})
    assert_no_differences(lines)


def test_api(city, tmp_path):
    engine, facts = city
    app = create_app(engine, Settings(var_dir=tmp_path)).server
    with mock.patch("dashboard.api._now", return_value=NOW), app.test_client() as client:
        kpis = {k["id"]: k["value"] for k in client.get("/api/v1/kpis").get_json()["kpis"]}
        areas = {p: client.get(f"/api/v1/map/districts?period={p}").get_json()["districts"] for p in ("24h", "7d")}
    day, _ = oracle.local_period(NOW, TZ, "day")
    month_ago = oracle.local_period(NOW - timedelta(days=29), TZ, "day")[0]
    on_time = oracle.complaint_numbers(facts, month_ago, NOW, NOW)["on_time_rate"]
    expected = {
        "complaints_today": oracle.complaint_numbers(facts, day, NOW, NOW)["received"],
        "on_time_closure": None if on_time is None else on_time * 100,
        "hall_wait": oracle.hall_numbers(facts, day, NOW, NOW)["wait_minutes"],
    }
    lines = differences("/api/v1/kpis", {k: kpis[k] for k in expected}, expected)
    for period, hours in (("24h", 24), ("7d", 168)):
        start = NOW - timedelta(hours=hours)
        for row in areas[period]:
            numbers = oracle.complaint_numbers(facts, start, NOW, NOW, row["code"])
            lines += differences(
                f"/api/v1/map/districts {period} {row['code']}",
                {"received": row["complaints"], "per_10k": row["per_10k"]},
                {"received": numbers["received"], "per_10k": numbers["per_10k"]},
            )
    assert_no_differences(lines)
