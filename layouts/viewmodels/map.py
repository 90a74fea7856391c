"""The map explorer's view model: the complaint selection, the layers drawn, filter choices and exports."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pandas as pd
from dash import dcc

from dashboard.context import request_context
from dashboard.kpis.periods import WINDOWS
from dashboard.queries import complaints, environment, halls, reference, traffic
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from layouts.data import snapshot_time
from layouts.figures.explorer_map import ExplorerLayers
from layouts.format import local_time
from layouts.i18n import t

#: The area KPIs the choropleth can colour by.
AREA_KPIS = map_queries.AREA_KPIS


def window(now: datetime, period: str) -> tuple[datetime, datetime, int]:
    """Start and end of the period in whole hours (end: the next full hour) and its number of hours."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = int(WINDOWS[period] / timedelta(hours=1))
    return end - timedelta(hours=hours), end, hours


def selection(now: datetime, period: str, hour: int | None, **filters) -> ComplaintFilter:
    """The complaints chosen: the whole period, or its ``hour``-th hour on the time slider."""
    start, end, hours = window(now, period)
    if hour is not None and 0 <= hour < hours:
        start, end = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
    end = min(end, now)
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
#: Longest selected range (hours) whose trend is drawn hour by hour; longer ones day by day.
HOURLY_TREND_HOURS = 48


@dataclass(frozen=True)
class Breakdown:
    """The selection beside the map: its leading categories and districts (key, name_zh, name_en, count) and
    its complaints per hour or local day over the whole selected range (``hour``: the bucket's UTC start)."""

    categories: pd.DataFrame
    districts: pd.DataFrame
    trend: pd.DataFrame
    daily: bool


@dataclass(frozen=True)
class MapView:
    """What the explorer shows: its layers, the selection's count and breakdown, points drawn (None: cells) and
    its hours."""

    layers: ExplorerLayers
    total: int
    shown: int | None
    now: datetime
    period: str
    timezone: str
    style_url: str | None
    breakdown: Breakdown


def trend(hourly: pd.DataFrame, timezone: str, daily: bool) -> pd.DataFrame:
    """The hourly counts (``hour`` in UTC, ``count``) as they are, or summed per local day of ``timezone``
    (``hour``: the day's start in UTC)."""
    if not daily or hourly.empty:
        return hourly
    local = pd.to_datetime(hourly["hour"], utc=True).dt.tz_convert(timezone)
    days = local.dt.normalize()
    summed = hourly.groupby(days.to_numpy(), sort=True)["count"].sum()
    return pd.DataFrame({"hour": pd.DatetimeIndex(summed.index).tz_convert("UTC"), "count": summed.to_numpy()})


def breakdown(engine, now: datetime, period: str, sel: ComplaintFilter, tz: str) -> Breakdown:
    """The breakdown of the selection ``sel``; its trend over the period's whole range, filters kept."""
    start, end, hours = window(now, period)
    whole = replace(sel, start=start, end=min(end, now))
    daily = hours > HOURLY_TREND_HOURS
    return Breakdown(
        categories=map_queries.top_categories(engine, sel, TOP),
        districts=map_queries.top_districts(engine, sel, TOP),
        trend=trend(map_queries.hourly(engine, whole), tz, daily),
        daily=daily,
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
        "stations": lambda: {"stations": environment.station_aqi(engine, tz)},
        "halls": lambda: {"halls": halls.hall_stats(engine, sel.start, sel.end)},
        "water": lambda: {"water": map_queries.water(settings.city_data_dir)},
    }
    parts: dict = {}
    for name, read in readers.items():
        if name in chosen:
            parts |= read()
    return parts


def map_view(period, hour, filters: dict, layers, mode, kpi, zoom) -> MapView:
    """The explorer for the controls' values (unknown period: 7 days; no mode: auto; no zoom: far)."""
    context = request_context()
    engine, settings = context.engine, context.settings
    now = snapshot_time()
    period = period if period in WINDOWS else "7d"
    sel = selection(now, period, hour, **filters)
    districts = reference.districts(engine)
    parts = _layers(engine, settings, sel, set(layers or []), mode or "auto", zoom or "far")
    district = filters.get("district")
    focus = districts[districts["code"] == district] if district else None
    drawn = ExplorerLayers(outlines=districts, kpi=kpi or "per_10k", focus=focus, **parts)
    shown = len(parts["points"]) if "points" in parts else None
    total = map_queries.count(engine, sel)
    tz = settings.city_timezone
    return MapView(
        drawn, total, shown, now, period, tz, settings.map_style_url, breakdown(engine, now, period, sel, tz)
    )


def hour_label(view: MapView, hour: int | None, lang: str) -> str:
    """The time the slider shows: the whole period, or the one hour chosen."""
    start, end, hours = window(view.now, view.period)
    tz = view.timezone
    if hour is None or hour >= hours:
        return t("map.hour.all", lang, start=local_time(start, tz), end=local_time(min(end, view.now), tz))
    return t("map.hour.one", lang, time=local_time(start + timedelta(hours=hour), tz))


def ticket(key) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ticket's row and its events (the row is empty for an unknown ticket)."""
    return complaints.ticket(request_context().engine, int(key))


def export(period, hour, filters: dict, geojson: bool) -> dict:
    """The download of the selection's rows, as GeoJSON or CSV."""
    sel = selection(snapshot_time(), period if period in WINDOWS else "7d", hour, **filters)
    rows = map_queries.export_rows(request_context().engine, sel)
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
