"""Periods with partial first and last hours, read from the rollups, equal the facts of exactly the period: the
road segments' sums, the duration percentiles, the department ranking, the halls' and traffic's day series, and
the sums per hall, service item and road class.

The period runs from 10:30 on 18 November to 13:20 on 21 November 2026 in Shanghai (02:30 and 05:20 UTC): a
partial first hour, two whole local days, a partial last hour. Every fact below lies in one of the two partial
hours, inside or outside the period, or in the whole hours between; the expected values are counted by hand or
by plain pandas over the facts (tests/oracle).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.db import rollups
from dashboard.db.models import (
    Complaint,
    Department,
    HallTicket,
    RoadSegment,
    ServiceHall,
    ServiceType,
    TrafficObservation,
)
from dashboard.kpis.registry import load_registry
from dashboard.kpis.traffic import network_measures_of
from dashboard.queries import halls, kpis, traffic
from dashboard.queries.halls import hall_series
from tests.oracle import oracle

TZ = "Asia/Shanghai"
START = datetime(2026, 11, 18, 2, 30, tzinfo=UTC)
END = datetime(2026, 11, 21, 5, 20, tzinfo=UTC)
#: The local day the period ends in, for the ranking read up to ``END`` as "now".
DAY_END = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def _ticket(i, category, department, requested, closed=None, due=None, revisited=None, satisfaction=None,
            returned=0):
    return {"source": "t", "source_id": f"C{i}", "category": category, "department_code": department,
            "status": "closed" if closed else "accepted", "requested_at": requested, "closed_at": closed,
            "due_at": due, "revisited_at": revisited, "updated_at": requested, "satisfaction": satisfaction,
            "returned_count": returned, "ingested_at": requested, "district_code": "339901"}


#: Departments: noise is D1's, roads D2's, misc nobody's; a ticket naming a department is that department's.
TICKETS = [
    # first hour: before the period (received, due, closed) and in it (closed and rated at 02:40)
    _ticket(1, "noise", None, START - 20 * M, START + 10 * M, START - 10 * M, None, "satisfied"),
    _ticket(2, "roads", None, START + 5 * M, START + 3 * H - 5 * M, START + 4 * H, START + D, "unsatisfied"),
    _ticket(8, "noise", None, START - D, START + 25 * M, START + 20 * M, None, "unsatisfied"),
    _ticket(10, "noise", None, START - 100 * H, START - 5 * M, START - 2 * H),
    # whole hours
    _ticket(3, "misc", "D2", datetime(2026, 11, 19, 10, tzinfo=UTC), None, datetime(2026, 11, 19, 20, tzinfo=UTC),
            returned=1),
    _ticket(9, "noise", "D1", datetime(2026, 11, 20, 2, tzinfo=UTC), datetime(2026, 11, 20, 9, tzinfo=UTC),
            datetime(2026, 11, 21, 2, tzinfo=UTC), datetime(2026, 11, 20, 12, tzinfo=UTC), "basically_satisfied"),
    _ticket(7, "misc", None, datetime(2026, 11, 19, 3, tzinfo=UTC)),
    # last hour: in the period (received, closed, rated; due after it) and after it
    _ticket(4, "noise", "D2", END - 10 * M, END - 5 * M, END + 20 * M, None, "satisfied"),
    _ticket(6, "noise", None, datetime(2026, 11, 17, tzinfo=UTC), END - 35 * M, END - 30 * M, END + 5 * M,
            "satisfied"),
    _ticket(5, "roads", None, END + 10 * M, END + 15 * M, END + 30 * M),
    _ticket(11, "noise", None, END - 200 * H, END + 30 * M, END + D),
]


def _hall(i, issued, wait_minutes):
    called = None if wait_minutes is None else issued + wait_minutes * M
    return {"source": "q", "source_id": f"Q{i}", "hall_code": "H1", "issued_at": issued, "called_at": called,
            "updated_at": issued}


HALL_TICKETS = [
    _hall(1, START - 10 * M, 100), _hall(2, START + 10 * M, 12), _hall(3, datetime(2026, 11, 19, 3, tzinfo=UTC), 25),
    _hall(4, datetime(2026, 11, 20, 8, tzinfo=UTC), 40), _hall(5, END - 15 * M, 3), _hall(6, END + 5 * M, 200),
    _hall(7, datetime(2026, 11, 19, 9, tzinfo=UTC), None), _hall(8, datetime(2026, 11, 18, 20, tzinfo=UTC), 61),
]


def _observation(i, segment, at, speed):
    return {"source": "f", "source_id": f"O{i}", "segment_code": segment, "observed_at": at, "speed_kmh": speed}


OBSERVATIONS = [
    _observation(1, "R1", START - 20 * M, 10.0), _observation(2, "R1", START + 15 * M, 30.0),
    _observation(3, "R1", datetime(2026, 11, 19, 10, tzinfo=UTC), 40.0), _observation(4, "R1", END - 10 * M, 20.0),
    _observation(5, "R1", END + 10 * M, 5.0), _observation(6, "R1", START + 20 * M, 0.0),
    _observation(7, "R2", START + 20 * M, 60.0), _observation(8, "R2", datetime(2026, 11, 20, 3, tzinfo=UTC), 70.0),
    _observation(9, "R2", END + 20 * M, 10.0), _observation(10, "R3", START - 25 * M, 12.0),
]


def _road(code, road_class, length, free_flow):
    return {"code": code, "name_zh": code, "name_en": code, "road_class": road_class, "length_m": length,
            "free_flow_kmh": free_flow, "geometry": shapely.LineString([(120.5, 30.8), (120.6, 30.9)])}


@pytest.fixture
def edges_city(engine):
    """The facts above, their rollups built for Shanghai, and the oracle's reading of them."""
    tables = {
        Department: [{"code": c, "name_zh": f"部门{c}", "name_en": f"Dept {c}"} for c in ("D1", "D2")],
        ServiceType: [{"code": "noise", "name_zh": "噪声", "name_en": "Noise", "department_code": "D1"},
                      {"code": "roads", "name_zh": "道路", "name_en": "Roads", "department_code": "D2"},
                      {"code": "misc", "name_zh": "其他", "name_en": "Other", "department_code": None}],
        RoadSegment: [_road("R1", "arterial", 1000.0, 60.0), _road("R2", "expressway", 2000.0, 80.0),
                      _road("R3", "secondary", 500.0, 40.0)],
        ServiceHall: [{"code": "H1", "name_zh": "大厅", "name_en": "Hall", "lon": 120.6, "lat": 30.9}],
        Complaint: TICKETS,
        HallTicket: HALL_TICKETS,
        TrafficObservation: OBSERVATIONS,
    }
    with engine.begin() as conn:
        for model, rows in tables.items():
            conn.execute(insert(model), rows)
        for domain in rollups.ROLLUPS:
            rollups.rebuild(conn, domain, TZ)
    return engine, oracle.Facts.read(engine)


