"""The numbers the product serves equal the oracle's (tests/oracle/oracle.py), for every period × district, on
the adversarial city and on the demo city (three days collected from the simulator over its real protocols):
the KPI registry, the district page, the complaint breakdowns, the choropleth, the API."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pandas as pd
import pytest

from dashboard.kpis.registry import load_registry
from dashboard.kpis.traffic import network_measures_of
from dashboard.queries import environment, kpis
from dashboard.queries.halls import hall_series
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.oracle import oracle, served
from tests.oracle.harness import assert_no_differences, differences

TZ = "Asia/Shanghai"
PERIODS = ("day", "week", "month")
DISTRICTS = ("339901", "339902", "339903", "339904", "339905", "339906", "339907")


def registry_differences(engine, facts, now, period: str, tz: str = TZ) -> list[str]:
    """The registry KPIs of the local ``period`` of ``tz`` holding ``now`` that differ from the oracle's."""
    start, end = oracle.local_period(now, tz, period)
    expected = oracle.complaint_numbers(facts, start, end, now) | oracle.hall_numbers(facts, start, end, now)
    expected |= oracle.open_tickets(facts, now) | oracle.traffic_numbers(facts, start, end, now)
    expected |= oracle.environment_numbers(facts, start, end, now, tz)
    got = served.registry_numbers(engine, start, end, now, tz)
    return differences(f"registry {period} ({tz})", got, {k: expected[k] for k in got})


@pytest.mark.parametrize("period", PERIODS)
def test_registry_kpis(city, period):
    engine, facts, now = city
    assert_no_differences(registry_differences(engine, facts, now, period))


@pytest.mark.parametrize("period", PERIODS)
def test_district_pages(city, period):
    engine, facts, now = city
    start, end = oracle.local_period(now, TZ, period)
    lines = []
    for code in DISTRICTS:
        expected = oracle.complaint_numbers(facts, start, end, now, code) | oracle.open_tickets(facts, now, code)
        got = served.district_numbers(engine, code, start, now)
        lines += differences(f"/district/{code} {period}", got, {k: expected[k] for k in got})
    assert_no_differences(lines)


@pytest.mark.parametrize("period", PERIODS)
def test_breakdowns_and_choropleth(city, period):
    engine, facts, now = city
    start, end = oracle.local_period(now, TZ, period)
    breakdowns = served.breakdown_numbers(engine, start, now)
    lines = []
    for key, column in (("department", "department_code"), ("category", "category")):
        expected = oracle.on_time_by(facts, column, start, end, now)
        lines += differences(f"/complaints {period} on-time by {key}", breakdowns[key], expected)
    by_name = set(facts.departments["name_zh"]) & set(breakdowns["department"])
    lines += [f"/complaints {period}: department {name} shown by name beside its code" for name in sorted(by_name)]
    areas = served.area_numbers(engine, start, now, TZ)
    for code in DISTRICTS:
        numbers = oracle.complaint_numbers(facts, start, end, now, code)
        lines += differences(f"map {period} {code}", areas[code], {k: numbers[k] for k in areas[code]})
    assert_no_differences(lines)


def _headline_expected(facts, now, tz: str = TZ) -> dict:
    day, day_end = oracle.local_period(now, tz, "day")
    month_ago = oracle.local_period(now - timedelta(days=29), tz, "day")[0]
    on_time = oracle.complaint_numbers(facts, month_ago, day_end, now)["on_time_rate"]
    city_aqi = oracle.latest_city_aqi(facts, now, tz)
    return {
        "complaints_today": oracle.complaint_numbers(facts, day, day_end, now)["received"],
        "on_time_closure": None if on_time is None else on_time * 100,
        "hall_wait": oracle.hall_numbers(facts, day, day_end, now)["wait_minutes"],
        "network_tpi": oracle.latest_interval(facts)["tpi"],
        "city_aqi": None if city_aqi is None else float(city_aqi[0]),
    }


