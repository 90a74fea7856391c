"""Air quality index (AQI) after HJ 633: IAQI per pollutant, AQI = max IAQI, primary pollutant, level.

Breakpoint sets are versioned and chosen by observation date: HJ 633-2012, and HJ 633-2026 (in force from
2026-03-01), which changes only the PM2.5 and PM10 24-hour nodes. US EPA's 2024 revision is a third,
separate family (for cities reporting the US AQI), see :func:`epa_iaqi`.

The hourly (real-time) AQI rates the **1-hour** concentrations of every pollutant: SO2, NO2, CO and O3 on
their 1-hour nodes, and the 1-hour PM2.5 and PM10 values on the 24-hour nodes (HJ 633 has no 1-hour
particulate table). This is what CNEMC publishes: its real-time station feed carries both ``pm2_5`` and the
24-hour moving average ``pm2_5_24h``, and the published AQI and primary pollutant are reproduced by the 1-hour
values, not by the moving averages (tests/dashboard/test_kpi_aqi_cnemc.py). SO2 above 800 µg/m³ (the end of
its 1-hour table) is rated on the 24-hour nodes, as the standard prescribes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

#: IAQI values at the breakpoints.
IAQI_NODES = (0, 50, 100, 150, 200, 300, 400, 500)

#: Pollutants of the hourly AQI, in the order used for ties of the primary pollutant.
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")

_HJ633_2012: dict[str, tuple[float, ...]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}


@dataclass(frozen=True)
class BreakpointSet:
    """A named set of concentration breakpoints (µg/m³; CO in mg/m³), valid from a date."""

    name: str
    valid_from: date
    nodes: Mapping[str, tuple[float, ...]]


HJ633_2012 = BreakpointSet("HJ 633-2012", date(2012, 2, 29), _HJ633_2012)
HJ633_2026 = BreakpointSet(
    "HJ 633-2026",
    date(2026, 3, 1),
    {
        **_HJ633_2012,
        "pm25_24h": (0, 35, 60, 115, 150, 250, 350, 500),
        "pm10_24h": (0, 50, 120, 250, 350, 420, 500, 600),
    },
)
BREAKPOINT_SETS = (HJ633_2012, HJ633_2026)

#: Hourly AQI: which table rates each pollutant's 1-hour concentration.
HOURLY_TABLE = {
    "pm25": "pm25_24h",
    "pm10": "pm10_24h",
    "so2": "so2_1h",
    "no2": "no2_1h",
    "co": "co_1h",
    "o3": "o3_1h",
}


@dataclass(frozen=True)
class AqiLevel:
    """One of the six AQI levels with its upper bound, class and official colour."""

    upper: int
    key: str
    color: str


LEVELS = (
    AqiLevel(50, "excellent", "#00E400"),
    AqiLevel(100, "good", "#FFFF00"),
    AqiLevel(150, "light", "#FF7E00"),
    AqiLevel(200, "moderate", "#FF0000"),
    AqiLevel(300, "heavy", "#99004C"),
    AqiLevel(10**9, "severe", "#7E0023"),
)


@dataclass(frozen=True)
class AqiResult:
    """An AQI with its per-pollutant IAQI, primary pollutants (empty when AQI ≤ 50) and level."""

    aqi: int
    iaqi: Mapping[str, int]
    primary: tuple[str, ...]
    level: AqiLevel


def breakpoints_for(day: date) -> BreakpointSet:
    """The HJ 633 breakpoint set in force on ``day``."""
    current = BREAKPOINT_SETS[0]
    for candidate in BREAKPOINT_SETS:
        if candidate.valid_from <= day:
            current = candidate
    return current


def _interpolate(nodes: tuple[float, ...], concentration: float) -> int:
    """IAQI on one table, rounded up (China rounds IAQI up); the table's top IAQI beyond its last node."""
    if concentration <= 0:
        return 0
    for i in range(1, len(nodes)):
        if concentration <= nodes[i]:
            lo, hi = nodes[i - 1], nodes[i]
            value = (IAQI_NODES[i] - IAQI_NODES[i - 1]) / (hi - lo) * (concentration - lo) + IAQI_NODES[i - 1]
            return math.ceil(round(value, 9))
    return IAQI_NODES[len(nodes) - 1]


