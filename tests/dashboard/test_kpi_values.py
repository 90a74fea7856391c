"""Every KPI of DESIGN §6 from the rollups on the synthetic city, computed by hand (see synthetic_city), on
both dialects; edge cases: no data, zero denominators, local days of Asia/Shanghai against UTC storage."""

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from dashboard.db import rollups
from dashboard.kpis.cityscore import city_score
from dashboard.kpis.complaints import complaint_measures
from dashboard.kpis.freshness import domain_freshness, feed_freshness, row_freshness
from dashboard.kpis.halls import hall_measures
from dashboard.kpis.periods import period_bounds
from dashboard.kpis.ranking import rank_departments
from dashboard.kpis.registry import load_registry
from dashboard.queries import kpis
from tests.dashboard.synthetic_city import NOW

TZ = "Asia/Shanghai"
REGISTRY = load_registry()


@pytest.fixture
def rolled(city):
    with city.begin() as conn:
        for domain in rollups.ROLLUPS:
            rollups.rebuild(conn, domain)
    return city


def _values(engine, period="day", back=0):
    start, end = period_bounds(NOW, TZ, period, back)
    table = kpis.kpi_values(engine, REGISTRY, start, end, NOW, TZ)
    return table, table.set_index("id")


def test_today_by_hand(rolled):
    table, v = _values(rolled)
    value = v["value"]
    # complaints: 5 received since local midnight (16:00 UTC), one of them (C3) closed after 1 h
    assert value["complaints_received"] == 5
    assert value["complaint_closure_rate"] == pytest.approx(1 / 5)
    assert (v.at["complaint_closure_rate", "numerator"], v.at["complaint_closure_rate", "denominator"]) == (1, 5)
    assert value["complaint_handling_hours"] == pytest.approx(1.0)
    assert value["complaint_handling_hours_median"] == pytest.approx(1.0)
    assert value["complaint_return_rate"] == 0
    assert math.isnan(value["complaint_on_time_rate"])  # nothing due today: no value, not 0 %
    assert math.isnan(value["complaint_satisfaction"])
    assert value["complaints_per_10k"] == pytest.approx(5 / 0.5 / 350_000 * 10_000)  # half a day so far
    # as of now: 9 open tickets, C23 overdue
    assert (value["complaint_backlog"], value["complaint_overdue"]) == (9, 1)
    # halls: waits 10, 20, 60 min; one over 30; P90 by linear interpolation 20 + 0.8 × 40
    assert value["hall_wait_minutes"] == pytest.approx(30)
    assert value["hall_long_wait_share"] == pytest.approx(1 / 3)
    assert value["hall_wait_p90_minutes"] == pytest.approx(52)
    assert value["hall_online_rate"] == 0
    # traffic: harmonic speeds 30, 24, 17.14 km/h on 1, 2, 1 km at free flow 60 → TTI 2, 2.5, 3.5
    assert value["traffic_tti"] == pytest.approx(2.625)
    assert value["traffic_tpi"] == pytest.approx(5.25)
    assert value["traffic_network_speed"] == pytest.approx(4 / (1 / 30 + 2 / 24 + 1 / (120 / 7)))
    assert value["traffic_congested_share"] == pytest.approx(0.25)  # R3 at 17 km/h: arterial 中度拥堵
    # air: hour 01 all at 900 (AQI 500), hour 03 PM2.5 60 → 100 (HJ 633-2026); noise 55 dB(A) by day ≤ 60
    assert value["air_aqi"] == pytest.approx(300)
    assert (value["air_exceedance_hours"], v.at["air_exceedance_hours", "denominator"]) == (1, 2)
    assert value["noise_compliance"] == 1
    scored = table[table["scored"] & table["score"].notna()]
    assert city_score(table) == pytest.approx(scored["score"].mean())


def test_yesterday_is_the_local_day(rolled):
    _, v = _values(rolled, back=1)
    # C10–C12 at 13:00–15:00 UTC on 11-20 are 21:00–23:00 local; C4 at 23:00 UTC on 11-20 is today's 07:00
    assert v.at["complaints_received", "value"] == 3
    # C23 was due yesterday 12:00 local and is still open: due 1, met 0
    assert (v.at["complaint_on_time_rate", "numerator"], v.at["complaint_on_time_rate", "denominator"]) == (0, 1)
    assert v.at["complaint_on_time_rate", "value"] == 0


def test_month_cohorts(rolled):
    _, v = _values(rolled, "month")
    # due this month (from 11-01 local): C21 met, C22 late, C23 open, C20 (due 11-06) met → 2 / 4 … and C24 not yet
    assert (v.at["complaint_on_time_rate", "numerator"], v.at["complaint_on_time_rate", "denominator"]) == (2, 4)


