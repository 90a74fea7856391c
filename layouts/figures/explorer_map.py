"""The analyst's map: water base, an area choropleth of a KPI, complaints as points / H3 cells / heat, roads
by TPI level, air stations by AQI and halls by waiting time — all our own layers on the offline base."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import h3
import pandas as pd
import plotly.graph_objects as go

from layouts.figures.map_base import (
    DIGITS,
    SEQUENTIAL,
    absent_note,
    area_name,
    colorbar,
    complaint_traces,
    drawable_areas,
    line_coords,
    map_figure,
    marker_trace,
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

COMPLAINT_MODES = ("auto", "points", "hex", "heat")
#: Waiting-time bands of the halls layer (minutes) with colour-blind-safe colours, labelled in the legend.
WAIT_BANDS = ((0, 10, "short", "#009E73"), (10, 30, "medium", "#E69F00"), (30, float("inf"), "long", "#D55E00"))
#: Digits and unit key of each area KPI.
AREA_FORMAT = {
    "per_10k": (2, "map.kpi.per_10k"),
    "on_time": (1, "map.kpi.on_time"),
    "received": (0, "map.kpi.received"),
}


@dataclass(frozen=True)
class ExplorerLayers:
    """What the explorer draws; ``None`` leaves a layer out.

    outlines: districts (code, names, geometry) always drawn as lines; areas: the choropleth areas with
    the ``kpi`` column; points: see ``dashboard.queries.map.points``; cells: h3, count, lat, lon;
    halls: names, lon, lat, wait_min, called; focus: the areas the view fits (default the outlines); subject:
    the layer a panel's map is about (the halls page's: "halls"), said to be missing when it is empty.
    """

    outlines: pd.DataFrame
    kpi: str = "per_10k"
    areas: pd.DataFrame | None = None
    water: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None
    heat: bool = False
    roads: pd.DataFrame | None = None
    stations: pd.DataFrame | None = None
    halls: pd.DataFrame | None = None
    focus: pd.DataFrame | None = None
    subject: str | None = None


def _water(water: pd.DataFrame, theme: str) -> go.Scattermap:
    colour = "#1B4F72" if palette(theme).name == "dark" else "#A9CCE3"
    lons, lats, _ = line_coords(water["geometry"])
    return go.Scattermap(
        lon=lons,
        lat=lats,
        mode="lines",
        fill="toself",
        fillcolor=colour,
        line={"color": colour, "width": 1},
        hoverinfo="skip",
        showlegend=False,
        name="water",
    )


def _areas(layers: ExplorerLayers, lang: str, theme: str) -> list[go.Choroplethmap]:
    colours = palette(theme)
    frame = layers.areas
    digits, unit_key = AREA_FORMAT[layers.kpi]
    hover = [
        t(
            "map.hover.area",
            lang,
            name=area_name(row, lang),
            value=number(row[layers.kpi], lang, digits),
            unit=t(unit_key, lang),
            received=number(row["received"], lang),
            due=number(row["due"], lang),
            met=number(row["due_met"], lang),
        )
        for row in frame.to_dict("records")
    ]
    return value_choropleths(
        frame,
        layers.kpi,
        hover,
        theme,
        colorbar(t(unit_key, lang), theme),
        customdata=[["area", c] for c in frame["code"]],
        marker={"line": {"color": colours.outline, "width": 1.5}, "opacity": 0.55},
        name="areas",
    )


@functools.lru_cache(maxsize=65_536)
def _cell_ring(cell: str) -> tuple:
    """An H3 cell's closed boundary ring as (lon, lat) pairs to ``DIGITS`` decimals (the same for every cell
    sharing a vertex, so neighbours still meet)."""
    ring = [(round(lng, DIGITS), round(lat, DIGITS)) for lat, lng in h3.cell_to_boundary(cell)]
    return (*ring, ring[0])


def _cell_geojson(cells: list[str]) -> dict:
    features = [
        {"type": "Feature", "id": cell, "geometry": {"type": "Polygon", "coordinates": [_cell_ring(cell)]}}
        for cell in cells
    ]
    return {"type": "FeatureCollection", "features": features}


def _count_hover(counts: pd.Series, lang: str) -> dict:
    """The cells' hover: each count written once as the trace's text, into one template (not one label each)."""
    return {
        "text": [number(n, lang) for n in counts],
        "hovertemplate": t("map.hover.cell", lang, count="%{text}") + "<extra></extra>",
    }


def _cells(cells: pd.DataFrame, lang: str, theme: str) -> go.Choroplethmap:
    colours = palette(theme)
    return go.Choroplethmap(
        geojson=_cell_geojson(list(cells["h3"])),
        locations=cells["h3"],
        z=cells["count"],
        colorscale=SEQUENTIAL,
        marker={"line": {"color": colours.paper, "width": 0.5}, "opacity": 0.8},
        colorbar=colorbar(t("map.layer.cells", lang), theme, y=0.5),
        name=t("map.layer.cells", lang),
        uid="cells",
        showlegend=False,
        **_count_hover(cells["count"], lang),
    )


def _heat(cells: pd.DataFrame, lang: str) -> go.Densitymap:
    return go.Densitymap(
        lon=cells["lon"],
        lat=cells["lat"],
        z=cells["count"],
        radius=18,
        colorscale=SEQUENTIAL,
        showscale=False,
        name=t("map.layer.heat", lang),
        **_count_hover(cells["count"], lang),
    )


def _halls(halls: pd.DataFrame, lang: str) -> list[go.Scattermap]:
    traces = []
    wait = halls["wait_min"].fillna(0)
    for low, high, key, colour in WAIT_BANDS:
        group = halls[(wait >= low) & (wait < high)]
        if group.empty:
            continue
        hover = [
            t(
                "map.hover.hall",
                lang,
                name=area_name(row, lang),
                wait=number(row["wait_min"], lang, 1),
                called=number(row["called"], lang),
            )
            for row in group.to_dict("records")
        ]
        traces.append(
            marker_trace(
                group,
                {"size": 18, "color": colour, "symbol": "circle"},
                hover,
                f"{t('map.layer.halls', lang)} · {t(f'map.wait.{key}', lang)}",
                "halls",
                [["hall", c] for c in group["code"]],
            )
        )
    return traces


def explorer_map(
    layers: ExplorerLayers,
    lang: str,
    theme: str,
    timezone: str,
    style_url: str | None = None,
    fit_px: tuple[int, int] = (1400, 760),
    font_size: int = 13,
    show_legend: bool = True,
) -> go.Figure:
    """The explorer figure; ``uirevision`` keeps the user's pan and zoom until the focus changes."""
    drawn = (layers.outlines, layers.areas, layers.water, layers.points, layers.cells, layers.roads)
    unseen = nothing_to_draw(lang, theme, font_size, *drawn, layers.stations, layers.halls)
    if unseen is not None:
        return unseen
    layers = replace(
        layers,
        outlines=drawable_areas(layers.outlines),
        areas=drawable_areas(layers.areas),
        focus=drawable_areas(layers.focus),
    )
    traces: list = []
    if present(layers.water):
        traces.append(_water(layers.water, theme))
    if present(layers.areas):
        traces += _areas(layers, lang, theme)
    traces.append(outline_trace(layers.outlines, theme))
    if present(layers.cells):
        traces.append(_heat(layers.cells, lang) if layers.heat else _cells(layers.cells, lang, theme))
    if present(layers.roads):
        traces += road_traces(layers.roads, lang)
    if present(layers.points):
        traces += complaint_traces(layers.points, lang, timezone, size=8)
    if present(layers.stations):
        traces += station_traces(layers.stations, lang)
    if present(layers.halls):
        traces += _halls(layers.halls, lang)
    focus = layers.focus if present(layers.focus) else layers.outlines
    revision = "|".join(sorted(focus["code"])) if "code" in focus else "explorer"
    skipped = tuple(
        dict.fromkeys(
            (*layers.outlines.attrs.get("skipped", ()), *getattr(layers.areas, "attrs", {}).get("skipped", ()))
        )
    )
    note = skipped_note([layers.outlines, layers.areas], lang)
    return map_figure(
        traces, focus, theme, style_url, fit_px, font_size, show_legend, revision, skipped, note,
        absent=absent_note(layers, lang), clickmode="event",
    )
