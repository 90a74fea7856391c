"""Every number of the daily and weekly reports equals what the oracle (pandas over the raw fact tables, written
from DESIGN §6, nothing of the product's code) computes for the same period of the simulated demo city."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from collectors.config import load_feeds
from collectors.runner import FeedRunner
from dashboard.kpis.registry import load_registry
from dashboard.report.model import build_report
from dashboard.report.periods import report_period
from dashboard.report.render import context
from tests.oracle import aqi as oracle_aqi
from tests.oracle import oracle
from tests.oracle.harness import assert_no_differences, differences
from tests.report.conftest import TZ

DAY = date(2026, 11, 16)  # the Monday before the frozen time: complaints, halls and air complete
TRAFFIC_DAY = date(2026, 11, 15)  # a day with traffic observed
WEEK = date(2026, 11, 12)  # the week 11-09..11-15: traffic observed on its last two days
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
CNEMC = "china/cnemc_stations_jiaxing_hangzhou_wuxi_2017-07-07T16_2018-02-20T07.geojson"
CNEMC_PRESET = Path(__file__).resolve().parents[2] / "data" / "feeds" / "examples" / "tabular-cnemc.toml"
#: TTI → TPI, the piecewise-linear table documented for the traffic index (docs/kpis.md, kpis/traffic.py).
TTI_TABLE, TPI_TABLE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0), (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)


def _report(engine, kind: str, day: date):
    return build_report(engine, load_registry(), report_period(kind, day, TZ), city=("澄江市", "Chengjiang"))


def _kpis(report) -> dict[str, float | None]:
    ids = {
        "received": "complaints_received", "on_time_rate": "complaint_on_time_rate",
        "closure_rate": "complaint_closure_rate", "satisfaction": "complaint_satisfaction",
        "return_rate": "complaint_return_rate", "redo_rate": "complaint_redo_rate",
        "handling_hours": "complaint_handling_hours", "wait_minutes": "hall_wait_minutes",
        "long_wait_share": "hall_long_wait_share", "handling_minutes": "hall_handling_minutes",
        "online_rate": "hall_online_rate", "one_visit_rate": "hall_one_visit_rate",
        "good_rating_rate": "hall_good_rating_rate", "backlog": "complaint_backlog", "overdue": "complaint_overdue",
    }
    return {name: report.kpi(kpi).value for name, kpi in ids.items()}


def _expected(facts, start, end) -> dict:
    return (oracle.complaint_numbers(facts, start, end, end) | oracle.hall_numbers(facts, start, end, end)
            | oracle.open_tickets(facts, end))


def _rising(facts, period, key: str) -> list[tuple]:
    """The three keys whose received count rose most against the previous period: (key, now, before)."""
    c = facts.complaints
    keys = oracle.category_keys(facts, c).fillna("") if key == "category" else c[key]

    def counts(start, end):
        return keys[(c["requested_at"] >= start) & (c["requested_at"] < end)].value_counts()

    frame = pd.DataFrame({"now": counts(period.start, period.end), "before": counts(*period.previous)}).fillna(0)
    frame["rise"] = frame["now"] - frame["before"]
    frame = frame[frame["rise"] > 0].rename_axis("key").reset_index().sort_values(["rise", "key"],
                                                                                 ascending=[False, True])
    return [(k, float(n), float(b)) for k, n, b in frame[["key", "now", "before"]].head(3).itertuples(index=False)]


def _hot_spots(facts, period) -> list[tuple]:
    c = facts.complaints
    located = c[c["h3"].notna() & c["location_flag"].isna()]

    def counts(start, end):
        return located["h3"][(located["requested_at"] >= start) & (located["requested_at"] < end)].value_counts()

    now, before = counts(period.start, period.end), counts(*period.previous)
    frame = pd.DataFrame({"now": now}).join(before.rename("before")).fillna(0).rename_axis("h3").reset_index()
    frame["rise"] = frame["now"] - frame["before"]
    frame = frame.sort_values(["rise", "now", "h3"], ascending=[False, False, True]).head(5)
    return [(h, float(n), float(b)) for h, n, b in frame[["h3", "now", "before"]].itertuples(index=False)]


def _air_hours(engine, period) -> pd.DataFrame:
    """Hourly city AQI: each pollutant's mean over every air-station reading of the hour, rated on HJ 633-2026."""
    with engine.connect() as conn:
        rows = pd.read_sql(
            text("SELECT r.observed_at, r.quantity, r.value FROM sensor_reading r JOIN station s "
                 "ON s.code = r.station_code WHERE s.kind = 'air' AND r.value IS NOT NULL"), conn)
    rows["observed_at"] = pd.to_datetime(rows["observed_at"], utc=True, format="ISO8601")
    rows = rows[rows["quantity"].isin(POLLUTANTS) & (rows["observed_at"] >= pd.Timestamp(period.start))
                & (rows["observed_at"] < pd.Timestamp(period.end))]
    means = rows.assign(hour=rows["observed_at"].dt.floor("h")).groupby(["hour", "quantity"])["value"].mean()
    out = []
    for hour, values in means.unstack("quantity").iterrows():
        rated = oracle_aqi.aqi({p: float(v) for p, v in values.items() if pd.notna(v)}, oracle_aqi.HOURLY_2026)
        out.append({"hour": hour, "aqi": rated[0], "primary": ",".join(rated[1])})
    return pd.DataFrame(out)