def test_trend_and_ranking(rolled):
    trend = kpis.kpi_trend(rolled, REGISTRY, NOW, TZ, 3)
    assert [str(d) for d in trend["day"]] == ["2026-11-19", "2026-11-20", "2026-11-21"]
    assert list(trend["complaints_received"]) == [0, 3, 5]
    today = _values(rolled)[1]["value"]
    for kpi in ("traffic_tti", "air_aqi", "noise_compliance", "hall_wait_minutes", "complaint_closure_rate"):
        assert trend[kpi].iloc[-1] == pytest.approx(today[kpi]), kpi  # today's point is today's value
    assert trend["city_score"].iloc[-1] == pytest.approx(city_score(_values(rolled)[0]))
    later = NOW + timedelta(days=1)  # the same day, whole and past: read from the daily level
    whole = kpis.kpi_values(rolled, REGISTRY, *period_bounds(NOW, TZ, "day"), later, TZ).set_index("id")["value"]
    past = kpis.kpi_trend(rolled, REGISTRY, later, TZ, 3).iloc[-2]
    for kpi in ("traffic_tti", "traffic_congested_share", "air_aqi", "noise_compliance", "hall_wait_minutes"):
        assert past[kpi] == pytest.approx(whole[kpi]), kpi
    ranking = kpis.department_ranking(rolled, REGISTRY, *period_bounds(NOW, TZ, "month"), TZ)
    assert list(ranking["department_code"]) == ["D2", "D1"]  # D1: on time 2/5 → lower score


def test_empty_database_has_no_values(engine):
    table, v = _values(engine)
    assert (
        v.loc[v.index != "complaints_received", "value"]
        .drop(["complaint_backlog", "complaint_overdue", "complaints_per_10k"])
        .isna()
        .all()
    )
    assert city_score(table) is None
    assert kpis.department_ranking(engine, REGISTRY, *period_bounds(NOW, TZ, "day"), TZ).empty


def test_department_score_is_the_weighted_mean_of_the_components_each_has():
    """By hand, weights on time 0.5, satisfaction 0.3, return 0.2: A = 0.8·0.5 + 0.8·0.3 + (1 − 0.1)·0.2 = 0.82;
    B has no rated ticket, so its score is (1.0·0.5 + (1 − 0.5)·0.2) / (0.5 + 0.2) = 6/7; C has no data."""
    sums = pd.DataFrame({
        "department_code": ["A", "B", "C"], "due": [10, 4, 0], "due_met": [8, 4, 0], "rated": [5, 0, 0],
        "satisfied": [4, 0, 0], "received": [10, 4, 0], "returned": [1, 2, 0],
    })
    ranked = rank_departments(sums, {"on_time_rate": 0.5, "satisfaction": 0.3, "return_rate": 0.2})
    assert list(ranked["department_code"]) == ["B", "A", "C"]
    assert ranked["rank"].tolist() == [1, 2, pd.NA]
    assert ranked["score"].iloc[0] == pytest.approx(6 / 7) and ranked["score"].iloc[1] == pytest.approx(0.82)
    assert math.isnan(ranked["score"].iloc[2])
    unscored = rank_departments(sums.iloc[[2]], {"on_time_rate": 1.0})
    assert str(unscored["rank"].dtype) == "Int64" and unscored["rank"].isna().all()


def test_a_department_returning_more_tickets_than_it_received_scores_no_less_than_zero_on_returns():
    """Returns count every time a ticket comes back, so they can outnumber the tickets received: D received 2
    and had 3 returns, a return rate of 1.5, whose inverted component is 0 (not −0.5). D has no other data, so
    its score is 0; E (on time 1 of 2, weight 0.5 alone) scores 0.5 and ranks first. Same scores rank alike,
    then by tickets due: F ties D at 0 with 1 ticket due (and none met), and comes before it. Both rank 2."""
    sums = {
        "department_code": ["D", "E", "F"], "due": [0, 2, 1], "due_met": [0, 1, 0], "rated": [0, 0, 0],
        "satisfied": [0, 0, 0], "received": [2, 0, 0], "returned": [3, 0, 0], "name_zh": ["丁", "戊", "己"],
    }
    ranked = rank_departments(sums, {"on_time_rate": 0.5, "satisfaction": 0.3, "return_rate": 0.2}, keep=("name_zh",))
    assert list(ranked["department_code"]) == ["E", "F", "D"]
    assert ranked["score"].tolist() == [0.5, 0.0, 0.0]
    assert ranked["return_rate"].iloc[2] == 1.5 and ranked["rank"].tolist() == [1, 2, 2]
    assert ranked["name_zh"].tolist() == ["戊", "己", "丁"] and list(ranked.columns)[-1] == "name_zh"


