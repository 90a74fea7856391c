"""The city map: our own layers (district choropleth and outlines, complaint points, roads by TPI level,
air stations by AQI colour) on an offline blank MapLibre base, or on an intranet style when configured."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import shapely

from dashboard.kpis.traffic import TPI_LEVELS
from layouts.figures.base import styled
from layouts.format import local_time, number
from layouts.i18n import TRANSLATIONS, t
from layouts.themes import palette

STATUS_COLOURS = {
    "received": "#42A5F5",
    "dispatched": "#7E57C2",
    "accepted": "#26A69A",
    "returned": "#EF5350",
    "extended": "#FFA726",
    "closed": "#9CCC65",
    "revisited": "#BDBDBD",
}
OTHER_STATUS_COLOUR = "#78909C"
#: Sequential scale readable by colour-blind viewers.
SEQUENTIAL = "Cividis"


@dataclass(frozen=True)
class MapLayers:
    """The frames drawn on the map; any of them may be empty.

    districts: code, name_zh, name_en, geometry (shapely); rates: code, count, per_10k;
    points: category, category_name, status, requested_at, lon, lat;
    roads: name_zh, name_en, geometry, tpi, level, speed_kmh; stations: name_zh, name_en, lon, lat, aqi, level,
    color, primary.
    """

    districts: pd.DataFrame
    rates: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    roads: pd.DataFrame | None = None
    stations: pd.DataFrame | None = None


def blank_style(theme: str) -> dict:
    """A MapLibre style with no sources at all: only a background colour (nothing is fetched)."""
    colour = palette(theme).map_background
    return {
        "version": 8,
        "sources": {},
        "layers": [{"id": "background", "type": "background", "paint": {"background-color": colour}}],
    }


def blank_style_url(theme: str) -> str:
    """The blank style served from our assets (``map-blank-<theme>.json``, equal to ``blank_style``). A URL,
    not a dict: Plotly then sees the same style on every update and never resets the map's layers."""
    return f"/assets/map-blank-{palette(theme).name}.json"


def area_name(row, lang: str) -> str:
    return html.escape(str(row["name_en"] if lang == "en" else row["name_zh"]))