def _episodes(hours: pd.DataFrame) -> list[tuple]:
    """Runs of consecutive hours above AQI 100: (first hour, hours, peak)."""
    runs, current = [], []
    for row in hours.sort_values("hour").itertuples(index=False):
        if row.aqi > 100 and current and row.hour - current[-1].hour == pd.Timedelta(hours=1):
            current.append(row)
        else:
            if current:
                runs.append(current)
            current = [row] if row.aqi > 100 else []
    if current:
        runs.append(current)
    return [(run[0].hour, len(run), max(r.aqi for r in run)) for run in runs]


def test_daily_report_numbers_equal_the_oracle(demo_city):
    engine, facts, _ = demo_city
    report = _report(engine, "daily", DAY)
    period = report.period
    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-11-15T16:00:00+00:00",
                                                                  "2026-11-16T16:00:00+00:00")
    expected = _expected(facts, period.start, period.end)
    lines = differences("daily kpis", _kpis(report), {k: expected[k] for k in _kpis(report)})
    before = _expected(facts, *period.previous)
    lines += differences("daily kpis, previous day", {r.id: r.previous for r in report.kpis if r.id in (
        "complaints_received", "complaint_on_time_rate", "hall_wait_minutes")}, {
        "complaints_received": before["received"], "complaint_on_time_rate": before["on_time_rate"],
        "hall_wait_minutes": before["wait_minutes"]})
    lines += differences("daily counts", {"received": report.received, "previous": report.received_previous,
                                          "backlog": report.backlog, "overdue": report.overdue},
                         {"received": expected["received"], "previous": before["received"],
                          "backlog": expected["backlog"], "overdue": expected["overdue"]})
    assert_no_differences(lines)
    assert expected["received"] > 1000 and expected["backlog"] > 0  # a real day, not an empty one


def test_daily_report_breakdowns_equal_the_oracle(demo_city):
    engine, facts, _ = demo_city
    report = _report(engine, "daily", DAY)
    period = report.period
    assert [(r.code, r.value, r.before) for r in report.rising_districts] == _rising(facts, period, "district_code")
    assert [(r.code, r.value, r.before) for r in report.rising_categories] == _rising(facts, period, "category")
    assert [(r.code, r.value, r.before) for r in report.hot_spots] == _hot_spots(facts, period)
    assert len(report.rising_districts) == 3 and len(report.hot_spots) == 5


