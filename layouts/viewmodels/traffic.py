"""The traffic page's view model: the network TPI now, its trend, the worst roads and speeds by road class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from dashboard.kpis.traffic import TPI_LEVELS
from dashboard.queries import reference, traffic
from dashboard.queries.kpis import network_series
from dashboard.queries.traffic import NetworkTpi
from layouts.components.domain import View
from layouts.figures.city_map import MapLayers

#: The TPI level bands drawn behind the trend (lower bound, upper bound, colour).
TPI_BANDS = tuple((level.upper - 2, level.upper, level.color) for level in TPI_LEVELS)
#: Roads in the ranking of the most congested.
WORST_ROADS = 12


@dataclass(frozen=True)
class TrafficView:
    """The network TPI (None: no data), the period's trend, the most congested roads, speeds by road class (read
    when its panel is drawn), the latest speed and congested share (None: no trend), and the map layers (read when
    the map is drawn)."""

    network: NetworkTpi | None
    trend: pd.DataFrame
    worst: pd.DataFrame
    classes: Callable[[], pd.DataFrame]
    speed: float | None
    congested: float | None
    map_layers: Callable[[], MapLayers]


def traffic_view(view: View) -> TrafficView:
    """The traffic page's data for the period (TPI and roads: the latest interval by the as-of moment)."""
    engine = view.context.engine
    hourly = traffic.traffic_trend(engine, view.start, view.now) if view.span.grain == "hour" else None
    if hourly is None:  # the chart per day or month; the tiles' latest hour from the period's last day
        trend = network_series(engine, view.start, view.now, view.context.timezone, view.span.grain)
        hourly = traffic.traffic_trend(engine, max(view.start, view.now - timedelta(days=1)), view.now)
    else:
        trend = hourly
    roads = traffic.rated_segments(engine, view.as_of)
    return TrafficView(
        network=traffic.network(engine, view.as_of),
        trend=trend,
        worst=roads.sort_values("tpi", ascending=False).head(WORST_ROADS),
        classes=lambda: traffic.road_class_speeds(engine, view.start, view.now),
        speed=hourly["speed_kmh"].iloc[-1] if not hourly.empty else None,
        congested=hourly["congested_pct"].iloc[-1] if not hourly.empty else None,
        map_layers=lambda: MapLayers(districts=reference.districts(engine), roads=roads, subject="roads"),
    )
