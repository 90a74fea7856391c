"""The map explorer's view model: the complaint selection, the layers drawn, filter choices and exports."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from dash import dcc

from dashboard.context import RequestContext
from dashboard.kpis.compare import covered
from dashboard.kpis.timespan import (
    CALENDAR,
    CUSTOM,
    ROLLING,
    Span,
    TimeSelection,
    comparison,
    resolve,
    selection_from_query,
)
from dashboard.queries import complaints, environment, halls, reference, traffic
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from dashboard.queries.kpis import data_hours
from layouts.data import snapshot_time
from layouts.figures.explorer_map import ExplorerLayers
from layouts.format import local_date, local_month, local_time
from layouts.i18n import t

#: The area KPIs the choropleth can colour by.
AREA_KPIS = map_queries.AREA_KPIS


#: The periods the explorer offers as buttons: the calendar periods, then the rolling windows.
PERIODS = (*CALENDAR, *ROLLING)
DEFAULT_PERIOD = "7d"
#: The URL's time parameters every period button keeps.
KEPT = ("as_of", "compare")


def span_for(now: datetime, timezone: str, period: str | None, time: Mapping | None = None) -> Span:
    """The span the explorer shows: ``period`` (a button), or the URL's custom range (``time``: its query's
    time parameters, ``from``/``to``, also without a period; ``as_of`` and ``compare`` kept for every period);
    an unknown one: the last 7 days."""
    query = {k: v for k, v in (time or {}).items() if k in ("from", "to", "as_of", "compare")}
    if period is None and query.get("from"):  # a link with a custom range
        period = CUSTOM
    if period != CUSTOM:
        query = {k: v for k, v in query.items() if k in KEPT} | {"period": period or DEFAULT_PERIOD}
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
    return span_for(snapshot_time(context), context.timezone, period, context.time)


def step_counts(context: RequestContext) -> dict[str, int]:
    """The number of slider steps of each period button now (and of the URL's custom range)."""
    now, tz, time = snapshot_time(context), context.timezone, context.time
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


def filter_options(context: RequestContext) -> dict[str, list[dict]]:
    """The choices of the district, category and department dropdowns, in the request's language."""
    engine, lang = context.engine, context.language
    return {
        "district": _options(reference.districts(engine), lang),
        "category": _options(reference.categories(engine), lang),
        "department": _options(map_queries.departments(engine), lang),
    }


#: Leading categories and districts listed beside the map.
TOP = 5


@dataclass(frozen=True)
class Compared:
    """The selection over the span its time selection compares with (``kind``: previous or year; the same
    slider step of it, the same filters): its count and the counts of the keys listed beside the map (a key
    absent: none then). ``total`` None: the complaints' data does not reach back that far ("no data")."""

    kind: str
    period: str
    total: int | None
    categories: dict
    districts: dict


@dataclass(frozen=True)
class Breakdown:
    """The selection beside the map: its leading categories and districts (key, name_zh, name_en, count), its
    complaints per hour, local day or month (``grain``) over the whole selected range (``hour``: the bucket's
    UTC start) and, when the selection compares, the same over the compared span."""

    categories: pd.DataFrame
    districts: pd.DataFrame
    trend: pd.DataFrame
    grain: str
    compared: Compared | None = None


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


def breakdown(engine, span: Span, sel: ComplaintFilter, step: int | None = None) -> Breakdown:
    """The breakdown of the selection ``sel`` (the ``step``-th step of ``span``); its trend over the span's
    whole range at its grain, filters kept; its comparison when the span's selection asks for one."""
    whole = replace(sel, start=span.start, end=span.end)
    categories = map_queries.top_categories(engine, sel, TOP)
    districts = map_queries.top_districts(engine, sel, TOP)
    return Breakdown(
        categories=categories,
        districts=districts,
        trend=map_queries.selection_trend(engine, whole, span.timezone, span.grain),
        grain=span.grain,
        compared=compared(engine, span, sel, step),
    )


def compared_bounds(span: Span, base: Span, step: int | None) -> tuple[datetime, datetime] | None:
    """The bounds in the comparison span ``base`` of the ``step``-th step of ``span`` (the step of the same
    index: the same hour, day or month of the period), the whole of it without a step; None when ``base`` has
    no such step (a 31st day against a 30-day month)."""
    if step is None or step >= len(steps(span)):
        return base.start, base.end
    if step >= len(steps(base)):
        return None
    return step_bounds(base, step)


def compared(engine, span: Span, sel: ComplaintFilter, step: int | None) -> Compared | None:
    """The selection ``sel`` over the span ``span`` compares with (None: no comparison asked)."""
    base = comparison(span, span.timezone)
    if base is None:
        return None
    first, last = data_hours(engine).get("complaints", (None, None))
    bounds = compared_bounds(span, base, step)
    if bounds is None or not covered(first, last, bounds[0]):
        return Compared(span.compare, span.period, None, {}, {})
    then = replace(sel, start=bounds[0], end=bounds[1])
    every = 10_000  # every key: their number is that of the categories or districts

    def counts(frame: pd.DataFrame) -> dict:
        return dict(zip(frame["key"], frame["count"], strict=True))

    return Compared(
        span.compare,
        span.period,
        map_queries.count(engine, then, span.timezone),
        counts(map_queries.top_categories(engine, then, every)),
        counts(map_queries.top_districts(engine, then, every)),
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
    """The ``chosen`` layers of the selection: complaints and areas over its bounds, halls' waits over them, roads
    and stations as they stood at its end (the slider's step, the as-of moment)."""
    tz = settings.city_timezone
    readers = {
        "areas": lambda: {"areas": _areas(engine, sel, tz, sel.district)},
        "complaints": lambda: _complaints_layer(engine, sel, mode, zoom),
        "roads": lambda: {"roads": traffic.rated_segments(engine, sel.end)},
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
    span = span_for(snapshot_time(context), tz, period, context.time)
    sel = selection(span, hour, **filters)
    districts = reference.districts(engine)
    parts = _layers(engine, settings, sel, set(layers or []), mode or "auto", zoom or "far")
    district = filters.get("district")
    focus = districts[districts["code"] == district] if district else None
    drawn = ExplorerLayers(outlines=districts, kpi=kpi or "per_10k", focus=focus, **parts)
    shown = len(parts["points"]) if "points" in parts else None
    total = map_queries.count(engine, sel, tz)
    return MapView(
        drawn, total, shown, span, tz, settings.map_style_url, lambda: breakdown(engine, span, sel, _int(hour))
    )


def _int(value) -> int | None:
    return value if isinstance(value, int) else None


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


def ticket(context: RequestContext, key) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ticket's row and its events (the row is empty for an unknown ticket)."""
    return complaints.ticket(context.engine, int(key))


def export(context: RequestContext, period, hour, filters: dict, geojson: bool) -> dict:
    """The download of the selection's rows, as GeoJSON or CSV, for the request ``context`` (its time: the
    URL's time parameters) and the controls' values."""
    span = span_for(snapshot_time(context), context.timezone, period, context.time)
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