def test_daily_report_air_quality_equals_the_oracle(demo_city):
    engine, _, _ = demo_city
    report = _report(engine, "daily", DAY)
    hours = _air_hours(engine, report.period)
    assert len(hours) == 24
    served = dict(zip(report.aqi_by_hour["hour"], report.aqi_by_hour["aqi"], strict=True))
    assert served == dict(zip(hours["hour"], hours["aqi"], strict=True))
    episodes = [(e.start, e.hours, e.peak) for e in report.episodes.itertuples(index=False)]
    assert episodes == _episodes(hours)
    over_50 = hours[hours["aqi"] > 50]["primary"].str.split(",").explode().value_counts().to_dict()
    assert report.primary_pollutants == over_50


#: GB 3096-2008 environmental noise limits, dB(A), by acoustic class: (day 06–22, night 22–06).
GB3096 = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}


def _noise_exceedances(engine, period) -> tuple[int, int]:
    """Station-hours of the period whose mean Leq is above the station's class limit (class 2 when it has none
    GB 3096 knows), and station-hours rated."""
    with engine.connect() as conn:
        rows = pd.read_sql(text("SELECT r.station_code, r.observed_at, r.value, s.noise_class FROM sensor_reading r "
                                "JOIN station s ON s.code = r.station_code WHERE r.quantity = 'laeq' "
                                "AND r.value IS NOT NULL"), conn)
    rows["observed_at"] = pd.to_datetime(rows["observed_at"], utc=True, format="ISO8601")
    rows = rows[(rows["observed_at"] >= pd.Timestamp(period.start)) & (rows["observed_at"] < pd.Timestamp(period.end))]
    rows["hour"] = rows["observed_at"].dt.floor("h")
    hours = rows.groupby(["station_code", "hour"]).agg(leq=("value", "mean"), cls=("noise_class", "first"))
    over = 0
    for (_, hour), row in hours.iterrows():
        day, night = GB3096.get(row["cls"] if isinstance(row["cls"], str) else "2", GB3096["2"])
        limit = day if 6 <= hour.tz_convert(TZ).hour < 22 else night
        over += row["leq"] > limit
    return int(over), len(hours)


def test_daily_report_noise_exceedances_equal_the_oracle(demo_city):
    engine, _, _ = demo_city
    report = _report(engine, "daily", DAY)
    over, rated = _noise_exceedances(engine, report.period)
    assert (report.noise_exceedances, report.noise_hours) == (over, rated)
    assert rated > 100 and 0 < over < rated


def _segment_tpi(engine, start, end) -> pd.DataFrame:
    """Per segment over [start, end): harmonic mean speed of its observations, TTI against its free-flow speed,
    TPI from the documented table."""
    with engine.connect() as conn:
        obs = pd.read_sql(text("SELECT segment_code, observed_at, speed_kmh FROM traffic_observation "
                               "WHERE speed_kmh > 0"), conn)
        roads = pd.read_sql(text("SELECT code, free_flow_kmh, length_m FROM road_segment"), conn)
    obs["observed_at"] = pd.to_datetime(obs["observed_at"], utc=True, format="ISO8601")
    obs = obs[(obs["observed_at"] >= pd.Timestamp(start)) & (obs["observed_at"] < pd.Timestamp(end))]
    speed = obs.groupby("segment_code")["speed_kmh"].agg(lambda v: len(v) / (1 / v).sum()).rename("speed")
    frame = roads.set_index("code").join(speed, how="inner")
    frame["tpi"] = np.interp(frame["free_flow_kmh"] / frame["speed"], TTI_TABLE, TPI_TABLE)
    return frame


def test_weekly_report_numbers_equal_the_oracle(demo_city):
    engine, facts, _ = demo_city
    report = _report(engine, "weekly", WEEK)
    period = report.period
    assert (period.first.isoformat(), period.last.isoformat()) == ("2026-11-09", "2026-11-15")
    expected = _expected(facts, period.start, period.end)
    lines = differences("weekly kpis", _kpis(report), {k: expected[k] for k in _kpis(report)})
    segments = _segment_tpi(engine, period.start, period.end).reset_index()
    top = segments.sort_values(["tpi", "code"], ascending=[False, True]).head(3)
    lines += differences("weekly congested segments", {r.code: r.value for r in report.congested_segments},
                         dict(zip(top["code"], top["tpi"], strict=True)))
    assert_no_differences(lines)
    assert len(report.congested_segments) == 3


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_kpi_table_changes_are_against_the_oracles_previous_period(demo_city, kind):
    engine, facts, _ = demo_city
    report = _report(engine, kind, DAY)
    period = report.period
    now, before = _expected(facts, period.start, period.end), _expected(facts, *period.previous)
    row = report.kpi("complaints_received")
    assert (row.value, row.previous) == (now["received"], before["received"])


