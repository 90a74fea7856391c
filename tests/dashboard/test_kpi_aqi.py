"""AQI after HJ 633: hand-computed IAQI per pollutant, breakpoint edges, the SO2 1-hour rule, versions."""

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard.kpis.aqi import (
    HJ633_2012,
    HJ633_2026,
    breakpoints_for,
    epa_aqi,
    epa_iaqi,
    hourly_aqi,
    hourly_iaqi,
    level_of,
)
from dashboard.kpis.environment import city_hour_aqi
from dashboard.kpis.published import compare, primary_of


@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("pm25", 0, 0),
        ("pm25", 35, 50),  # edge: exactly on a breakpoint
        ("pm25", 35.1, 51),  # (100-50)/(75-35)*(0.1)+50 = 50.125, rounded up
        ("pm25", 75, 100),
        ("pm25", 60, 82),  # 50/40*25+50 = 81.25 → 82
        ("pm25", 500, 500),
        ("pm25", 650, 500),  # beyond the table
        ("pm10", 150, 100),
        ("pm10", 200, 125),  # 50/100*50+100
        ("no2", 100, 50),  # 1-hour nodes
        ("no2", 150, 75),
        ("co", 5, 50),  # mg/m³, 1-hour nodes
        ("co", 7.5, 75),
        ("o3", 160, 50),
        ("o3", 250, 125),  # 50/100*50+100
        ("so2", 150, 50),
        ("so2", 575, 125),  # 50/150*75+100
        ("so2", 800, 200),  # last 1-hour node
    ],
)
def test_hourly_iaqi_2012(pollutant, concentration, expected):
    assert hourly_iaqi(pollutant, concentration, HJ633_2012) == expected


def test_so2_above_800_uses_24_hour_nodes():
    # 24-hour nodes: 800→200, 1600→300; 1200 → 100/800*400+200 = 250
    assert hourly_iaqi("so2", 1200, HJ633_2012) == 250
    assert hourly_iaqi("so2", 800.5, HJ633_2012) == 201  # 0.0625 above 200, rounded up


def test_2026_set_changes_only_particulates():
    assert hourly_iaqi("pm25", 60, HJ633_2026) == 100
    assert hourly_iaqi("pm10", 120, HJ633_2026) == 100
    assert hourly_iaqi("no2", 150, HJ633_2026) == hourly_iaqi("no2", 150, HJ633_2012)
    assert breakpoints_for(date(2026, 2, 28)) is HJ633_2012
    assert breakpoints_for(date(2026, 3, 1)) is HJ633_2026


def test_aqi_is_max_iaqi_with_primary_only_above_50():
    clean = hourly_aqi({"pm25": 20, "no2": 60, "o3": 100}, HJ633_2012)
    assert clean.aqi == 32  # o3 100/160*50 = 31.25 → 32
    assert clean.primary == ()
    assert clean.level.key == "excellent"
    dirty = hourly_aqi({"pm25": 115, "pm10": 250, "co": None}, HJ633_2012)
    assert dirty.aqi == 150
    assert dirty.primary == ("pm25", "pm10")  # a tie names both
    assert dirty.level.key == "light"
    assert dirty.level.color == "#FF7E00"
    assert hourly_aqi({"laeq": 60}) is None


@pytest.mark.parametrize(
    ("aqi", "key"),
    [
        (0, "excellent"),
        (50, "excellent"),
        (51, "good"),
        (100, "good"),
        (101, "light"),
        (200, "moderate"),
        (201, "heavy"),
        (300, "heavy"),
        (301, "severe"),
        (500, "severe"),
    ],
)
def test_levels(aqi, key):
    assert level_of(aqi).key == key