def test_headline_cards(city):
    """Each headline card's value is the registry's headline KPI and the oracle's number."""
    engine, facts, now = city
    expected = _headline_expected(facts, now)
    got = served.headline_numbers(engine, now, TZ)
    assert set(got["cards"]) == set(expected)
    lines = differences("overview/wall cards", got["cards"], expected)
    lines += differences("registry headline KPIs", got["registry"], expected)
    assert_no_differences(lines)


def test_daily_complaint_series(city):
    """The complaints trend per local day over the last 7 days (a rolling window starting inside an hour) adds
    up to the oracle's received and closed counts, for the city and each district."""
    engine, facts, now = city
    start = now - timedelta(days=7)
    lines = []
    for code in (None, *DISTRICTS):
        series = kpis.complaint_series(engine, start, now, TZ, "day", code)
        numbers = oracle.complaint_numbers(facts, start, now, now, code)
        got = {"received": float(series["received"].sum()), "closed": float(series["closed"].sum())}
        lines += differences(f"daily series 7d {code or 'city'}", got, {k: numbers[k] for k in got})
    assert_no_differences(lines)


def test_city_aqi_per_hour(city):
    """The environment page's hourly city AQI over the last day is the oracle's AQI of each hour."""
    engine, facts, now = city
    start = now - timedelta(days=1)
    got = environment.air_trend(engine, start, now, TZ)
    hours = oracle.city_hours(facts, TZ)
    hours = hours[(hours["hour"] >= pd.Timestamp(start)) & (hours["hour"] < pd.Timestamp(now))]
    assert len(hours) > 0
    expected = {str(h): float(a) for h, a in zip(hours["hour"], hours["aqi"], strict=True)}
    served_hours = {str(h): float(a) for h, a in zip(got["hour"], got["aqi"], strict=True)}
    assert_no_differences(differences("environment hourly city AQI", served_hours, expected))


def test_station_aqi_on_the_map_and_in_the_alerts(city):
    """A station's AQI on the map, in the alert rule's observation and by the oracle's HJ 633 are one number."""
    engine, facts, now = city
    got = served.station_numbers(engine, now, TZ)
    expected_map = oracle.latest_station_aqi(facts, now, TZ)
    air = set(facts.stations.loc[facts.stations["kind"] == "air", "code"])
    lines = differences("map stations", got["map"], {k: v for k, v in expected_map.items() if k in air})
    lines += differences("station alerts", got["alerts"], oracle.latest_station_aqi(facts, now, TZ))
    lines += differences("map vs alerts", got["map"], {k: got["alerts"].get(k) for k in got["map"]})
    assert_no_differences(lines)


def test_api(city, tmp_path):
    engine, facts, now = city
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open")).server
    with mock.patch("dashboard.web.api._now", return_value=now), app.test_client() as client:
        kpis = {k["id"]: k["value"] for k in client.get("/api/v1/kpis").get_json()["kpis"]}
        areas = {p: client.get(f"/api/v1/map/districts?period={p}").get_json()["districts"] for p in ("24h", "7d")}
    expected = _headline_expected(facts, now)
    lines = differences("/api/v1/kpis", kpis, expected)
    for period, hours in (("24h", 24), ("7d", 168)):
        start = now - timedelta(hours=hours)
        for row in areas[period]:
            numbers = oracle.complaint_numbers(facts, start, now, now, row["code"])
            lines += differences(
                f"/api/v1/map/districts {period} {row['code']}",
                {"received": row["complaints"], "per_10k": row["per_10k"]},
                {"received": numbers["received"], "per_10k": numbers["per_10k"]},
            )
    assert_no_differences(lines)


# --- at the periods' edges: the department ranking, each road's TPI, duration percentiles, day series ----------

#: How far a percentile of the duration histograms may lie from the durations' own (dashboard.kpis.durations).
HISTOGRAM_REL = 2 ** (1 / 16) - 1


def _plain_values(row: dict) -> dict:
    return {k: None if pd.isna(v) else float(v) for k, v in row.items()}