def test_a_feed_turns_stale_when_its_runs_are_late_or_its_data_too_old():
    """Newest data 08:00, last success 08:05, interval 60 s, factor 2: late after 08:07; with a data age of
    600 s, too old after 08:10; stale since the earlier of the limits passed."""
    at = lambda hh, mm: datetime(2026, 11, 21, hh, mm, tzinfo=UTC)  # noqa: E731
    assert feed_freshness(at(8, 0), at(8, 5), 60, None, at(8, 6), 2).stale_since is None
    assert feed_freshness(at(8, 0), at(8, 5), 60, None, at(8, 8), 2).stale_since == at(8, 7)
    assert feed_freshness(at(8, 0), at(8, 5), 60, 600, at(8, 12), 2).stale_since == at(8, 7)
    assert feed_freshness(at(8, 0), None, 60, 600, at(8, 12), 2).stale_since == at(8, 10)
    assert feed_freshness(at(8, 0), None, 60, 600, at(8, 9), 2).stale_since is None
    never = feed_freshness(None, None, 60, None, at(8, 9), 2)
    assert never.stale and never.as_of is None
    feeds = pd.DataFrame({
        "domain": ["traffic", "traffic", "sensors", "traffic"],
        "enabled": [1, 1, 1, 0],
        "max_source_time": [pd.Timestamp(at(8, 4)), pd.Timestamp(at(8, 0)), pd.Timestamp(at(7, 0)),
                            pd.Timestamp(at(6, 0))],
        "last_success_at": [pd.Timestamp(at(8, 7)), pd.Timestamp(at(8, 5)), pd.Timestamp(at(7, 0)),
                            pd.Timestamp(at(6, 0))],
        "interval_s": [60.0, 60.0, 60.0, 60.0],
        "max_data_age_s": [None, None, None, None],
    })
    traffic = domain_freshness(feeds, ["traffic"], at(8, 8), 2)
    assert (traffic.as_of, traffic.stale_since) == (at(8, 4), at(8, 7))  # the disabled feed does not count
    assert domain_freshness(feeds, ["traffic"], at(8, 8), 3).stale_since is None  # limits at 08:10 and 08:08
    assert row_freshness(next(feeds.itertuples()), at(8, 10), 2).stale_since == at(8, 9)


def test_complaint_measures_from_rollup_sums_by_hand():
    """A 2-day period, 1,000,000 people: 40 received (30 of them closed, 4 returned), 25 closed in the period
    (2 of them redone, 90,000 s of handling), 20 due (15 met), 10 rated (8 satisfied)."""
    sums = {"received": 40, "received_closed": 30, "returned": 4, "closed": 25, "handling_seconds": 90_000,
            "due": 20, "due_met": 15, "rated": 10, "satisfied": 8, "reopened": 2}
    measures = {k: (m.value, m.numerator, m.denominator) for k, m in complaint_measures(sums, 2, 1_000_000).items()}
    assert measures == {
        "complaints_received": (40.0, None, None),
        "complaint_closure_rate": (0.75, 30.0, 40.0),
        "complaint_on_time_rate": (0.75, 15.0, 20.0),
        "complaint_satisfaction": (0.8, 8.0, 10.0),
        "complaint_return_rate": (0.1, 4.0, 40.0),
        "complaint_redo_rate": (0.08, 2.0, 25.0),
        "complaint_handling_hours": (1.0, 25.0, 25.0),  # 90,000 s / 25 closed = 3,600 s
        "complaints_per_10k": (pytest.approx(0.2), 20.0, 1_000_000.0),  # 20 a day per 10,000 of 1,000,000
    }


def test_hall_measures_from_rollup_sums_by_hand():
    """50 tickets issued (20 online), 40 called after 36,000 s of waiting in all (4 over 30 minutes), 30 finished
    after 18,000 s of service, 20 of 25 visitors came once, 9 of 10 ratings good."""
    sums = {"issued": 50, "called": 40, "wait_seconds": 36_000, "waited_over_30min": 4, "finished": 30,
            "handling_seconds": 18_000, "online": 20, "with_visits": 25, "single_visit": 20, "rated": 10,
            "rated_good": 9}
    assert {k: m.value for k, m in hall_measures(sums).items()} == {
        "hall_wait_minutes": 15.0,
        "hall_long_wait_share": 0.1,
        "hall_handling_minutes": 10.0,
        "hall_online_rate": 0.4,
        "hall_one_visit_rate": 0.8,
        "hall_good_rating_rate": 0.9,
    }
