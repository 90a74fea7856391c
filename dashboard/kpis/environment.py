"""Environment KPIs: the hourly city AQI and its exceedances, noise against the limits of each station's class.

The city AQI of an hour rates the mean over stations of each station's hourly mean concentration, with the
breakpoint set in force on the hour's local date. Noise: a station-hour complies when its mean Leq is within
the GB 3096-2008 limit of the station's acoustic environment class (0, 1, 2, 3, 4a, 4b) for day (06–22 local)
or night (22–06); a station without a class (or with one GB 3096 does not know) is rated as class 2 (mixed
residential and commercial). The
hourly Leq is the arithmetic mean of the hour's readings (each already an Leq).

These hourly figures are kept per hour and per local day (``environment_hourly`` / ``environment_daily``,
maintained by ``dashboard.db.rollups``); a period's KPIs are ratios of their sums (:data:`SUMS`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.kpis.aqi import POLLUTANTS, AqiResult, breakpoints_for, hourly_aqi
from dashboard.kpis.measure import Measure, ratio

#: GB 3096-2008 limits, dB(A): acoustic class → (day, night).
NOISE_LIMITS = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}
DEFAULT_NOISE_CLASS = "2"
DAY_HOURS = range(6, 22)
EXCEEDANCE_AQI = 100
NOISE = "laeq"

#: Columns of the environment rollups, summed over a period.
SUMS = (
    "aqi_hours",
    "aqi_sum",
    "aqi_over_100_hours",
    "noise_day_hours",
    "noise_day_within",
    "noise_night_hours",
    "noise_night_within",
)


def hour_aqi(concentrations: Mapping[str, float], hour, timezone: str) -> AqiResult | None:
    """The HJ 633 hourly AQI of one hour's mean concentrations (a station's, or the city's mean over stations),
    with the breakpoint set in force on the hour's local date; None without any value."""
    moment = pd.Timestamp(hour).to_pydatetime()
    return hourly_aqi(concentrations, breakpoints_for(moment.astimezone(ZoneInfo(timezone)).date()))


def city_hour_aqi(station_means: Iterable[tuple[str, float]], hour, timezone: str) -> AqiResult | None:
    """The city's HJ 633 AQI of one hour from its air stations' hourly means ((pollutant, mean) pairs): per
    pollutant the mean over the stations, then :func:`hour_aqi`, as the environment rollup rates each hour
    (:func:`hourly_city_aqi`). None without any value."""
    by_pollutant: dict[str, list[float]] = {}
    for pollutant, mean in station_means:
        by_pollutant.setdefault(pollutant, []).append(mean)
    return hour_aqi({p: math.fsum(means) / len(means) for p, means in by_pollutant.items()}, hour, timezone)


