"""Environment queries: latest-hour air-quality concentrations, the city AQI and each station's AQI, and the
hourly AQI trend and per-station series from the rollup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.cache import cached
from dashboard.db.models import (
    SensorHourly,
    SensorReading,
    Station,
)
from dashboard.kpis.aqi import POLLUTANTS, AqiResult, breakpoints_for, daily_aqi, daily_values, hourly_aqi
from dashboard.queries.base import read_frame, read_scalar
from dashboard.queries.reference import stations


@cached
def latest_air_hour(engine: Engine, at: datetime | None = None) -> pd.DataFrame:
    """Mean concentration per air station and pollutant over the hour ending at the newest reading (the newest
    by ``at``, when given: the city as it was then).

    Columns: station_code, quantity, value, observed_at (the station's newest reading of it).
    """
    columns = ["station_code", "quantity", "value", "observed_at"]
    air = (SensorReading.quantity.in_(POLLUTANTS)) & (Station.kind == "air")
    if at is not None:
        air = air & (SensorReading.observed_at <= at)
    latest = read_scalar(  # newest first along the time index: stops at the first air reading, no scan
        engine,
        select(SensorReading.observed_at)
        .join(Station, Station.code == SensorReading.station_code)
        .where(air)
        .order_by(SensorReading.observed_at.desc())
        .limit(1),
    )
    if latest is None:
        return pd.DataFrame(columns=columns)
    stmt = (
        select(
            SensorReading.station_code, SensorReading.quantity, SensorReading.value, SensorReading.observed_at
        )
        .join(Station, Station.code == SensorReading.station_code)
        .where(air, SensorReading.observed_at > latest - timedelta(hours=1), SensorReading.value.is_not(None))
    )
    groups = read_frame(engine, stmt).groupby(["station_code", "quantity"])
    return pd.DataFrame({"value": groups["value"].mean(), "observed_at": groups["observed_at"].max()}).reset_index()


@dataclass(frozen=True)
class CityAqi:
    """The city's hourly AQI (mean of station concentrations) and the time of its newest reading."""

    result: AqiResult
    observed_at: datetime
    stations: int


def _aqi_at(concentrations: dict[str, float], observed_at: datetime, timezone: str) -> AqiResult | None:
    day = observed_at.astimezone(ZoneInfo(timezone)).date()
    return hourly_aqi(concentrations, breakpoints_for(day))


def city_aqi(engine: Engine, timezone: str, at: datetime | None = None) -> CityAqi | None:
    """AQI of the mean concentration over stations per pollutant in the latest hour (by ``at``); None without
    data."""
    frame = latest_air_hour(engine, at)
    if frame.empty:
        return None
    means = frame.groupby("quantity")["value"].mean().to_dict()
    observed_at = frame["observed_at"].max().to_pydatetime()
    result = _aqi_at(means, observed_at, timezone)
    return None if result is None else CityAqi(result, observed_at, frame["station_code"].nunique())


def station_aqi(engine: Engine, timezone: str, at: datetime | None = None) -> pd.DataFrame:
    """Air stations rated by their latest-hour AQI (by ``at``): code, names, lon, lat, aqi, level, color,
    primary."""
    sites = stations(engine, "air")
    frame = latest_air_hour(engine, at)
    rows = []
    for code, group in frame.groupby("station_code"):
        observed_at = group["observed_at"].max().to_pydatetime()
        result = _aqi_at(dict(zip(group["quantity"], group["value"], strict=True)), observed_at, timezone)
        if result is not None:
            rows.append(
                {
                    "code": code,
                    "aqi": result.aqi,
                    "level": result.level.key,
                    "color": result.level.color,
                    "primary": ",".join(result.primary),
                    "observed_at": observed_at,
                }
            )
    rated = pd.DataFrame(rows, columns=["code", "aqi", "level", "color", "primary", "observed_at"])
    return sites.merge(rated, how="inner", on="code")


@cached
def air_trend(engine: Engine, start: datetime, end: datetime, timezone: str) -> pd.DataFrame:
    """Hourly city AQI from the rollup (station means per pollutant, then AQI): hour, aqi, level, color,
    primary, and each pollutant's mean concentration."""
    s = SensorHourly
    stmt = (
        select(s.hour, s.quantity, (func.sum(s.value_sum) / func.sum(s.readings)).label("value"))
        .join(Station, Station.code == s.station_code)
        .where(Station.kind == "air", s.quantity.in_(POLLUTANTS), s.hour >= start, s.hour < end, s.readings > 0)
        .group_by(s.hour, s.quantity)
    )
    frame = read_frame(engine, stmt)
    columns = ["hour", "aqi", "level", "color", "primary", *POLLUTANTS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    wide = frame.pivot_table(index="hour", columns="quantity", values="value").reindex(columns=list(POLLUTANTS))
    rows = []
    for hour, values in wide.iterrows():
        moment = pd.Timestamp(hour).tz_convert(timezone) if pd.Timestamp(hour).tzinfo else pd.Timestamp(hour)
        result = hourly_aqi(
            {k: (None if pd.isna(v) else float(v)) for k, v in values.items()}, breakpoints_for(moment.date())
        )
        if result is not None:
            rows.append(
                {
                    "hour": pd.Timestamp(hour),
                    "aqi": result.aqi,
                    "level": result.level.key,
                    "color": result.level.color,
                    "primary": ",".join(result.primary),
                    **values.to_dict(),
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    out["hour"] = pd.to_datetime(out["hour"], utc=True)
    return out


def air_daily_trend(hourly: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Daily city AQI (HJ 633) per local day, from :func:`air_trend`'s hourly city means per pollutant: hour
    (the local day's start, UTC), aqi, level, color, primary, and each pollutant's daily value (24-hour mean;
    O3 its maximum 8-hour mean; None when not valid). Days too thin for any valid daily value are left out."""
    columns = ["hour", "aqi", "level", "color", "primary", *POLLUTANTS]
    if hourly.empty:
        return pd.DataFrame(columns=columns)
    local = pd.to_datetime(hourly["hour"], utc=True).dt.tz_convert(timezone)
    rows = []
    for day, group in hourly.groupby(local.dt.date):
        hours: dict[str, list[float | None]] = {p: [None] * 24 for p in POLLUTANTS}
        for hour, values in zip(local[group.index].dt.hour, group[list(POLLUTANTS)].to_dict("records"), strict=True):
            for pollutant, value in values.items():
                hours[pollutant][hour] = None if pd.isna(value) else float(value)
        result = daily_aqi(hours, breakpoints_for(day))
        if result is None:
            continue
        values = daily_values(hours)
        rows.append(
            {
                "hour": pd.Timestamp(day).tz_localize(timezone).tz_convert("UTC"),
                "aqi": result.aqi,
                "level": result.level.key,
                "color": result.level.color,
                "primary": ",".join(result.primary),
                **{p: values.get(p) for p in POLLUTANTS},
            }
        )
    return pd.DataFrame(rows, columns=columns)


@cached
def station_series(engine: Engine, start: datetime, end: datetime, quantity: str) -> pd.DataFrame:
    """Hourly mean of one quantity per station from the rollup: hour, station_code, name_zh, name_en, value."""
    s = SensorHourly
    stmt = (
        select(
            s.hour,
            s.station_code,
            Station.name_zh,
            Station.name_en,
            (s.value_sum / s.readings).label("value"),
        )
        .join(Station, Station.code == s.station_code)
        .where(s.quantity == quantity, s.hour >= start, s.hour < end, s.readings > 0)
        .order_by(s.hour)
    )
    frame = read_frame(engine, stmt)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    return frame