def hourly_iaqi(pollutant: str, concentration: float, breakpoints: BreakpointSet = HJ633_2012) -> int:
    """IAQI of a 1-hour concentration (µg/m³, CO mg/m³)."""
    if pollutant == "so2" and concentration > breakpoints.nodes["so2_1h"][-1]:
        return _interpolate(breakpoints.nodes["so2_24h"], concentration)
    return _interpolate(breakpoints.nodes[HOURLY_TABLE[pollutant]], concentration)


def level_of(aqi: float) -> AqiLevel:
    """The level an AQI value falls in."""
    return next(level for level in LEVELS if aqi <= level.upper)


def hourly_aqi(concentrations: Mapping[str, float | None], breakpoints: BreakpointSet = HJ633_2012) -> AqiResult | None:
    """AQI from 1-hour concentrations per pollutant; None when no pollutant has a value."""
    iaqi = {
        p: hourly_iaqi(p, float(c), breakpoints)
        for p, c in concentrations.items()
        if p in HOURLY_TABLE and c is not None and not math.isnan(c)
    }
    if not iaqi:
        return None
    aqi = max(iaqi.values())
    primary = tuple(p for p in POLLUTANTS if iaqi.get(p) == aqi) if aqi > 50 else ()
    return AqiResult(aqi=aqi, iaqi=iaqi, primary=primary, level=level_of(aqi))


#: Daily AQI: which table rates each pollutant's daily value (O3: its maximum 8-hour mean).
DAILY_TABLE = {
    "pm25": "pm25_24h",
    "pm10": "pm10_24h",
    "so2": "so2_24h",
    "no2": "no2_24h",
    "co": "co_24h",
    "o3": "o3_8h",
}
#: Validity (GB 3095-2012 §7.4): a 24-hour mean needs 20 hourly values, an 8-hour mean 6 and the day's maximum
#: 8-hour mean 14 valid 8-hour means among the day's 17 windows (starting 00:00 … 16:00).
MIN_HOURS_24H, MIN_HOURS_8H, MIN_WINDOWS_8H = 20, 6, 14


def daily_values(hours: Mapping[str, list[float | None]]) -> dict[str, float | None]:
    """The day's values from its 24 local hours of 1-hour concentrations per pollutant (index = local hour,
    None = missing): 24-hour means, and for O3 the maximum 8-hour mean ("o3") and the maximum 1-hour value
    ("o3_1h"); None where the hours are too few to be valid."""
    out: dict[str, float | None] = {}
    for pollutant, series in hours.items():
        values = [v for v in series if v is not None and not math.isnan(v)]
        if pollutant != "o3":
            out[pollutant] = sum(values) / len(values) if len(values) >= MIN_HOURS_24H else None
            continue
        windows = []
        for first in range(17):
            window = [v for v in series[first : first + 8] if v is not None and not math.isnan(v)]
            if len(window) >= MIN_HOURS_8H:
                windows.append(sum(window) / len(window))
        out["o3"] = max(windows) if len(windows) >= MIN_WINDOWS_8H else None
        out["o3_1h"] = max(values) if values else None
    return out


def daily_aqi(hours: Mapping[str, list[float | None]], breakpoints: BreakpointSet = HJ633_2012) -> AqiResult | None:
    """The day's AQI (HJ 633) from its 24 local hours per pollutant (see :func:`daily_values`): each pollutant's
    IAQI from its 24-hour mean, O3's from its maximum 8-hour mean (above 800 µg/m³, from its maximum 1-hour value
    on the 1-hour breakpoints); None when no pollutant has a valid value."""
    values = daily_values(hours)
    iaqi = {}
    for pollutant in POLLUTANTS:
        value = values.get(pollutant)
        if value is None:
            continue
        if pollutant == "o3" and value > breakpoints.nodes["o3_8h"][-1]:
            value, table = values["o3_1h"], "o3_1h"
        else:
            table = DAILY_TABLE[pollutant]
        iaqi[pollutant] = _interpolate(breakpoints.nodes[table], float(value))
    if not iaqi:
        return None
    aqi = max(iaqi.values())
    primary = tuple(p for p in POLLUTANTS if iaqi.get(p) == aqi) if aqi > 50 else ()
    return AqiResult(aqi=aqi, iaqi=iaqi, primary=primary, level=level_of(aqi))


