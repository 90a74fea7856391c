"""The environment page's view model: city AQI, its hourly trend, stations ranked and the latest noise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.kpis.aqi import LEVELS
from dashboard.kpis.environment import EXCEEDANCE_AQI
from dashboard.kpis.periods import WINDOWS
from dashboard.queries import environment, reference
from dashboard.queries.environment import CityAqi
from layouts.components.domain import View
from layouts.figures.city_map import MapLayers

#: The AQI level bands drawn behind the trend (lower bound, upper bound, colour), up to 300.
AQI_BANDS = tuple(
    (lower, level.upper, level.color)
    for lower, level in zip((0, *[x.upper for x in LEVELS[:-1]]), LEVELS, strict=True)
    if level.upper <= 300
)


@dataclass(frozen=True)
class EnvironmentView:
    """The city AQI (None: no data), the period's trend (hourly; daily over spans read by day or month), stations
    (and ranked by AQI), the last noise hour per station (read when its panel is drawn), hours rated and hours
    over AQI 100, and the map layers (read when the map is drawn)."""

    city: CityAqi | None
    trend: pd.DataFrame
    stations: pd.DataFrame
    ranked: pd.DataFrame
    latest_noise: Callable[[], pd.DataFrame]
    exceed_hours: int
    rated_hours: int
    map_layers: Callable[[], MapLayers]


def latest_noise(view: View) -> pd.DataFrame:
    """The last hour of noise per station in the 24 hours up to the view's now."""
    noise = environment.station_series(view.engine, view.now - WINDOWS["24h"], view.now, "laeq")
    return noise.sort_values("hour").drop_duplicates("station_code", keep="last")


def environment_view(view: View) -> EnvironmentView:
    """The environment page's data for the period (noise: its last 24 hours; the AQI now: at the as-of moment)."""
    engine = view.engine
    hourly = environment.air_trend(engine, view.start, view.now, view.tz)
    # spans read by day or month draw one daily AQI per local day (HJ 633), not thousands of hours
    trend = hourly if view.span.grain == "hour" else environment.air_daily_trend(hourly, view.tz)
    stations = environment.station_aqi(engine, view.tz, view.as_of)
    return EnvironmentView(
        city=environment.city_aqi(engine, view.tz, view.as_of),
        trend=trend,
        stations=stations,
        ranked=stations.sort_values("aqi", ascending=False),
        latest_noise=lambda: latest_noise(view),
        exceed_hours=int((pd.to_numeric(hourly["aqi"]) > EXCEEDANCE_AQI).sum()),
        rated_hours=int(pd.to_numeric(hourly["aqi"]).notna().sum()),
        map_layers=lambda: MapLayers(districts=reference.districts(engine), stations=stations),
    )