def test_segment_sums_count_the_observations_of_the_partial_hours(edges_city):
    engine, facts = edges_city
    rows = kpis.segment_sums(engine, START, END, TZ)
    measures = network_measures_of(*zip(*rows, strict=True))
    # R1: 30, 40 and 20 km/h (not 10 at 02:10 nor 5 at 05:30; 0 is no speed); R2: 60 and 70 (not 10 at 05:40);
    # R3's only observation (02:05) lies before the period
    assert {code: speeds for code, *_, speeds, _ in rows if speeds} == {"R1": 3, "R2": 2}
    r1 = dict((code, inverse) for code, *_, inverse in rows)["R1"]
    assert r1 == pytest.approx(1 / 30 + 1 / 40 + 1 / 20)
    expected = oracle.segment_tpi(facts, START, END, END)
    assert {code: m["traffic_tpi"].value for code, m in measures.items()} == pytest.approx(expected)
    network = kpis.period_measures(engine, START, END, TZ)
    assert network["traffic_tpi"].value == pytest.approx(oracle.traffic_numbers(facts, START, END, END)["tpi"])


def test_duration_percentiles_of_exactly_the_period(edges_city):
    """The histograms hold one duration per bucket here, so the percentiles are numpy's over the facts."""
    engine, facts = edges_city
    measures = kpis.period_measures(engine, START, END, TZ)
    closed = [t for t in TICKETS if t["closed_at"] and START <= t["closed_at"] < END]
    hours = [(t["closed_at"] - t["requested_at"]) / H for t in closed]
    assert sorted(t["source_id"] for t in closed) == ["C1", "C2", "C4", "C6", "C8", "C9"]
    waits = [12, 25, 40, 3, 61]  # the hall tickets issued 02:40, 03:00 (19th), 08:00 (20th), 05:05, 20:00 (18th)
    expected = {"complaint_handling_hours_median": np.percentile(hours, 50),
                "complaint_handling_hours_p90": np.percentile(hours, 90),
                "hall_wait_p90_minutes": np.percentile(waits, 90)}
    assert {k: measures[k].value for k in expected} == pytest.approx(expected, rel=1e-6)
    assert expected["hall_wait_p90_minutes"] == pytest.approx(52.6)
    numbers = oracle.duration_percentiles(facts, START, END, END)
    assert measures["complaint_handling_hours_p90"].value == pytest.approx(numbers["handling_hours_p90"], rel=1e-6)
    # a period inside one hour reads its facts alone
    inside = kpis.period_measures(engine, END - 15 * M, END, TZ)
    assert inside["hall_wait_p90_minutes"].value == pytest.approx(3.0, rel=1e-6)


