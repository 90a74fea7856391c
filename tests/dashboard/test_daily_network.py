"""The trend's daily network KPIs are totalled by the database (one row a day); they must be the KPIs of
:func:`dashboard.kpis.traffic.network_measures_of` over the same per-segment rows, on both dialects, and a small
day worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from sqlalchemy import insert

from dashboard.db.models import RoadSegment, TrafficDaily
from dashboard.kpis.traffic import network_measures, network_measures_of
from dashboard.queries import kpis

TZ = "Asia/Shanghai"
FIRST = datetime(2026, 5, 31, 16, tzinfo=UTC)  # the start of 1 June in Shanghai
DAYS = 4


def _segments(n: int, rng: np.random.Generator) -> list[dict]:
    """Segments of every class and one the grades do not know (never congested)."""
    classes = ["expressway", "arterial", "secondary", "ramp"]
    return [
        {"code": f"S{i:03d}", "name_zh": f"路{i}", "name_en": f"Road {i}", "road_class": classes[i % 4], "lanes": 2,
         "length_m": float(rng.uniform(200, 3000)) if i % 17 else 0.0,  # a segment of no length is not rated
         "free_flow_kmh": float(rng.choice([40.0, 60.0, 80.0])), "district_code": None,
         "geometry": shapely.LineString([(120.5 + i / 1000, 30.8), (120.5 + i / 1000, 30.81)])}
        for i in range(n)
    ]


def _days(segments: list[dict], rng: np.random.Generator) -> list[dict]:
    """A day per segment: speeds around each class's congestion bound, some exactly on it, some without speeds."""
    rows = []
    for d in range(DAYS):
        for i, segment in enumerate(segments):
            count = int(rng.integers(0, 5)) if (i + d) % 11 else 0
            speed = {0: 35.0, 1: 20.0, 2: 15.0, 3: 30.0}[i % 4] if i % 5 == 0 else float(rng.uniform(5, 90))
            rows.append({"day": FIRST + timedelta(days=d), "segment_code": segment["code"], "observations": count,
                         "speeds": count, "inverse_speed_sum": count / speed, "speed_sum": count * speed})
    return rows


def _values(measures: dict) -> dict:
    return {day: {k: (m.value, m.numerator, m.denominator) for k, m in kpis_of.items()}
            for day, kpis_of in measures.items()}


def test_the_database_totals_give_the_kpis_of_the_per_segment_rows(engine):
    rng = np.random.default_rng(5)
    segments = _segments(60, rng)
    days = _days(segments, rng)
    with engine.begin() as conn:
        conn.execute(insert(RoadSegment), segments)
        conn.execute(insert(TrafficDaily), days)
    summed = kpis._daily_network(engine, FIRST, FIRST + timedelta(days=DAYS), TZ)
    by_code = {s["code"]: s for s in segments}
    columns = [
        [row["day"] for row in days],
        *([by_code[row["segment_code"]][c] for row in days] for c in ("length_m", "free_flow_kmh", "road_class")),
        [row["speeds"] for row in days], [row["inverse_speed_sum"] for row in days],
    ]
    expected = network_measures_of(*columns)
    assert sorted(summed) == sorted(expected) == [FIRST + timedelta(days=d) for d in range(DAYS)]
    for day, values in _values(summed).items():
        for kpi, got in values.items():
            assert got == pytest.approx(_values(expected)[day][kpi], rel=1e-12), (day, kpi)


def test_a_day_worked_by_hand(engine):
    """Renmin Rd 1,000 m at 30 km/h (two readings of 30), Jiefang Rd 500 m at 20 km/h (its class's bound:
    congested), both arterial, free flow 60 and 40: TTI (1000·60/30 + 500·40/20) / 1500 = 2, speed
    1500 / (1000/30 + 500/20) = 25.714… km/h, congested share 500 / 1500 = 1/3, over 1.5 km and 2 segments."""
    road = {"lanes": 2, "district_code": None, "road_class": "arterial",
            "geometry": shapely.LineString([(120.5, 30.8), (120.51, 30.8)])}
    with engine.begin() as conn:
        conn.execute(insert(RoadSegment), [
            {**road, "code": "R1", "name_zh": "人民路", "name_en": "Renmin Rd", "length_m": 1000.0,
             "free_flow_kmh": 60.0},
            {**road, "code": "R2", "name_zh": "解放路", "name_en": "Jiefang Rd", "length_m": 500.0,
             "free_flow_kmh": 40.0},
        ])
        conn.execute(insert(TrafficDaily), [
            {"day": FIRST, "segment_code": "R1", "speeds": 2, "inverse_speed_sum": 2 / 30, "observations": 2},
            {"day": FIRST, "segment_code": "R2", "speeds": 1, "inverse_speed_sum": 1 / 20, "observations": 1},
        ])
    (measures,) = kpis._daily_network(engine, FIRST, FIRST + timedelta(days=1), TZ).values()
    assert measures["traffic_tti"].value == pytest.approx(2.0)
    assert measures["traffic_network_speed"].value == pytest.approx(1500 / (1000 / 30 + 500 / 20))
    assert measures["traffic_congested_share"].value == pytest.approx(1 / 3)
    assert (measures["traffic_tti"].numerator, measures["traffic_tti"].denominator) == (pytest.approx(1.5), 2)


def test_a_periods_network_is_that_of_its_per_segment_sums(engine):
    """Over a period (a whole day and the hours of the next, edges included), the totals the database sums give
    the KPIs of :func:`network_measures` over the per-segment sums of :func:`kpis.segment_sums`; a period without a
    rated segment has no value."""
    rng = np.random.default_rng(8)
    segments = _segments(40, rng)
    with engine.begin() as conn:
        conn.execute(insert(RoadSegment), segments)
        conn.execute(insert(TrafficDaily), _days(segments, rng))
    start, end = FIRST + timedelta(days=1), FIRST + timedelta(days=3)
    got = kpis.period_network(engine, start, end, TZ)
    expected = network_measures(*list(zip(*kpis.segment_sums(engine, start, end, TZ), strict=True))[1:])
    assert got["traffic_tti"].value is not None
    for kpi, measure in got.items():
        want = expected[kpi]
        assert (measure.value, measure.numerator, measure.denominator) == pytest.approx(
            (want.value, want.numerator, want.denominator), rel=1e-12), kpi
    quiet = kpis.period_network(engine, FIRST + timedelta(days=DAYS), FIRST + timedelta(days=DAYS + 1), TZ)
    assert {kpi: m.value for kpi, m in quiet.items()} == dict.fromkeys(quiet, None)
    assert set(quiet) == set(got)
