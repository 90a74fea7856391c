"""Air quality index (AQI) after HJ 633: IAQI per pollutant, AQI = max IAQI, primary pollutant, level.

Breakpoint sets are versioned and chosen by observation date: HJ 633-2012, and HJ 633-2026 (in force from
2026-03-01), which changes only the PM2.5 and PM10 24-hour nodes. The hourly (real-time) AQI uses the 1-hour
nodes of SO2, NO2, CO and O3 and the 24-hour nodes of PM2.5 and PM10; SO2 above 800 µg/m³ (the end of its
1-hour table) is rated on the 24-hour nodes, as the standard prescribes.
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
    """The breakpoint set in force on ``day``."""
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


def hourly_aqi(
    concentrations: Mapping[str, float | None], breakpoints: BreakpointSet = HJ633_2012
) -> AqiResult | None:
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
