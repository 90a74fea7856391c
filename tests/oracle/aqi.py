"""The hourly AQI after HJ 633-2012, written from DESIGN §6's table (not from the product's code): IAQI by linear
interpolation between breakpoints, rounded up; AQI the largest IAQI; primary pollutants those at the AQI when it
is above 50. The real-time (hourly) report rates SO2, NO2, CO and O3 on their 1-hour breakpoints and the 1-hour
PM2.5 and PM10 values on the 24-hour ones (HJ 633 has no 1-hour particulate breakpoints); SO2 above 800 µg/m³
on its 24-hour breakpoints."""

from __future__ import annotations

import math
from datetime import date

IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
HOURLY = {
    "pm25": (0, 35, 75, 115, 150, 250, 350, 500),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "so2": (0, 150, 500, 650, 800),
    "no2": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),
}
#: HJ 633-2026 (from 2026-03-01, DESIGN §6): only the 24-hour PM2.5 and PM10 breakpoints change.
HOURLY_2026 = {**HOURLY, "pm25": (0, 35, 60, 115, 150, 250, 350, 500), "pm10": (0, 50, 120, 250, 350, 420, 500, 600)}
SO2_24H = (0, 50, 150, 475, 800, 1600, 2100, 2620)
SINCE_2026 = date(2026, 3, 1)
ORDER = ("pm25", "pm10", "o3", "no2", "so2", "co")


def table_for(day: date) -> dict:
    """The breakpoints in force on the local ``day``."""
    return HOURLY_2026 if day >= SINCE_2026 else HOURLY


def iaqi(pollutant: str, c: float, table: dict = HOURLY) -> int:
    nodes = SO2_24H if pollutant == "so2" and c > 800 else table[pollutant]
    for lo_c, hi_c, lo_i, hi_i in zip(nodes, nodes[1:], IAQI, IAQI[1:], strict=False):
        if c <= hi_c:
            return math.ceil(round(lo_i + (hi_i - lo_i) * (c - lo_c) / (hi_c - lo_c), 9))
    return IAQI[len(nodes) - 1]


def aqi(concentrations: dict[str, float | None], table: dict = HOURLY) -> tuple[int, tuple[str, ...]] | None:
    """(AQI, primary pollutants) of one station-hour (``table``: the breakpoints in force); None without any
    value."""
    rated = {p: iaqi(p, c, table) for p, c in concentrations.items() if c is not None}
    if not rated:
        return None
    top = max(rated.values())
    return top, tuple(p for p in ORDER if rated.get(p) == top) if top > 50 else ()


#: HJ 633-2012 table 1, daily report: 24-hour means (CO mg/m³) and O3's maximum 8-hour mean (up to 800 µg/m³;
#: above it the 1-hour O3 breakpoints rate the day's maximum hour).
DAILY = {
    "pm25": (0, 35, 75, 115, 150, 250, 350, 500),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "so2": SO2_24H,
    "no2": (0, 40, 80, 180, 280, 565, 750, 940),
    "co": (0, 2, 4, 14, 24, 36, 48, 60),
    "o3": (0, 100, 160, 215, 265, 800),
}
DAILY_2026 = {**DAILY, "pm25": HOURLY_2026["pm25"], "pm10": HOURLY_2026["pm10"]}


def _rate(nodes: tuple, c: float) -> int:
    for lo_c, hi_c, lo_i, hi_i in zip(nodes, nodes[1:], IAQI, IAQI[1:], strict=False):
        if c <= hi_c:
            return math.ceil(round(lo_i + (hi_i - lo_i) * (c - lo_c) / (hi_c - lo_c), 9))
    return IAQI[len(nodes) - 1]


def daily_aqi(day: dict[str, list[float | None]], table: dict = DAILY) -> tuple[int, tuple[str, ...]] | None:
    """(AQI, primary pollutants) of one station-day from its 24 local hours per pollutant, by pandas: 24-hour
    means of at least 20 hours; O3 the maximum of the 8-hour means (at least 6 hours each) over the windows
    ending 07:00 … 23:00, valid with at least 14 of them (GB 3095-2012 §7.4)."""
    import pandas as pd

    rated = {}
    for pollutant, hours in day.items():
        series = pd.Series(hours, dtype="float64")
        if pollutant == "o3":
            means = series.rolling(8, min_periods=6).mean().iloc[7:24].dropna()
            if len(means) < 14:
                continue
            top = means.max()
            rated["o3"] = _rate(HOURLY["o3"], series.max()) if top > 800 else _rate(table["o3"], top)
        elif series.count() >= 20:
            rated[pollutant] = _rate(table[pollutant], series.mean())
    if not rated:
        return None
    top = max(rated.values())
    return top, tuple(p for p in ORDER if rated.get(p) == top) if top > 50 else ()