def area_geojson(districts: pd.DataFrame) -> dict:
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code}, "geometry": shapely.geometry.mapping(geom)}
        for code, geom in zip(districts["code"], districts["geometry"], strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def fit_view(districts: pd.DataFrame, fit_px: tuple[int, int]) -> tuple[dict, float]:
    """Centre and zoom that fit the districts into a panel of ``fit_px`` (width, height) pixels."""
    if districts.empty:
        return {"lon": 120.6, "lat": 30.9}, 9.0
    minx, miny, maxx, maxy = shapely.total_bounds(districts["geometry"].to_numpy())
    dx, dy = max(maxx - minx, 1e-3), max(maxy - miny, 1e-3)
    # at zoom z the world is 512·2^z pixels wide; latitude degrees are longer by 1/cos(lat)
    stretch = 1 / math.cos(math.radians((miny + maxy) / 2))
    zoom = min(math.log2(fit_px[0] * 360 / (512 * dx)), math.log2(fit_px[1] * 360 / (512 * dy * stretch))) - 0.15
    return {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2}, zoom


def line_coords(geometries) -> tuple[list, list, list[int]]:
    """Coordinates of (multi)line strings joined with None gaps, and each vertex's row index."""
    lons: list = []
    lats: list = []
    rows: list[int] = []
    for i, geom in enumerate(geometries):
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            coords = list(part.exterior.coords) if part.geom_type == "Polygon" else list(part.coords)
            for x, y in coords:
                lons.append(x)
                lats.append(y)
                rows.append(i)
            lons.append(None)
            lats.append(None)
            rows.append(i)
    return lons, lats, rows


def _choropleth(layers: MapLayers, lang: str, theme: str) -> list[go.BaseTraceType]:
    colours = palette(theme)
    districts = layers.districts
    if layers.rates is None:
        lons, lats, _ = line_coords(districts["geometry"])
        return [
            go.Scattermap(
                lon=lons,
                lat=lats,
                mode="lines",
                line={"color": colours.outline, "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
            )
        ]
    frame = districts.merge(layers.rates[["code", "count", "per_10k"]], how="left", on="code")
    hover = [
        t(
            "map.hover.district",
            lang,
            name=area_name(row, lang),
            count=number(row["count"], lang),
            rate=number(row["per_10k"], lang, 2),
        )
        for _, row in frame.iterrows()
    ]
    return [
        go.Choroplethmap(
            geojson=area_geojson(frame),
            locations=frame["code"],
            z=frame["per_10k"].fillna(0),
            colorscale=SEQUENTIAL,
            marker={"line": {"color": colours.outline, "width": 1.5}, "opacity": 0.75},
            colorbar={
                "title": {"text": t("map.layer.choropleth", lang)},
                "thickness": 12,
                "len": 0.5,
                "x": 0.99,
                "xanchor": "right",
                "y": 0.98,
                "yanchor": "top",
                "bgcolor": "rgba(0,0,0,0.25)" if colours.name == "dark" else "rgba(255,255,255,0.7)",
            },
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            name=t("map.layer.choropleth", lang),
            showlegend=False,
        )
    ]


def road_traces(roads: pd.DataFrame, lang: str) -> list[go.BaseTraceType]:
    traces = []
    for level in TPI_LEVELS:
        subset = roads[roads["level"] == level.key].reset_index(drop=True)
        if subset.empty:
            continue
        lons, lats, rows = line_coords(subset["geometry"])
        labels = [
            t(
                "map.hover.road",
                lang,
                name=area_name(row, lang),
                tpi=number(row["tpi"], lang, 1),
                level=t(f"tpi.{row['level']}", lang),
                speed=number(row["speed_kmh"], lang),
            )
            for _, row in subset.iterrows()
        ]
        traces.append(
            go.Scattermap(
                lon=lons,
                lat=lats,
                mode="lines",
                line={"color": level.color, "width": 4},
                hovertext=[labels[i] for i in rows],
                hovertemplate="%{hovertext}<extra></extra>",
                name=f"{t('map.layer.roads', lang)} · {t(f'tpi.{level.key}', lang)}",
                legendgroup="roads",
            )
        )
    return traces


def _points(points: pd.DataFrame, lang: str, timezone: str) -> list[go.BaseTraceType]:
    traces = []
    known = set(STATUS_COLOURS)
    statuses = [s for s in STATUS_COLOURS if s in set(points["status"])]
    if not points["status"].isin(known).all():
        statuses.append("other")
    for status in statuses:
        subset = points[points["status"] == status] if status != "other" else points[~points["status"].isin(known)]
        hover = [
            t(
                "map.hover.complaint",
                lang,
                category=html.escape(str(row["category_name"] or row["category"] or "")),
                time=local_time(row["requested_at"], timezone),
                status=t(f"status.{status}", lang),
            )
            for _, row in subset.iterrows()
        ]
        traces.append(
            go.Scattermap(
                lon=subset["lon"],
                lat=subset["lat"],
                mode="markers",
                marker={"size": 7, "color": STATUS_COLOURS.get(status, OTHER_STATUS_COLOUR), "opacity": 0.85},
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                name=t(f"status.{status}", lang),
                legendgroup="points",
            )
        )
    return traces


def station_traces(stations: pd.DataFrame, lang: str) -> list[go.Scattermap]:
    """One trace per AQI level, named with its level so the legend labels the standard colours in words."""

    def primary(value: str) -> str:
        names = [t(f"pollutant.{p}", lang) for p in value.split(",") if f"pollutant.{p}" in TRANSLATIONS[lang]]
        return "、".join(names) if names else t("pollutant.none", lang)

    traces = []
    for level, group in stations.groupby("level", sort=False):
        hover = [
            t(
                "map.hover.station",
                lang,
                name=area_name(row, lang),
                aqi=number(row["aqi"], lang),
                level=t(f"aqi.{row['level']}", lang),
                primary=primary(row["primary"] or ""),
            )
            for _, row in group.iterrows()
        ]
        traces.append(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
                mode="markers",
                marker={"size": 16, "color": group["color"].iloc[0], "opacity": 0.95},
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                name=f"{t('map.layer.stations', lang)} · {t(f'aqi.{level}', lang)}",
                legendgroup="stations",
            )
        )
    return traces


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
    style itself)."""
    traces = _choropleth(layers, lang, theme)
    if layers.roads is not None and not layers.roads.empty:
        traces += road_traces(layers.roads, lang)
    if layers.points is not None and not layers.points.empty:
        traces += _points(layers.points, lang, timezone)
    if layers.stations is not None and not layers.stations.empty:
        traces += station_traces(layers.stations, lang)
    fig = styled(go.Figure(traces), theme, font_size)
    centre, zoom = fit_view(layers.districts, fit_px)
    colours = palette(theme)
    fig.update_layout(
        map={"style": style_url or blank_style_url(theme), "center": centre, "zoom": zoom},
        showlegend=show_legend,
        legend={
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(14,22,32,0.7)" if colours.name == "dark" else "rgba(255,255,255,0.8)",
        },
        uirevision="city-map",
    )
    return fig