def _report_tables(report) -> dict:
    """The report's department ranking, hourly TPI, hall table and published-figure agreement, keyed for
    comparison with the oracle."""
    departments = {
        r.department_code: {"rank": None if pd.isna(r.rank) else int(r.rank), "score": r.score,
                            "on_time_rate": r.on_time_rate, "satisfaction": r.satisfaction,
                            "return_rate": r.return_rate, "due": r.due, "rated": r.rated, "received": r.received}
        for r in report.departments.itertuples(index=False)
    }
    halls = {r.code: {"wait_minutes": r.wait_min, "one_visit_rate": r.single_visit_pct / 100}
             for r in report.halls.itertuples(index=False) if r.called > 0}
    agreement = {r.source: {"compared": r.compared, "agreeing": r.agreeing}
                 for r in report.published_agreement.itertuples(index=False)}
    return {"departments": departments, "tpi": dict(zip(report.tpi_by_hour["hour"], report.tpi_by_hour["tpi"],
                                                        strict=True)),
            "halls": halls, "agreement": agreement}


def _oracle_tables(engine, facts, registry, period) -> dict:
    start, end = period.start, period.end
    ranked = oracle.department_ranking(facts, start, end, end, dict(registry.ranking_weights))
    departments = {
        r["department_code"]: {"rank": r["rank"], "score": r["score"], "on_time_rate": r["on_time_rate"],
                               "satisfaction": r["satisfaction"], "return_rate": r["return_rate"], "due": r["due"],
                               "rated": r["rated"], "received": r["received"]}
        for r in ranked.to_dict("records")
    }
    h = facts.halls
    issued = h[(h["issued_at"] >= pd.Timestamp(start)) & (h["issued_at"] < pd.Timestamp(end)) & h["called_at"].notna()]
    halls = {}
    for code in sorted(set(issued["hall_code"])):
        numbers = oracle.hall_numbers(facts, start, end, end, code)
        halls[code] = {"wait_minutes": numbers["wait_minutes"], "one_visit_rate": numbers["one_visit_rate"]}
    return {"departments": departments, "tpi": oracle.tpi_by_hour(facts, start, end), "halls": halls,
            "agreement": {source: {"compared": n, "agreeing": a}
                          for source, (n, a) in oracle.published_agreement(engine, start, end, TZ).items()}}


def _table_differences(label: str, served: dict, expected: dict) -> list[str]:
    lines = [f"{label}: served {sorted(set(served) - set(expected))}, oracle {sorted(set(expected) - set(served))}"
             ] if set(served) != set(expected) else []
    for key in sorted(set(served) & set(expected), key=str):
        s, e = served[key], expected[key]
        if isinstance(e, dict):
            lines += differences(f"{label} {key}", s, e)
        else:
            lines += differences(label, {str(key): s}, {str(key): e})
    return lines


@pytest.mark.parametrize(("kind", "day"), [("daily", DAY), ("daily", TRAFFIC_DAY), ("weekly", WEEK)])
def test_report_tables_equal_the_oracle(demo_city, kind, day):
    """Department ranking, peak-hour TPI by hour, the per-hall waits and one-visit rates, and the agreement with
    published figures."""
    engine, facts, _ = demo_city
    registry = load_registry()
    report = _report(engine, kind, day)
    served, expected = _report_tables(report), _oracle_tables(engine, facts, registry, report.period)
    lines = []
    for name in ("tpi", "halls", "agreement", "departments"):
        lines += _table_differences(f"{kind} {name}", served[name], expected[name])
    assert_no_differences(lines)
    assert len(expected["departments"]) > 3
    assert expected["halls"] or day == TRAFFIC_DAY  # a Sunday: the halls are closed
    assert expected["tpi"] or day == DAY  # the Monday after the traffic feed's last observations


