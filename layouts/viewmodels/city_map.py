"""The city map's layers, as the overview, the complaints page and the wall draw it."""

from __future__ import annotations

from datetime import datetime

from dashboard.context import RequestContext
from dashboard.kpis.periods import WINDOWS
from dashboard.queries import complaints, environment, reference, traffic
from layouts.figures.city_map import MapLayers


def map_layers(
    context: RequestContext,
    now: datetime,
    period: str = "24h",
    district: str | None = None,
    category: str | None = None,
    with_points: bool = True,
    start: datetime | None = None,
) -> MapLayers:
    """The layers of the city map, read in the request ``context``, for the rolling ``period`` ending ``now`` (or
    [``start``, ``now``)) and optional district and category filters; the points are those of the last 24 hours."""
    engine, timezone = context.engine, context.timezone
    districts = reference.districts(engine)
    rates = complaints.per_district(engine, start or now - WINDOWS[period], now, category)
    if district:
        districts = districts[districts["code"] == district]
        rates = rates[rates["code"] == district]
    points = complaints.points(engine, now - WINDOWS["24h"], now, district, category) if with_points else None
    return MapLayers(
        districts=districts,
        rates=rates,
        points=points,
        roads=traffic.rated_segments(engine, now),
        stations=environment.station_aqi(engine, timezone, now),
    )