# --- US EPA AQI (2024 revision, in force from 2024-05-06) ------------------------------------------------

#: EPA segments per pollutant: (C_lo, C_hi, I_lo, I_hi) in the EPA unit, and the decimals C is truncated to.
EPA_2024: dict[str, tuple[tuple[tuple[float, float, int, int], ...], int]] = {
    "pm25": (
        (
            (0.0, 9.0, 0, 50),
            (9.1, 35.4, 51, 100),
            (35.5, 55.4, 101, 150),
            (55.5, 125.4, 151, 200),
            (125.5, 225.4, 201, 300),
            (225.5, 325.4, 301, 500),
        ),
        1,
    ),  # µg/m³, 24 h
    "pm10": (
        (
            (0, 54, 0, 50),
            (55, 154, 51, 100),
            (155, 254, 101, 150),
            (255, 354, 151, 200),
            (355, 424, 201, 300),
            (425, 604, 301, 500),
        ),
        0,
    ),  # µg/m³, 24 h
    "o3": (((0, 54, 0, 50), (55, 70, 51, 100), (71, 85, 101, 150), (86, 105, 151, 200), (106, 200, 201, 300)), 0),
    "o3_1h": (((125, 164, 101, 150), (165, 204, 151, 200), (205, 404, 201, 300), (405, 604, 301, 500)), 0),
    "no2": (
        (
            (0, 53, 0, 50),
            (54, 100, 51, 100),
            (101, 360, 101, 150),
            (361, 649, 151, 200),
            (650, 1249, 201, 300),
            (1250, 2049, 301, 500),
        ),
        0,
    ),  # ppb, 1 h
    "so2": (((0, 35, 0, 50), (36, 75, 51, 100), (76, 185, 101, 150), (186, 304, 151, 200)), 0),  # ppb, 1 h
    "co": (
        (
            (0.0, 4.4, 0, 50),
            (4.5, 9.4, 51, 100),
            (9.5, 12.4, 101, 150),
            (12.5, 15.4, 151, 200),
            (15.5, 30.4, 201, 300),
            (30.5, 50.4, 301, 500),
        ),
        1,
    ),  # ppm, 8 h
}
EPA_VALID_FROM = date(2024, 5, 6)

#: µg/m³ (CO: mg/m³) → the EPA unit at 25 °C, 1 atm: ppb = µg/m³ × 24.45 / molar mass (CO: ppm from mg/m³).
_TO_EPA_UNIT = {
    "pm25": 1.0,
    "pm10": 1.0,
    "o3": 24.45 / 48.00,
    "no2": 24.45 / 46.01,
    "so2": 24.45 / 64.07,
    "co": 24.45 / 28.01,
}


def epa_iaqi(pollutant: str, concentration: float) -> int | None:
    """US AQI of one pollutant (µg/m³, CO mg/m³), EPA 2024: truncated concentration, rounded to nearest.

    O3 above the 8-hour table's end (200 ppb) is rated on the 1-hour table; None beyond every table.
    """
    value = concentration * _TO_EPA_UNIT[pollutant]
    tables = [pollutant, "o3_1h"] if pollutant == "o3" else [pollutant]
    for name in tables:
        segments, decimals = EPA_2024[name]
        c = math.floor(value * 10**decimals + 1e-9) / 10**decimals
        if c < segments[0][0]:
            continue
        for c_lo, c_hi, i_lo, i_hi in segments:
            if c <= c_hi:
                return int(round((i_hi - i_lo) / (c_hi - c_lo) * (max(c, c_lo) - c_lo) + i_lo))
    return None


def epa_aqi(concentrations: Mapping[str, float | None]) -> AqiResult | None:
    """US AQI (EPA 2024) with its primary pollutants; None when no pollutant has a value."""
    iaqi = {}
    for p, c in concentrations.items():
        if p in _TO_EPA_UNIT and c is not None and not math.isnan(c):
            value = epa_iaqi(p, float(c))
            if value is not None:
                iaqi[p] = value
    if not iaqi:
        return None
    aqi = max(iaqi.values())
    primary = tuple(p for p in POLLUTANTS if iaqi.get(p) == aqi) if aqi > 50 else ()
    return AqiResult(aqi=aqi, iaqi=iaqi, primary=primary, level=level_of(aqi))