def test_published_agreement_equals_the_oracle_on_cnemc_figures(sqlite_engine, realdata, tmp_path):
    """The data-health line's agreement with published figures, on CNEMC's real station-hours (the demo city
    publishes none): every report period holding some, daily and weekly."""
    source = realdata / CNEMC
    if not source.exists():
        pytest.skip("no CNEMC station file")
    (tmp_path / "air").mkdir()
    shutil.copy(source, tmp_path / "air" / "cnemc.geojson")
    (feed,) = load_feeds(CNEMC_PRESET, env={"CITYOPS_AIR_DROP_DIR": str(tmp_path / "air")})
    assert FeedRunner(sqlite_engine).run(feed, now=datetime(2026, 11, 21, tzinfo=UTC)).status == "ok"
    with sqlite_engine.connect() as conn:
        times = pd.read_sql(text("SELECT observed_at FROM published_figure"), conn)["observed_at"]
    days = sorted({t.tz_convert(TZ).date() for t in pd.to_datetime(times, utc=True, format="ISO8601")})
    lines, checked = [], 0
    for kind, day in [(k, d) for d in days for k in ("daily", "weekly")]:
        report = _report(sqlite_engine, kind, day)
        served = {r.source: {"compared": r.compared, "agreeing": r.agreeing}
                  for r in report.published_agreement.itertuples(index=False)}
        expected = oracle.published_agreement(sqlite_engine, report.period.start, report.period.end, TZ)
        expected = {s: {"compared": n, "agreeing": a} for s, (n, a) in expected.items()}
        lines += _table_differences(f"{kind} {day} agreement", served, expected)
        checked += sum(v["compared"] for v in expected.values()) if kind == "daily" else 0
    assert_no_differences(lines)
    assert checked == 43  # every published station-hour falls in one day


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kpi_table_states_a_rates_change_in_points_and_a_counts_relative(demo_city, lang):
    """As the dashboard's cards do: the on-time rate's change against the day before in percentage points, the
    complaints received relative to the day before; both from the oracle's numbers of the two days, by hand."""
    engine, facts, _ = demo_city
    report = _report(engine, "daily", DAY)
    period = report.period
    now, before = _expected(facts, period.start, period.end), _expected(facts, *period.previous)
    rows = {row["name"]: row for row in context(report, load_registry(), lang)["kpi_rows"]}
    names = {k.id: k.name_zh if lang == "zh" else k.name_en for k in load_registry()}
    points = (now["on_time_rate"] - before["on_time_rate"]) * 100
    relative = (now["received"] - before["received"]) / before["received"] * 100
    assert abs(points) >= 0.05 and abs(relative) >= 0.05  # neither shows as ±0.0
    unit = " 个百分点" if lang == "zh" else " pt"
    sign = {True: "+", False: "−"}
    assert rows[names["complaint_on_time_rate"]]["previous"] == f"{sign[points > 0]}{abs(points):.1f}{unit}"
    assert rows[names["complaints_received"]]["previous"] == f"{sign[relative > 0]}{abs(relative):.1f}%"
    # the city score, by DESIGN §6 here (actual/target, target/actual when lower is better, capped at 1.25, the
    # mean over the scored KPIs with a value), shown with two decimals as the overview shows it (0.93, not 93.0)
    values, scores = {row.id: row.value for row in report.kpis}, []
    for kpi in load_registry().scored:
        value = values.get(kpi.id)
        if value is not None and kpi.target is not None:
            higher = kpi.direction == "higher"
            whole = (value / kpi.target if kpi.target else 1.25) if higher else (kpi.target / value if value else 1.25)
            scores.append(min(max(whole, 0.0), 1.25))
    assert context(report, load_registry(), lang)["score_text"] == f"{sum(scores) / len(scores):.2f}"
