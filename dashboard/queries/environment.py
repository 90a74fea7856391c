"""Environment queries: the latest full hour's air-quality concentrations, the city AQI and each station's AQI, and the
hourly AQI trend and per-station series from the rollup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select

from dashboard.cache import cached
from dashboard.db.models import (
    SensorHourly,
    Station,
)
from dashboard.db.rollups import city_air_stations
from dashboard.db.types import UTCDateTime
from dashboard.kpis.aqi import POLLUTANTS, AqiResult, breakpoints_for, daily_aqi, daily_values
from dashboard.kpis.environment import city_hour_aqi, hour_aqi
from dashboard.queries.base import plain_tuples, read_frame, read_rows
from dashboard.queries.reference import stations

#: How far back from the latest full hour a station's latest hour may lie (that hour and the two before it).
STATION_HOURS_BACK = timedelta(hours=2)


def latest_full_hour(at: datetime) -> datetime:
    """The start (UTC) of the latest full hour at or before ``at``: the hour that ended at or before it."""
    moment = at.astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def _air_hours():
    """Each of the city's air stations' (:func:`~dashboard.db.rollups.city_air_stations`) hourly mean
    concentrations of its latest hour with air readings among the hours from ``earliest`` (``anchor`` −
    :data:`STATION_HOURS_BACK`) to ``anchor``: each station's latest hour, then its rows of that hour (two reads
    of the hourly key; a window over the hours' rows would sort them)."""
    s = SensorHourly
    anchor, earliest = (bindparam(name, type_=UTCDateTime()) for name in ("anchor", "earliest"))
    air = (s.quantity.in_(POLLUTANTS), s.readings > 0)
    latest = (
        select(s.station_code, func.max(s.hour).label("hour"))
        .where(*air, s.hour >= earliest, s.hour <= anchor, s.station_code.in_(city_air_stations()))
        .group_by(s.station_code)
        .subquery()
    )
    return (
        select(s.hour, s.station_code, s.quantity, (s.value_sum / s.readings).label("mean"))
        .select_from(latest)
        .join(s, (s.station_code == latest.c.station_code) & (s.hour == latest.c.hour))
        .where(*air)
    )


AIR_HOURS = _air_hours()


#: The columns of an air station's hourly mean (:func:`air_station_rows`, :func:`air_station_hours`).
AIR_COLUMNS = ["hour", "station_code", "quantity", "mean"]


@cached
def air_station_rows(engine: Engine, at: datetime) -> list[tuple]:
    """Each of the city's air stations' hourly mean concentrations (HJ 633: the mean of the hour's readings,
    from the hourly rollup) of its latest full hour at or before ``at`` (the city as it was then), among the
    latest full hour and the two before it: tuples of :data:`AIR_COLUMNS` (the hour UTC-aware), for the reads
    of a few rows on every refresh (the city AQI card)."""
    anchor = latest_full_hour(at)
    return plain_tuples(read_rows(engine, AIR_HOURS, {"anchor": anchor, "earliest": anchor - STATION_HOURS_BACK}))


def air_station_hours(engine: Engine, at: datetime) -> pd.DataFrame:
    """:func:`air_station_rows` as a frame of :data:`AIR_COLUMNS` (``hour`` as UTC timestamps)."""
    frame = pd.DataFrame(air_station_rows(engine, at), columns=AIR_COLUMNS)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    return frame


def station_hour_aqi(engine: Engine, timezone: str, at: datetime) -> pd.DataFrame:
    """Each station's hourly AQI (HJ 633) of its latest full hour by ``at`` (see :func:`air_station_hours`):
    station_code, hour, aqi, primary, level, color. The map and the station alerts both read it."""
    hours = air_station_hours(engine, at)
    rows = []
    for code, group in hours.groupby("station_code"):
        hour = group["hour"].iloc[0].to_pydatetime()
        result = hour_aqi(dict(zip(group["quantity"], group["mean"], strict=True)), hour, timezone)
        if result is not None:
            rows.append({"station_code": code, "hour": hour, "aqi": result.aqi, "primary": ",".join(result.primary),
                         "level": result.level.key, "color": result.level.color})
    return pd.DataFrame(rows, columns=["station_code", "hour", "aqi", "primary", "level", "color"])


@dataclass(frozen=True)
class CityAqi:
    """The city's hourly AQI (of the mean over stations of each station's hourly mean) of the newest full hour
    with air readings, that hour, and how many stations it rates."""

    result: AqiResult
    observed_at: datetime
    stations: int


def city_aqi(engine: Engine, timezone: str, at: datetime) -> CityAqi | None:
    """The hourly city AQI of the newest full hour with air readings at or before ``at``, as the environment
    rollup rates each hour (:func:`dashboard.kpis.environment.city_hour_aqi`); None without data."""
    rows = air_station_rows(engine, at)
    if not rows:
        return None
    hour = max(row[0] for row in rows)
    newest = [row for row in rows if row[0] == hour]
    result = city_hour_aqi(((quantity, mean) for _hour, _station, quantity, mean in newest), hour, timezone)
    return None if result is None else CityAqi(result, hour, len({row[1] for row in newest}))


def station_aqi(engine: Engine, timezone: str, at: datetime) -> pd.DataFrame:
    """Air stations rated by the hourly AQI of their latest full hour at or before ``at``: code, names, lon,
    lat, aqi, level, color, primary, observed_at (the hour's start)."""
    rated = station_hour_aqi(engine, timezone, at).rename(columns={"station_code": "code", "hour": "observed_at"})
    return stations(engine, "air").merge(rated, how="inner", on="code")


@cached
def air_trend(engine: Engine, start: datetime, end: datetime, timezone: str) -> pd.DataFrame:
    """Hourly city AQI of the hours begun in [start, end) from the rollup, as the city AQI card and the
    environment rollup rate an hour (the mean over the city's air stations of each one's hourly mean, then AQI):
    hour, aqi, level, color, primary, and each pollutant's mean concentration."""
    s = SensorHourly
    stmt = (
        select(s.hour, s.quantity, func.avg(s.value_sum / s.readings).label("value"))
        .where(s.quantity.in_(POLLUTANTS), s.hour >= start, s.hour < end, s.readings > 0,
               s.station_code.in_(city_air_stations()))
        .group_by(s.hour, s.quantity)
    )
    frame = read_frame(engine, stmt)
    columns = ["hour", "aqi", "level", "color", "primary", *POLLUTANTS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    wide = frame.pivot_table(index="hour", columns="quantity", values="value").reindex(columns=list(POLLUTANTS))
    rows = []
    for hour, values in wide.iterrows():
        result = hour_aqi({k: (None if pd.isna(v) else float(v)) for k, v in values.items()}, hour, timezone)
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
