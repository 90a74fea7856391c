"""The map explorer's view model: the complaint selection, the layers drawn, filter choices and exports."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from dash import dcc

from dashboard.context import RequestContext, request_context
from dashboard.kpis.timespan import (
    CALENDAR,
    CUSTOM,
    ROLLING,
    Span,
    TimeSelection,
    resolve,
    selection_from_query,
)
from dashboard.queries import complaints, environment, halls, reference, traffic
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from layouts.data import snapshot_time
from layouts.figures.explorer_map import ExplorerLayers
from layouts.format import local_date, local_month, local_time
from layouts.i18n import t

#: The area KPIs the choropleth can colour by.
AREA_KPIS = map_queries.AREA_KPIS


#: The periods the explorer offers as buttons: the calendar periods, then the rolling windows.
PERIODS = (*CALENDAR, *ROLLING)
DEFAULT_PERIOD = "7d"


def span_for(now: datetime, timezone: str, period: str | None, time: Mapping | None = None) -> Span:
    """The span the explorer shows: ``period`` (a button), or the URL's custom range (``time``: its query's
    time parameters, ``from``/``to``, also without a period; ``as_of`` kept for every period); an unknown one:
    the last 7 days."""
    query = {k: v for k, v in (time or {}).items() if k in ("from", "to", "as_of")}
    if period is None and query.get("from"):  # a link with a custom range
        period = CUSTOM
    if period != CUSTOM:
        query = {k: v for k, v in query.items() if k == "as_of"} | {"period": period or DEFAULT_PERIOD}
    try:
        selection = selection_from_query(query, default=DEFAULT_PERIOD)
    except ValueError:
        selection = TimeSelection(DEFAULT_PERIOD)
    return resolve(selection, now, timezone)


def steps(span: Span) -> list[datetime]:
    """The slider's steps over ``span``: UTC starts of its hours, local days or local months (its grain), from
    the one holding its start to the one holding its as-of end (a running period has no steps in the future)."""
    zone = ZoneInfo(span.timezone)
    frequency = {"hour": "h", "day": "D", "month": "MS"}[span.grain]
    first = pd.Timestamp(span.start).tz_convert(zone)
    if span.grain == "hour":
        first = first.floor("h")
    else:
        first = first.normalize().replace(day=1) if span.grain == "month" else first.normalize()
    starts = pd.date_range(first, pd.Timestamp(span.end).tz_convert(zone), freq=frequency, inclusive="left")
    return [s.tz_convert("UTC").to_pydatetime() for s in starts] or [span.start]


def page_span(context: RequestContext, period: str | None) -> Span:
    """The span of a page drawn now for the ``period`` button and the request's time parameters."""
    return span_for(snapshot_time(), context.timezone, period, context.time)


def step_counts(context: RequestContext) -> dict[str, int]:
    """The number of slider steps of each period button now (and of the URL's custom range)."""
    now, tz, time = snapshot_time(), context.timezone, context.time
    periods = [*PERIODS, *([CUSTOM] if time and time.get("from") else [])]
    return {p: len(steps(span_for(now, tz, p, time))) for p in periods}


def step_bounds(span: Span, step: int | None) -> tuple[datetime, datetime]:
    """The whole span (``step`` None or past the last), or its ``step``-th step, within [start, end)."""
    starts = steps(span)
    if step is None or not 0 <= step < len(starts):
        return span.start, span.end
    end = starts[step + 1] if step + 1 < len(starts) else span.full_end
    return max(starts[step], span.start), min(end, span.end)


def selection(span: Span, step: int | None, **filters) -> ComplaintFilter:
    """The complaints chosen: the whole span, or its ``step``-th step on the time slider."""
    start, end = step_bounds(span, step)
    return ComplaintFilter(start, end, **{k: v or None for k, v in filters.items()})


def _options(frame: pd.DataFrame, lang: str) -> list[dict]:
    name = "name_en" if lang == "en" else "name_zh"
    return [{"label": n, "value": c} for c, n in zip(frame["code"], frame[name], strict=True)]


def filter_options(lang: str) -> dict[str, list[dict]]:
    """The choices of the district, category and department dropdowns."""
    engine = request_context().engine
    return {
        "district": _options(reference.districts(engine), lang),
        "category": _options(reference.categories(engine), lang),
        "department": _options(map_queries.departments(engine), lang),
    }


#: Leading categories and districts listed beside the map.
TOP = 5


@dataclass(frozen=True)
class Breakdown:
    """The selection beside the map: its leading categories and districts (key, name_zh, name_en, count) and
    its complaints per hour, local day or month (``grain``) over the whole selected range (``hour``: the
    bucket's UTC start)."""

    categories: pd.DataFrame
    districts: pd.DataFrame
    trend: pd.DataFrame
    grain: str


@dataclass(frozen=True)
class MapView:
    """What the explorer shows: its layers, the selection's count and breakdown (read when drawn: if it fails,
    the side column says so and the map is drawn), points drawn (None: cells) and its hours."""

    layers: ExplorerLayers
    total: int
    shown: int | None
    span: Span
    timezone: str
    style_url: str | None
    breakdown: Callable[[], Breakdown]


