"""The daily AQI (HJ 633: 24-hour means, O3's maximum 8-hour mean) equals the oracle's over random days with
missing hours, under both breakpoint sets; and a hand-worked day."""

from __future__ import annotations

import random

import pytest

from dashboard.kpis.aqi import HJ633_2012, HJ633_2026, POLLUTANTS, daily_aqi
from tests.oracle import aqi as oracle

#: Ranges of 1-hour concentrations drawn (µg/m³; CO mg/m³), wide enough to cross several bands.
RANGES = {"pm25": 300, "pm10": 500, "so2": 400, "no2": 300, "co": 12, "o3": 900}


def _day(rng: random.Random) -> dict[str, list[float | None]]:
    day = {}
    for pollutant in POLLUTANTS:
        missing = rng.choice([0, 0, 2, 4, 5, 8, 12])
        hours = [round(rng.uniform(0, RANGES[pollutant]) * rng.random(), 1) for _ in range(24)]
        for hour in rng.sample(range(24), missing):
            hours[hour] = None
        day[pollutant] = hours
    return day


@pytest.mark.parametrize(("breakpoints", "table"), [(HJ633_2012, oracle.DAILY), (HJ633_2026, oracle.DAILY_2026)])
def test_daily_aqi_equals_the_oracle(breakpoints, table):
    rng = random.Random(20261202)
    for _ in range(400):
        day = _day(rng)
        ours, theirs = daily_aqi(day, breakpoints), oracle.daily_aqi(day, table)
        assert (None if ours is None else (ours.aqi, ours.primary)) == theirs, day


def test_a_hand_worked_day():
    """PM2.5 at 80 µg/m³ every hour: IAQI 100 + 50 × (80 − 75) / (115 − 75) = 106.25 → 107 under HJ 633-2012;
    under HJ 633-2026 (60–115 → 100–150): 100 + 50 × 20 / 55 = 118.2 → 119. O3 at 120 for hours 10–17, 20
    otherwise: maximum 8-hour mean 120 → 50 + 50 × 20 / 60 = 66.7 → 67."""
    day = {"pm25": [80.0] * 24, "o3": [120.0 if 10 <= h < 18 else 20.0 for h in range(24)]}
    old, new = daily_aqi(day, HJ633_2012), daily_aqi(day, HJ633_2026)
    assert (old.iaqi, old.aqi, old.primary) == ({"pm25": 107, "o3": 67}, 107, ("pm25",))
    assert (new.aqi, new.primary) == (119, ("pm25",))
    assert daily_aqi({"pm25": [80.0] * 19 + [None] * 5}) is None  # 19 hours: no valid 24-hour mean
