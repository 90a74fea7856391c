"""The analyst's map: water base, an area choropleth of a KPI, complaints as points / H3 cells / heat, roads
by TPI level, air stations by AQI and halls by waiting time — all our own layers on the offline base."""

from __future__ import annotations

import html
from dataclasses import dataclass

import h3
import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import styled
from layouts.figures.city_map import (
    OTHER_STATUS_COLOUR,
    SEQUENTIAL,
    STATUS_COLOURS,
    area_geojson,
    area_name,
    blank_style_url,
    fit_view,
    line_coords,
    road_traces,
    station_traces,
)
from layouts.format import local_time, number
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
    the ``kpi`` column; points: see ``dashboard.queries.mapview.points``; cells: h3, count, lat, lon;
    halls: names, lon, lat, wait_min, called; focus: the areas the view fits (default the outlines).
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


def _areas(layers: ExplorerLayers, lang: str, theme: str) -> go.Choroplethmap:
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
        for _, row in frame.iterrows()
    ]
    return go.Choroplethmap(
        geojson=area_geojson(frame),
        locations=frame["code"],
        z=frame[layers.kpi].fillna(0),
        customdata=[["area", c] for c in frame["code"]],
        colorscale=SEQUENTIAL,
        marker={"line": {"color": colours.outline, "width": 1.5}, "opacity": 0.55},
        colorbar={
            "title": {"text": t(unit_key, lang)},
            "thickness": 12,
            "len": 0.4,
            "x": 0.99,
            "xanchor": "right",
            "y": 0.98,
            "yanchor": "top",
            "bgcolor": "rgba(0,0,0,0.35)" if colours.name == "dark" else "rgba(255,255,255,0.7)",
        },
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        name="areas",
    )


def _outlines(outlines: pd.DataFrame, theme: str) -> go.Scattermap:
    lons, lats, _ = line_coords(outlines["geometry"])
    return go.Scattermap(
        lon=lons,
        lat=lats,
        mode="lines",
        line={"color": palette(theme).outline, "width": 1.5},
        hoverinfo="skip",
        showlegend=False,
        name="outlines",
    )


def _cell_geojson(cells: list[str]) -> dict:
    features = []
    for cell in cells:
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
        features.append(
            {"type": "Feature", "id": cell, "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}
        )
    return {"type": "FeatureCollection", "features": features}


def _cells(cells: pd.DataFrame, lang: str, theme: str) -> go.Choroplethmap:
    colours = palette(theme)
    return go.Choroplethmap(
        geojson=_cell_geojson(list(cells["h3"])),
        locations=cells["h3"],
        z=cells["count"],
        customdata=[["cell", c] for c in cells["h3"]],
        colorscale=SEQUENTIAL,
        marker={"line": {"color": colours.paper, "width": 0.5}, "opacity": 0.8},
        colorbar={
            "title": {"text": t("map.layer.cells", lang)},
            "thickness": 12,
            "len": 0.4,
            "x": 0.99,
            "xanchor": "right",
            "y": 0.5,
            "yanchor": "top",
            "bgcolor": "rgba(0,0,0,0.35)" if colours.name == "dark" else "rgba(255,255,255,0.7)",
        },
        hovertext=[t("map.hover.cell", lang, count=number(n, lang)) for n in cells["count"]],
        hovertemplate="%{hovertext}<extra></extra>",
        name=t("map.layer.cells", lang),
        showlegend=False,
    )


def _heat(cells: pd.DataFrame, lang: str) -> go.Densitymap:
    return go.Densitymap(
        lon=cells["lon"],
        lat=cells["lat"],
        z=cells["count"],
        radius=18,
        colorscale=SEQUENTIAL,
        showscale=False,
        hovertext=[t("map.hover.cell", lang, count=number(n, lang)) for n in cells["count"]],
        hovertemplate="%{hovertext}<extra></extra>",
        name=t("map.layer.heat", lang),
    )


def _points(points: pd.DataFrame, lang: str, timezone: str) -> list[go.Scattermap]:
    traces = []
    for status, group in points.groupby(points["status"].where(points["status"].isin(list(STATUS_COLOURS)), "other")):
        hover = [
            t(
                "map.hover.complaint",
                lang,
                category=html.escape(str(row["category_name"] or "")),
                time=local_time(row["requested_at"], timezone),
                status=t(f"status.{status}", lang),
            )
            for _, row in group.iterrows()
        ]
        traces.append(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
                mode="markers",
                marker={"size": 8, "color": STATUS_COLOURS.get(status, OTHER_STATUS_COLOUR), "opacity": 0.85},
                customdata=[["ticket", int(i)] for i in group["id"]],
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                name=t(f"status.{status}", lang),
                legendgroup="points",
            )
        )
    return traces


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
            for _, row in group.iterrows()
        ]
        traces.append(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
                mode="markers",
                marker={"size": 18, "color": colour, "symbol": "circle"},
                customdata=[["hall", c] for c in group["code"]],
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                name=f"{t('map.layer.halls', lang)} · {t(f'map.wait.{key}', lang)}",
                legendgroup="halls",
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
    traces: list = []
    if layers.water is not None and not layers.water.empty:
        traces.append(_water(layers.water, theme))
    if layers.areas is not None and not layers.areas.empty:
        traces.append(_areas(layers, lang, theme))
    traces.append(_outlines(layers.outlines, theme))
    if layers.cells is not None and not layers.cells.empty:
        traces.append(_heat(layers.cells, lang) if layers.heat else _cells(layers.cells, lang, theme))
    if layers.roads is not None and not layers.roads.empty:
        traces += road_traces(layers.roads, lang)
    if layers.points is not None and not layers.points.empty:
        traces += _points(layers.points, lang, timezone)
    if layers.stations is not None and not layers.stations.empty:
        traces += station_traces(layers.stations, lang)
    if layers.halls is not None and not layers.halls.empty:
        traces += _halls(layers.halls, lang)
    fig = styled(go.Figure(traces), theme, font_size)
    focus = layers.focus if layers.focus is not None and not layers.focus.empty else layers.outlines
    centre, zoom = fit_view(focus, fit_px)
    colours = palette(theme)
    fig.update_layout(
        map={"style": style_url or blank_style_url(theme), "center": centre, "zoom": zoom},
        showlegend=show_legend,
        legend={
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(14,22,32,0.75)" if colours.name == "dark" else "rgba(255,255,255,0.85)",
        },
        uirevision="|".join(sorted(focus["code"])) if "code" in focus else "explorer",
        clickmode="event",
    )
    return fig