def test_a_published_aqi_is_compared_with_ours_from_the_same_station_hour():
    """Station A at 08:00 UTC: PM2.5 75 → IAQI 100, PM10 50 → IAQI 50 (HJ 633-2012's table, in force in 2017), so
    our AQI is 100 with PM2.5 primary; published 100 "细颗粒物(PM2.5)" agrees, published 90 at 09:00 (same
    readings) differs by 10; a station-hour without readings has no AQI of ours; a missing figure is skipped."""
    at8, at9 = pd.Timestamp("2017-07-08 08:00", tz="UTC"), pd.Timestamp("2017-07-08 09:00", tz="UTC")
    readings = pd.DataFrame(
        [("cnemc", "A", at, q, v) for at in (at8, at9) for q, v in (("pm25", 75.0), ("pm10", 50.0))],
        columns=["source", "station_code", "observed_at", "quantity", "value"],
    )
    figures = pd.DataFrame(
        [("cnemc", "A", at8, 100, "细颗粒物(PM2.5)"), ("cnemc", "A", at9, 90, "细颗粒物(PM2.5)"),
         ("cnemc", "B", at8, 40, None), ("cnemc", "A", at8, None, None)],
        columns=["source", "station_code", "observed_at", "value", "label"],
    )
    compared = compare(figures, readings, "Asia/Shanghai")
    rows = compared[["station_code", "published_aqi", "aqi", "primary", "difference", "agrees"]].values.tolist()
    assert rows[:2] == [["A", 100, 100, "pm25", 0, True], ["A", 90, 100, "pm25", 10, False]]
    station, published, ours, primary, difference, agrees = rows[2]
    assert (station, published, primary, agrees) == ("B", 40, "", False)
    assert pd.isna(ours) and pd.isna(difference) and len(rows) == 3
    assert primary_of("二氧化氮, 二氧化硫,一氧化碳") == "no2,so2,co"


@pytest.mark.parametrize(
    ("pollutant", "ppb_or_ugm3", "expected"),
    [
        ("pm25", 9.0, 50),
        ("pm25", 9.05, 50),  # truncated to one decimal first
        ("pm25", 20.0, 71),  # (100-51)/(35.4-9.1)*(20.0-9.1)+51 = 71.31
        ("pm25", 35.4, 100),
        ("pm25", 35.5, 101),
        ("pm25", 325.4, 500),
        ("pm25", 325.5, None),  # beyond the table
        ("pm10", 154, 100),
        ("pm10", 160, 103),  # (150-101)/(254-155)*(160-155)+101 = 103.47
        ("o3", 70, 100),  # ppb, 8-hour table
        ("o3", 250, 223),  # ppb above the 8-hour table: 1-hour table, (300-201)/(404-205)*(250-205)+201 = 223.39
        ("co", 9.4, 100),  # ppm
    ],
)
def test_us_aqi_after_epa_2024(pollutant, ppb_or_ugm3, expected):
    """Hand-computed from EPA's 2024 breakpoint table; gases given in ppb (CO ppm) are converted to the µg/m³
    (mg/m³) the function takes at 25 °C: µg/m³ = ppb × molar mass / 24.45."""
    molar_mass = {"pm25": None, "pm10": None, "o3": 48.00, "co": 28.01}[pollutant]
    concentration = ppb_or_ugm3 if molar_mass is None else ppb_or_ugm3 * molar_mass / 24.45
    assert epa_iaqi(pollutant, concentration) == expected


def test_us_aqi_takes_the_highest_pollutant_and_names_it_above_50():
    result = epa_aqi({"pm25": 20.0, "pm10": 160.0, "no2": None, "noise": 70.0})
    assert (result.aqi, result.primary, dict(result.iaqi)) == (103, ("pm10",), {"pm25": 71, "pm10": 103})
    clean = epa_aqi({"pm25": 5.0})  # 50/9*5 = 27.8
    assert (clean.aqi, clean.primary) == (28, ())
    assert epa_aqi({"pm25": float("nan")}) is None and epa_aqi({}) is None


def test_the_city_hour_rates_the_mean_over_stations_of_each_pollutant():
    """Hand calculation (HJ 633-2026, in force from 2026-03-01: PM2.5 nodes 35 → IAQI 50, 60 → 100): PM2.5 40 and
    50 µg/m³ at two stations is a city mean of 45, IAQI 50 + 10/25 × 50 = 70; NO2 40 and 60 a mean of 50, IAQI
    25; O3 100 at both, IAQI 100/160 × 50 = 31.25 → 32. The AQI is 70 with PM2.5 primary; rating each station's
    worst (50: IAQI 80) or the first station's (40: IAQI 60) would give another number."""
    hour = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    means = [("pm25", 40.0), ("no2", 40.0), ("o3", 100.0), ("pm25", 50.0), ("no2", 60.0), ("o3", 100.0)]
    result = city_hour_aqi(means, hour, "Asia/Shanghai")
    assert result.aqi == 70 and result.iaqi == {"pm25": 70, "no2": 25, "o3": 32} and result.primary == ("pm25",)
    assert city_hour_aqi([], hour, "Asia/Shanghai") is None
