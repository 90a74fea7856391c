"""The city map: our own layers (district choropleth or outlines, complaint points, roads by TPI level, air
stations by AQI colour) on an offline blank MapLibre base, or on an intranet style when configured."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.map_base import (
    absent_note,
    area_name,
    colorbar,
    complaint_traces,
    drawable_areas,
    map_figure,
    nothing_to_draw,
    outline_trace,
    present,
    road_traces,
    skipped_note,
    station_traces,
    value_choropleths,
)
from layouts.format import number
from layouts.i18n import t
from layouts.themes import palette


@dataclass(frozen=True)
class MapLayers:
    """The frames drawn on the map; any of them may be empty.

    districts: code, name_zh, name_en, geometry (shapely); rates: code, count, per_10k;
    points: category, category_name, status, requested_at, lon, lat;
    roads: name_zh, name_en, geometry, tpi, level, speed_kmh; stations: name_zh, name_en, lon, lat, aqi, level,
    color, primary. ``subject``: the layer the panel is about ("roads", "stations"), which the map says it has
    nothing of when it is empty (a city without roads, no station reading in the hour).
    """

    districts: pd.DataFrame
    rates: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    roads: pd.DataFrame | None = None
    stations: pd.DataFrame | None = None
    subject: str | None = None


def _choropleth(layers: MapLayers, lang: str, theme: str) -> list[go.Choroplethmap]:
    frame = layers.districts.merge(layers.rates[["code", "count", "per_10k"]], how="left", on="code")
    hover = [
        t(
            "map.hover.district",
            lang,
            name=area_name(row, lang),
            count=number(row["count"], lang),
            rate=number(row["per_10k"], lang, 2),
        )
        for row in frame.to_dict("records")
    ]
    return value_choropleths(
        frame,
        "per_10k",
        hover,
        theme,
        colorbar(t("map.layer.choropleth", lang), theme, length=0.5),
        marker={"line": {"color": palette(theme).outline, "width": 1.5}, "opacity": 0.75},
        name=t("map.layer.choropleth", lang),
    )


def city_map(
    layers: MapLayers,
    lang: str,
    theme: str,
    timezone: str,
    style_url: str | dict | None = None,
    show_legend: bool = True,
    font_size: int = 13,
    fit_px: tuple[int, int] = (600, 400),
) -> go.Figure:
    """The map figure; its base is blank (offline) unless ``style_url`` names an intranet style (or is a
    style itself), fitted to a panel of ``fit_px`` pixels."""
    unseen = nothing_to_draw(lang, theme, font_size, layers.districts, layers.points, layers.roads, layers.stations)
    if unseen is not None:
        return unseen
    layers = replace(layers, districts=drawable_areas(layers.districts))
    if layers.rates is not None:
        traces = _choropleth(layers, lang, theme)
    else:
        traces = [outline_trace(layers.districts, theme)]
    if present(layers.roads):
        traces += road_traces(layers.roads, lang)
    if present(layers.points):
        traces += complaint_traces(layers.points, lang, timezone)
    if present(layers.stations):
        traces += station_traces(layers.stations, lang)
    skipped = tuple(layers.districts.attrs.get("skipped", ()))
    note = skipped_note([layers.districts], lang)
    return map_figure(
        traces, layers.districts, theme, style_url, fit_px, font_size, show_legend, "city-map", skipped, note,
        absent=absent_note(layers, lang),
    )