def test_department_ranking_counts_the_partial_hours_and_only_deadlines_passed(edges_city, monkeypatch):
    """Read up to 13:20 on the 21st (now) for that whole day: ticket 4, due at 13:40, is not due yet."""
    engine, facts = edges_city
    monkeypatch.setattr("dashboard.clock.now", lambda: END)
    registry = load_registry()
    sums = pd.DataFrame(kpis.department_sums(engine, START, DAY_END, TZ)).set_index("department_code")
    # D1: due 8 (late), 6 and 9 (met); rated 1, 8, 9 (not 6: revisited after now); received 9
    # D2: due 2 (met) and 3 (open); rated 2 and 4; received 2, 3, 4 (ticket 3 returned once)
    assert sums.loc["D1", ["due", "due_met", "rated", "satisfied", "received"]].tolist() == [3, 2, 3, 2, 1]
    assert sums.loc["D2", ["due", "due_met", "rated", "satisfied", "received", "returned"]].tolist() == [2, 1, 2, 1,
                                                                                                         3, 1]
    assert list(sums.index) == ["D1", "D2"] and sums.loc["D1", "name_en"] == "Dept D1"
    ranked = kpis.department_ranking(engine, registry, START, DAY_END, TZ)
    expected = oracle.department_ranking(facts, START, DAY_END, END, dict(registry.ranking_weights))
    columns = ["department_code", "rank", "score", "on_time_rate", "satisfaction", "return_rate", "due", "rated",
               "received"]
    got = ranked[columns].astype({"rank": float}).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected[columns].astype({"rank": float}), check_dtype=False)
    assert (ranked["on_time_rate"] <= 1).all()


def test_hall_and_traffic_days_count_the_partial_hours(edges_city):
    engine, facts = edges_city
    halls = hall_series(engine, START, END, TZ, "day")
    network = kpis.network_series(engine, START, END, TZ, "day")
    days = [datetime(2026, 11, d, 16, tzinfo=UTC) for d in (17, 18, 19, 20)]
    assert list(halls["hour"]) == [pd.Timestamp(d) for d in days]
    # the 18th from 10:30: ticket 2 (not 1, at 10:20); the 19th: 8 (04:00), 3 and 7; the 20th: 4; the 21st up to
    # 13:20: 5 (not 6, at 13:25)
    assert halls["issued"].tolist() == [1, 3, 1, 1]
    for day, issued, wait, tpi in zip(days, halls["issued"], halls["wait_min"], network.set_index("hour")["tpi"]
                                      .reindex(halls["hour"]), strict=True):
        begin, end = max(day, START), min(day + D, END)
        numbers = oracle.hall_numbers(facts, begin, end, END)
        assert issued == ((facts.halls["issued_at"] >= begin) & (facts.halls["issued_at"] < end)).sum()
        assert wait == pytest.approx(numbers["wait_minutes"])
        expected = oracle.traffic_numbers(facts, begin, end, END)["tpi"]
        assert (pd.isna(tpi) and expected is None) or tpi == pytest.approx(expected), day
    months = kpis.network_series(engine, START, END, TZ, "month")
    assert len(months) == 1 and months["tpi"].iloc[0] > 0


