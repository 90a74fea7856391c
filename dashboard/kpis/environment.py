"""Environment KPIs from hourly station rollups: the hourly city AQI and its exceedances, noise compliance.

The city AQI of an hour rates the mean over stations of each station's hourly mean concentration, with the
breakpoint set in force on the hour's local date. Noise: a station-hour complies when its mean Leq is within
the GB 3096-2008 limit of the station's acoustic class for day (06–22 local) or night (22–06). The rollup
keeps arithmetic sums, so the hourly Leq is the arithmetic mean of the readings (each already an Leq).
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.kpis.aqi import POLLUTANTS, breakpoints_for, hourly_aqi
from dashboard.kpis.measure import Measure, ratio

#: GB 3096-2008 limits, dB(A): acoustic class → (day, night).
NOISE_LIMITS = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}
DEFAULT_NOISE_CLASS = "2"
DAY_HOURS = range(6, 22)
EXCEEDANCE_AQI = 100


def hourly_city_aqi(hourly: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """``hour``, ``aqi``, ``primary`` per hour from rows of ``hour``, ``station_code``, ``quantity``, ``mean``."""
    air = hourly[hourly["quantity"].isin(POLLUTANTS)]
    if air.empty:
        return pd.DataFrame(columns=["hour", "aqi", "primary"])
    city = air.groupby(["hour", "quantity"])["mean"].mean().unstack("quantity")
    zone = ZoneInfo(timezone)
    rows = []
    for hour, values in city.iterrows():
        moment = pd.Timestamp(hour).to_pydatetime()
        result = hourly_aqi(values.dropna().to_dict(), breakpoints_for(moment.astimezone(zone).date()))
        if result is not None:
            rows.append({"hour": hour, "aqi": result.aqi, "primary": ",".join(result.primary)})
    return pd.DataFrame(rows, columns=["hour", "aqi", "primary"])


def air_measures(city_hours: pd.DataFrame) -> dict[str, Measure]:
    """Mean hourly AQI over the period and the hours above 100 (out of the rated hours)."""
    hours = len(city_hours)
    if hours == 0:
        return {"air_aqi": Measure(None, 0, 0), "air_exceedance_hours": Measure(None, 0, 0)}
    exceed = int((city_hours["aqi"] > EXCEEDANCE_AQI).sum())
    return {
        "air_aqi": Measure(float(city_hours["aqi"].mean()), hours, hours),
        "air_exceedance_hours": Measure(float(exceed), exceed, hours),
    }


def noise_measures(hourly: pd.DataFrame, timezone: str, classes: Mapping[str, str] | None = None) -> dict[str, Measure]:
    """Share of noise station-hours within their day/night limit; rows of ``hour``, ``station_code``, ``mean``."""
    noise = hourly[hourly["quantity"] == "laeq"]
    if noise.empty:
        return {"noise_compliance": Measure(None, 0, 0)}
    local_hour = pd.to_datetime(noise["hour"], utc=True).dt.tz_convert(timezone).dt.hour
    limits = [
        NOISE_LIMITS[(classes or {}).get(code, DEFAULT_NOISE_CLASS)][0 if h in DAY_HOURS else 1]
        for code, h in zip(noise["station_code"], local_hour, strict=True)
    ]
    within = int((noise["mean"].to_numpy() <= pd.Series(limits).to_numpy()).sum())
    return {"noise_compliance": ratio(within, len(noise))}