def breakdown(engine, span: Span, sel: ComplaintFilter) -> Breakdown:
    """The breakdown of the selection ``sel``; its trend over the span's whole range at its grain, filters
    kept."""
    whole = replace(sel, start=span.start, end=span.end)
    return Breakdown(
        categories=map_queries.top_categories(engine, sel, TOP),
        districts=map_queries.top_districts(engine, sel, TOP),
        trend=map_queries.selection_trend(engine, whole, span.timezone, span.grain),
        grain=span.grain,
    )


def _complaints_layer(engine, sel: ComplaintFilter, mode: str, zoom: str) -> dict:
    """Points when zoomed in (auto) or asked for, else H3 cells (coarser city-wide) or their heat."""
    if mode == "points" or (mode == "auto" and zoom == "near"):
        return {"points": map_queries.points(engine, sel)}
    resolution = map_queries.STORED_RES if sel.district or zoom == "near" else map_queries.STORED_RES - 1
    return {"cells": map_queries.cells(engine, sel, resolution), "heat": mode == "heat"}


def _areas(engine, sel: ComplaintFilter, tz: str, district: str | None) -> pd.DataFrame:
    """The district's sub-districts when drilled, else the districts (drilled without sub-districts: that one)."""
    areas = map_queries.area_kpis(engine, sel, tz, "street") if district else None
    if areas is None or areas.empty:
        areas = map_queries.area_kpis(engine, sel, tz)
        areas = areas[areas["code"] == district] if district else areas
    return areas


def _layers(engine, settings, sel: ComplaintFilter, chosen: set[str], mode: str, zoom: str) -> dict:
    tz = settings.city_timezone
    readers = {
        "areas": lambda: {"areas": _areas(engine, sel, tz, sel.district)},
        "complaints": lambda: _complaints_layer(engine, sel, mode, zoom),
        "roads": lambda: {"roads": traffic.rated_segments(engine)},
        "stations": lambda: {"stations": environment.station_aqi(engine, tz, sel.end)},
        "halls": lambda: {"halls": halls.hall_stats(engine, sel.start, sel.end)},
        "water": lambda: {"water": map_queries.water(settings.city_data_dir)},
    }
    parts: dict = {}
    for name, read in readers.items():
        if name in chosen:
            parts |= read()
    return parts


def map_view(context: RequestContext, period, hour, filters: dict, layers, mode, kpi, zoom) -> MapView:
    """The explorer for the request ``context`` (its time: the URL's time parameters) and the controls' values
    (unknown period: 7 days; no mode: auto; no zoom: far); ``hour`` is the slider's step."""
    engine, settings = context.engine, context.settings
    tz = context.timezone
    span = span_for(snapshot_time(), tz, period, context.time)
    sel = selection(span, hour, **filters)
    districts = reference.districts(engine)
    parts = _layers(engine, settings, sel, set(layers or []), mode or "auto", zoom or "far")
    district = filters.get("district")
    focus = districts[districts["code"] == district] if district else None
    drawn = ExplorerLayers(outlines=districts, kpi=kpi or "per_10k", focus=focus, **parts)
    shown = len(parts["points"]) if "points" in parts else None
    total = map_queries.count(engine, sel)
    return MapView(drawn, total, shown, span, tz, settings.map_style_url, lambda: breakdown(engine, span, sel))


def hour_label(view: MapView, hour: int | None, lang: str) -> str:
    """The time the slider shows: the whole span, or the one step chosen (an hour, a day or a month)."""
    tz, span = view.timezone, view.span
    if hour is None or hour >= len(steps(span)):
        return t("map.hour.all", lang, start=local_time(span.start, tz), end=local_time(span.end, tz))
    start = steps(span)[hour]
    if span.grain == "hour":
        return t("map.hour.one", lang, time=local_time(start, tz))
    day = start.astimezone(ZoneInfo(tz)).date()
    named = local_date(day, lang, tz) if span.grain == "day" else local_month(day, lang, tz)
    return t(f"map.step.{span.grain}", lang, date=named)


def ticket(key) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ticket's row and its events (the row is empty for an unknown ticket)."""
    return complaints.ticket(request_context().engine, int(key))


def export(context: RequestContext, period, hour, filters: dict, geojson: bool) -> dict:
    """The download of the selection's rows, as GeoJSON or CSV, for the request ``context`` (its time: the
    URL's time parameters) and the controls' values."""
    span = span_for(snapshot_time(), context.timezone, period, context.time)
    sel = selection(span, hour, **filters)
    rows = map_queries.export_rows(context.engine, sel)
    stamp = sel.start.strftime("%Y%m%d%H")
    if geojson:
        return {
            "content": export_geojson(rows),
            "filename": f"complaints-{stamp}.geojson",
            "type": "application/geo+json",
        }
    return dcc.send_data_frame(rows.to_csv, f"complaints-{stamp}.csv", index=False)


def export_geojson(rows: pd.DataFrame) -> str:
    """The export rows as a GeoJSON FeatureCollection (rows without a point get a null geometry)."""
    features = []
    for record in rows.to_dict("records"):
        lon, lat = record.pop("lon"), record.pop("lat")
        point = None if pd.isna(lon) or pd.isna(lat) else {"type": "Point", "coordinates": [lon, lat]}
        properties = {
            k: None
            if v is None or (not isinstance(v, str) and pd.isna(v))
            else (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in record.items()
        }
        features.append({"type": "Feature", "geometry": point, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