def test_per_hall_per_item_and_per_class_sums_count_the_partial_hours(edges_city):
    engine, _ = edges_city
    # tickets 2, 3, 4, 5, 7 and 8 issued in the period (not 1 at 10:20 nor 6 at 13:25); 7 never called
    stats = halls.hall_stats(engine, START, END).set_index("code")
    assert (stats.at["H1", "issued"], stats.at["H1", "called"]) == (6, 5)
    assert stats.at["H1", "wait_min"] == pytest.approx((12 + 25 + 40 + 3 + 61) / 5)
    items = halls.hall_items(engine, START, END)
    assert items["issued"].tolist() == [6] and items["wait_min"].iloc[0] == pytest.approx(28.2)
    classes = traffic.road_class_speeds(engine, START, END).set_index("road_class")
    assert classes["speed_kmh"].to_dict() == pytest.approx({"arterial": 3 / (1 / 30 + 1 / 40 + 1 / 20),
                                                            "expressway": 2 / (1 / 60 + 1 / 70)})
    assert classes["segments"].to_dict() == {"arterial": 1, "expressway": 1}


def test_hourly_hall_trend_counts_from_the_start_and_up_to_the_end(edges_city):
    engine, _ = edges_city
    first = halls.hall_trend(engine, START, START + 2 * H)
    # 02:00: ticket 2 from 02:30 (not 1, at 02:20); 03:00: nothing issued
    assert first["hour"].tolist() == [pd.Timestamp("2026-11-18T02:00Z")] and first["issued"].tolist() == [1]
    assert first["wait_min"].tolist() == [12.0]
    last = halls.hall_trend(engine, END - H, END)
    # 04:00: nothing; 05:00: ticket 5 up to 05:20 (not 6, at 05:25)
    assert last["hour"].tolist() == [pd.Timestamp("2026-11-21T05:00Z")] and last["wait_min"].tolist() == [3.0]


def test_hourly_traffic_trend_counts_from_the_start_and_up_to_the_end(edges_city):
    engine, _ = edges_city
    first = traffic.traffic_trend(engine, START, START + 2 * H)
    # 02:00 from 02:30: R1 at 30 km/h (and a standing observation), R2 at 60 (not R1's 10 nor R3's 12 before 02:30)
    assert first["hour"].tolist() == [pd.Timestamp("2026-11-18T02:00Z")]
    # the network speed is total length over total travel time (1000 m of R1, 2000 m of R2); neither is congested
    # by its class's grade (arterial at or below 20 km/h, expressway at or below 35)
    assert first["speed_kmh"].iloc[0] == pytest.approx(3000 / (1000 / 30 + 2000 / 60))
    assert first["tti"].iloc[0] == pytest.approx((1000 * 60 / 30 + 2000 * 80 / 60) / 3000)
    assert first["congested_pct"].iloc[0] == 0
    last = traffic.traffic_trend(engine, END - H, END)
    # 05:00 up to 05:20: R1 at 20 km/h (not 5 at 05:30, nor R2's 10 at 05:40)
    assert last["hour"].tolist() == [pd.Timestamp("2026-11-21T05:00Z")]
    assert last["speed_kmh"].tolist() == pytest.approx([20.0])
    assert last["congested_pct"].tolist() == pytest.approx([100.0])  # an arterial at 20 km/h: moderate congestion


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_the_period_sums_statement_writes_its_constants_into_its_text(dialect):
    """Every bound value is processed again at each execution of a statement, and an expanding list renders its
    whole text again. The period's sums (three rollups, with the facts at both partial hours) bound 322 constants
    (zeros, ones, signs, empty keys) and expanded the satisfied answers when they were bound; its constants are
    now in its text, but for the few compared with (a threshold, a channel, an answer)."""
    span = kpis._span(START, END, TZ)
    compiled = kpis._period_sums_statement(span.shape).compile(dialect=dialect)
    period = set(span.params(TZ))
    constants = [bind.value for bind in compiled.binds.values() if bind.key not in period]
    assert not compiled.post_compile_params
    assert len(constants) <= 40, constants