def hourly_city_aqi(hourly: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """``hour``, ``aqi``, ``primary`` per hour from rows of ``hour``, ``station_code``, ``quantity``, ``mean``."""
    air = hourly[hourly["quantity"].isin(POLLUTANTS)]
    if air.empty:
        return pd.DataFrame(columns=["hour", "aqi", "primary"])
    city = air.groupby(["hour", "quantity"])["mean"].mean().unstack("quantity")
    rows = []
    for hour, values in city.iterrows():
        result = hour_aqi(values.dropna().to_dict(), hour, timezone)
        if result is not None:
            rows.append({"hour": hour, "aqi": result.aqi, "primary": ",".join(result.primary)})
    return pd.DataFrame(rows, columns=["hour", "aqi", "primary"])


def environment_hours(hourly: pd.DataFrame, classes: Mapping[str, str | None], timezone: str) -> pd.DataFrame:
    """The rollup row (``hour`` and :data:`SUMS`) of every hour of station means (rows of ``hour``,
    ``station_code``, ``quantity``, ``mean``); ``classes`` maps noise stations to their acoustic class."""
    air = hourly_city_aqi(hourly, timezone).set_index("hour")["aqi"].astype(float)
    noise = hourly[hourly["quantity"] == NOISE]
    local_hour = pd.to_datetime(noise["hour"], utc=True).dt.tz_convert(timezone).dt.hour.to_numpy()
    by_day = pd.Series([h in DAY_HOURS for h in local_hour], index=noise.index, dtype=bool)
    limits = [
        NOISE_LIMITS.get(classes.get(code) or DEFAULT_NOISE_CLASS, NOISE_LIMITS[DEFAULT_NOISE_CLASS])[0 if day else 1]
        for code, day in zip(noise["station_code"], by_day, strict=True)
    ]
    within = noise["mean"].to_numpy(dtype=float) <= pd.Series(limits, dtype=float).to_numpy()
    flags = pd.DataFrame(
        {
            "hour": noise["hour"].to_numpy(),
            "noise_day_hours": by_day.to_numpy(dtype=int),
            "noise_day_within": (by_day.to_numpy() & within).astype(int),
            "noise_night_hours": (~by_day.to_numpy()).astype(int),
            "noise_night_within": (~by_day.to_numpy() & within).astype(int),
        }
    )
    rows = flags.groupby("hour").sum()
    frame = pd.DataFrame(index=air.index.union(rows.index))
    frame["aqi_hours"] = frame.index.isin(air.index).astype(int)
    frame["aqi_sum"] = air.reindex(frame.index).fillna(0.0)
    frame["aqi_over_100_hours"] = (air.reindex(frame.index) > EXCEEDANCE_AQI).astype(int)
    frame = frame.join(rows).fillna(0)
    return frame.rename_axis("hour").reset_index()[["hour", *SUMS]]


def environment_measures(sums: Mapping[str, float]) -> dict[str, Measure]:
    """KPI id → measure, from a period's sums of the environment rollup."""
    hours = float(sums.get("aqi_hours") or 0)
    over = float(sums.get("aqi_over_100_hours") or 0)
    day_hours, night_hours = float(sums.get("noise_day_hours") or 0), float(sums.get("noise_night_hours") or 0)
    day_within, night_within = float(sums.get("noise_day_within") or 0), float(sums.get("noise_night_within") or 0)
    mean = ratio(sums.get("aqi_sum"), hours)
    return {
        "air_aqi": Measure(mean.value, hours, hours),
        "air_exceedance_hours": Measure(over if hours else None, over, hours),
        "noise_compliance": ratio(day_within + night_within, day_hours + night_hours),
        "noise_day_compliance": ratio(day_within, day_hours),
        "noise_night_compliance": ratio(night_within, night_hours),
    }


#: An episode (污染过程): consecutive hours whose city AQI is above this.
EPISODE_AQI = EXCEEDANCE_AQI


def aqi_episodes(hourly: pd.DataFrame) -> pd.DataFrame:
    """Pollution episodes from the hourly city AQI (rows of ``hour``, ``aqi``, ``primary``): each run of
    consecutive hours above :data:`EPISODE_AQI` as ``start`` (its first hour), ``end`` (the hour after its
    last), ``hours``, ``peak`` (its highest AQI) and the ``primary`` pollutant of that hour."""
    columns = ["start", "end", "hours", "peak", "primary"]
    rows, run = [], []
    for row in hourly.sort_values("hour").itertuples(index=False):
        hour = pd.Timestamp(row.hour)
        if row.aqi > EPISODE_AQI and (not run or hour - pd.Timestamp(run[-1].hour) == pd.Timedelta(hours=1)):
            run.append(row)
            continue
        if run:
            rows.append(_episode(run))
        run = [row] if row.aqi > EPISODE_AQI else []
    if run:
        rows.append(_episode(run))
    return pd.DataFrame(rows, columns=columns)


def _episode(run: list) -> dict:
    peak = max(run, key=lambda r: (r.aqi, -pd.Timestamp(r.hour).value))
    end = pd.Timestamp(run[-1].hour) + pd.Timedelta(hours=1)
    return {"start": pd.Timestamp(run[0].hour), "end": end, "hours": len(run), "peak": int(peak.aqi),
            "primary": peak.primary}