def ranking_differences(engine, facts, now, period: str, tz: str = TZ) -> list[str]:
    """The department ranking (overview) and each road's TPI (report) of the local ``period`` so far that differ
    from the oracle's."""
    start, end = oracle.local_period(now, tz, period)
    registry = load_registry()
    with mock.patch("dashboard.clock.now", return_value=now):
        ranked = kpis.department_ranking(engine, registry, start, now, tz)
    expected = oracle.department_ranking(facts, start, end, now, dict(registry.ranking_weights))
    columns = ["rank", "score", "on_time_rate", "satisfaction", "return_rate", "due", "rated", "received"]
    got = {row.pop("department_code"): _plain_values(row) for row in ranked[["department_code", *columns]]
           .to_dict("records")}
    want = {row.pop("department_code"): _plain_values(row) for row in expected[["department_code", *columns]]
            .to_dict("records")} if len(expected) else {}
    lines = [f"department ranking {period} ({tz}): {code} served {got.get(code)}, oracle {want.get(code)}"
             for code in sorted(set(got) | set(want)) if code not in got or code not in want]
    for code in sorted(set(got) & set(want)):
        lines += differences(f"department ranking {period} ({tz}) {code}", got[code], want[code])
    rows = kpis.segment_sums(engine, start, now, tz)
    measures = network_measures_of(*zip(*rows, strict=True)) if rows else {}
    roads = {code: m["traffic_tpi"].value for code, m in measures.items()}
    return lines + differences(f"road TPI {period} ({tz})", roads, oracle.segment_tpi(facts, start, end, now))


def percentile_differences(engine, facts, now, period: str, tz: str = TZ) -> list[str]:
    """Handling-time median and P90 and hall-wait P90 of the local ``period`` so far: the histograms' estimate,
    unless more than one bucket's width from the durations' own percentile."""
    start, end = oracle.local_period(now, tz, period)
    measures = kpis.period_measures(engine, start, now, tz)
    expected = oracle.duration_percentiles(facts, start, end, now)
    names = {"complaint_handling_hours_median": "handling_hours_median",
             "complaint_handling_hours_p90": "handling_hours_p90", "hall_wait_p90_minutes": "wait_p90_minutes"}
    lines = []
    for kpi, name in names.items():
        got, want = measures[kpi].value, expected[name]
        if (got is None) != (want is None) or (got is not None and abs(got - want) > HISTOGRAM_REL * abs(want)):
            lines.append(f"{period} ({tz}) {name}: served {got!r}, oracle {want!r}")
    return lines


def day_series_differences(engine, facts, now, tz: str = TZ) -> list[str]:
    """The halls' and traffic's charts per local day over the last 7 days (a rolling window starting inside an
    hour) where a day's tickets issued, mean wait or network TPI differ from the oracle's of that day's part of
    the window."""
    start = now - timedelta(days=7)
    halls = hall_series(engine, start, now, tz, "day").set_index("hour")
    network = kpis.network_series(engine, start, now, tz, "day").set_index("hour")["tpi"]
    lines = []
    for day in halls.index:
        begin, end = max(day, pd.Timestamp(start)), min(day + pd.Timedelta(days=1), pd.Timestamp(now))
        numbers = oracle.hall_numbers(facts, begin, end, now)
        issued = ((facts.halls["issued_at"] >= begin) & (facts.halls["issued_at"] < end)).sum()
        got = {"issued": halls.at[day, "issued"], "wait": halls.at[day, "wait_min"], "tpi": network.get(day)}
        want = {"issued": issued, "wait": numbers["wait_minutes"],
                "tpi": oracle.traffic_numbers(facts, begin, end, now)["tpi"]}
        lines += differences(f"day series {day:%Y-%m-%d} ({tz})", got, want)
    return lines


@pytest.mark.parametrize("period", PERIODS)
def test_department_ranking_and_road_tpi(city, period):
    engine, facts, now = city
    assert_no_differences(ranking_differences(engine, facts, now, period))


@pytest.mark.parametrize("period", PERIODS)
def test_duration_percentiles(city, period):
    engine, facts, now = city
    assert_no_differences(percentile_differences(engine, facts, now, period))


def test_hall_and_traffic_days(city):
    engine, facts, now = city
    assert_no_differences(day_series_differences(engine, facts, now))
