"""The environment page's view model: city AQI, its trend (hourly, daily, or HJ 663 monthly figures over a quarter
or more), stations ranked and the latest noise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.kpis.air_months import monthly_evaluation
from dashboard.kpis.aqi import LEVELS
from dashboard.kpis.environment import EXCEEDANCE_AQI
from dashboard.kpis.periods import WINDOWS
from dashboard.kpis.timespan import Span
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


def trend_grain(span: Span) -> str:
    """The grain of the air trend over ``span``: hours over spans read by the hour, months over a quarter or
    longer (HJ 663 evaluates a month, a quarter or a year by its months' figures: there is no monthly AQI),
    else days (HJ 633's daily AQI)."""
    if span.grain == "hour":
        return "hour"
    return "month" if span.grain == "month" or span.unit == "quarter" else "day"


@dataclass(frozen=True)
class EnvironmentView:
    """The city AQI (None: no data), the period's trend at its ``grain`` (:func:`trend_grain`: hourly AQI and
    concentrations; daily AQI and daily values; per month the HJ 663 monthly figures and the days by AQI level,
    :func:`dashboard.kpis.air_months.monthly_evaluation`), stations (and ranked by AQI), the last noise hour per
    station (read when its panel is drawn), hours rated and hours over AQI 100, and the map layers (read when
    the map is drawn)."""

    city: CityAqi | None
    grain: str
    trend: pd.DataFrame
    stations: pd.DataFrame
    ranked: pd.DataFrame
    latest_noise: Callable[[], pd.DataFrame]
    exceed_hours: int
    rated_hours: int
    map_layers: Callable[[], MapLayers]


def latest_noise(view: View) -> pd.DataFrame:
    """The last hour of noise per station in the 24 hours up to the view's now."""
    noise = environment.station_series(view.context.engine, view.now - WINDOWS["24h"], view.now, "laeq")
    return noise.sort_values("hour").drop_duplicates("station_code", keep="last")


def environment_view(view: View) -> EnvironmentView:
    """The environment page's data for the period (noise: its last 24 hours; the AQI now: at the as-of moment)."""
    engine = view.context.engine
    hourly = environment.air_trend(engine, view.start, view.now, view.context.timezone)
    # longer spans draw one daily AQI per local day (HJ 633), not thousands of hours, or months' figures
    grain = trend_grain(view.span)
    daily = hourly if grain == "hour" else environment.air_daily_trend(hourly, view.context.timezone)
    stations = environment.station_aqi(engine, view.context.timezone, view.as_of)
    return EnvironmentView(
        city=environment.city_aqi(engine, view.context.timezone, view.as_of),
        grain=grain,
        trend=monthly_evaluation(daily, view.context.timezone) if grain == "month" else daily,
        stations=stations,
        ranked=stations.sort_values("aqi", ascending=False),
        latest_noise=lambda: latest_noise(view),
        exceed_hours=int((pd.to_numeric(hourly["aqi"]) > EXCEEDANCE_AQI).sum()),
        rated_hours=int(pd.to_numeric(hourly["aqi"]).notna().sum()),
        map_layers=lambda: MapLayers(districts=reference.districts(engine), stations=stations, subject="stations"),
    )
