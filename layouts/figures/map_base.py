"""What the city map and the explorer share: the offline base style, fitting a view to areas, the layers both
draw (district outlines, complaints by status, roads by TPI level, stations by AQI), colour bars and the
figure around them."""

from __future__ import annotations

import functools
import html
import logging
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from dashboard.geo.geometry import polygonal, simplified
from dashboard.kpis.traffic import TPI_LEVELS
from layouts.figures.base import figure
from layouts.figures.charts import empty
from layouts.format import columns, local_time, number
from layouts.i18n import TRANSLATIONS, t
from layouts.themes import palette

#: Areas a map's note of those it could not draw names, at most (it counts them all).
SKIPPED_NAMED = 5
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
log = logging.getLogger("layouts.figures")
#: Sequential scale readable by colour-blind viewers.
SEQUENTIAL = "Cividis"
#: Decimals of the coordinates a map is sent: 1e-5° is about 1 m, finer than a pixel at any zoom the maps open on.
DIGITS = 5
#: How far (degrees) an area's drawn outline may stray from its boundary: about 10 m, under one pixel up to
#: zoom 12.5, where the explorer turns from areas and cells to points.
TOLERANCE = 1e-4


def blank_style_url(theme: str) -> str:
    """The blank offline style served from our assets (``map-blank-<theme>.json``: no sources, only the theme's
    background colour). A URL, not a dict: Plotly then sees the same style on every update and never resets
    the map's layers."""
    return f"/assets/map-blank-{palette(theme).name}.json"


def area_name(row, lang: str) -> str:
    return html.escape(str(row["name_en"] if lang == "en" else row["name_zh"]))


@functools.lru_cache(maxsize=16_384)
def display_shape(geom):
    """An area's shape as maps draw it: simplified within ``TOLERANCE``, coordinates to ``DIGITS`` decimals;
    computed once per boundary (the geometry is its own key) and kept."""
    return shapely.transform(simplified(geom, TOLERANCE), lambda xy: np.round(xy, DIGITS))


def area_geojson(districts: pd.DataFrame) -> dict:
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code}, "geometry": shapely.geometry.mapping(geom)}
        for code, geom in zip(districts["code"], districts["geometry"], strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def fit_view(districts: pd.DataFrame, fit_px: tuple[int, int], room: tuple[int, int] = (0, 0)) -> tuple[dict, float]:
    """Centre and zoom that fit the districts into a panel of ``fit_px`` (width, height) pixels, less ``room``
    (pixels at its right and at its foot, where colour bars lie over the map): they sit in the rest."""
    if districts.empty:
        return {"lon": 120.6, "lat": 30.9}, 9.0
    minx, miny, maxx, maxy = shapely.total_bounds(districts["geometry"].to_numpy())
    dx, dy = max(maxx - minx, 1e-3), max(maxy - miny, 1e-3)
    width, height = max(fit_px[0] - room[0], fit_px[0] / 2), max(fit_px[1] - room[1], fit_px[1] / 2)
    # at zoom z the world is 512·2^z pixels wide; latitude degrees are longer by 1/cos(lat)
    stretch = 1 / math.cos(math.radians((miny + maxy) / 2))
    zoom = min(math.log2(width * 360 / (512 * dx)), math.log2(height * 360 / (512 * dy * stretch))) - 0.15
    per_degree = 512 * 2**zoom / 360  # pixels per degree of longitude
    shift_x, shift_y = (fit_px[0] - width) / 2, (fit_px[1] - height) / 2
    return {
        "lon": (minx + maxx) / 2 + shift_x / per_degree,
        "lat": (miny + maxy) / 2 - shift_y / (per_degree * stretch),
    }, zoom


def _shows_bar(trace) -> bool:
    """Whether ``trace`` draws a titled colour bar (as :func:`colorbar` makes them)."""
    bar = getattr(trace, "colorbar", None)
    return getattr(trace, "showscale", None) is not False and bar is not None and bool(bar.title.text)


def _bar_rooms(traces: list, font_size: int) -> tuple[int, int]:
    """Pixels the traces' colour bars (see :func:`colorbar`) take standing at the map's right edge (the widest,
    with its ticks and title) and lying across its foot (stacked, each with its ticks and title)."""
    right = foot = 0
    for trace in traces:
        bar, pad = trace.colorbar, 10
        ticks = 0.6 * font_size * len(f"{trace.zmax:.3g}" if trace.zmax is not None else "0000")
        title = 0.6 * font_size * columns(bar.title.text)
        right = max(right, round(max(bar.thickness + pad / 2 + ticks, title) + 2 * pad))
        foot += round(bar.thickness + 2 * pad + 2.6 * font_size)
    return right, foot


def fit_beside_bars(
    traces: list, focus: pd.DataFrame, fit_px: tuple[int, int], font_size: int
) -> tuple[dict, float, tuple[int, int]]:
    """The view (centre, zoom) fitting ``focus`` clear of the traces' colour bars, and the room (right, foot) in
    pixels they take: the bars stay at the map's right edge, or lie across its foot when that leaves the districts
    larger (a narrow panel)."""
    shown = [trace for trace in traces if _shows_bar(trace)]
    if not shown:
        return *fit_view(focus, fit_px), (0, 0)
    right, foot = _bar_rooms(shown, font_size)
    beside, below = fit_view(focus, fit_px, (right, 0)), fit_view(focus, fit_px, (0, foot))
    if beside[1] >= below[1]:
        return *beside, (right, 0)
    for i, trace in enumerate(shown):
        y = 0.01 + i * (foot / len(shown)) / fit_px[1]
        trace.colorbar.update(orientation="h", x=0.5, xanchor="center", y=y, yanchor="bottom", len=0.9)
    return *below, (0, foot)


def _paths(geom):
    """The coordinate sequences of ``geom``'s lines and polygon rings (points and empty parts have none)."""
    if geom is None or geom.is_empty:
        return
    if geom.geom_type == "Polygon":
        yield geom.exterior.coords
        for ring in geom.interiors:
            yield ring.coords
    elif geom.geom_type in ("LineString", "LinearRing"):
        yield geom.coords
    else:
        for part in getattr(geom, "geoms", ()):
            yield from _paths(part)


def line_coords(geometries) -> tuple[list, list, list[int]]:
    """Coordinates of the lines and polygon rings of any geometries (collections too) joined with None gaps, and
    each vertex's row index."""
    lons: list = []
    lats: list = []
    rows: list[int] = []
    for i, geom in enumerate(geometries):
        for path in _paths(geom):
            for x, y in path:
                lons.append(x)
                lats.append(y)
                rows.append(i)
            lons.append(None)
            lats.append(None)
            rows.append(i)
    return lons, lats, rows


def drawable_areas(areas: pd.DataFrame | None) -> pd.DataFrame | None:
    """The areas with only their polygonal parts (from any geometry, collections included), as maps draw them
    (:func:`display_shape`); areas with none are left out, counted and logged with their codes, and listed in
    the frame's ``attrs``: their codes in ``"skipped"``, their code and names in ``"skipped_names"`` (for the
    map's note)."""
    if areas is None or areas.empty:
        return areas
    shapes = areas["geometry"].map(polygonal)
    drawn = areas[shapes.notna()].assign(geometry=shapes[shapes.notna()].map(display_shape))
    left_out = areas[shapes.isna()]
    skipped = [str(c) for c in (left_out["code"] if "code" in areas else left_out.index)]
    if skipped:
        log.warning("%d areas without polygonal geometry not drawn: %s", len(skipped), ", ".join(skipped))
    drawn.attrs["skipped"] = skipped
    drawn.attrs["skipped_names"] = [
        (code, *(_text(row.get(column)) for column in ("name_zh", "name_en")))
        for code, row in zip(skipped, left_out.to_dict("records"), strict=True)
    ]
    return drawn


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def skipped_note(frames: list[pd.DataFrame | None], lang: str) -> str | None:
    """The note a map shows of the areas it could not draw (from :func:`drawable_areas`' frames): how many, and
    the first ``SKIPPED_NAMED`` of them by name (in ``lang``) and code; None when every area is drawn."""
    named = {}
    for frame in frames:
        for code, name_zh, name_en in getattr(frame, "attrs", {}).get("skipped_names", ()):
            named.setdefault(code, (name_en or name_zh) if lang == "en" else (name_zh or name_en))
    if not named:
        return None
    labels = [f"{name} ({code})" if name else code for code, name in list(named.items())[:SKIPPED_NAMED]]
    names = ("、" if lang == "zh" else ", ").join(labels) + (" …" if len(named) > SKIPPED_NAMED else "")
    key = "map.skipped.one" if len(named) == 1 else "map.skipped"
    return t(key, lang, count=number(len(named), lang), names=names)


def absent_note(layers, lang: str) -> str | None:
    """What a map about one layer (its ``subject``: roads, stations, halls) says when that layer has nothing to
    show, over the areas it still draws; None when it has, or when the map is about no one layer."""
    subject = layers.subject
    return t(f"map.absent.{subject}", lang) if subject and not present(getattr(layers, subject)) else None


def present(frame: pd.DataFrame | None) -> bool:
    """Whether a layer has anything to draw."""
    return frame is not None and not frame.empty


def nothing_to_draw(lang: str, theme: str, font_size: int, *frames: pd.DataFrame | None) -> go.Figure | None:
    """A map saying it has nothing to draw when none of its layers ``frames`` has a row (no areas, no places:
    a city without reference data), instead of an empty base; None when there is something."""
    if any(present(frame) for frame in frames):
        return None
    return empty(t("map.none", lang), theme, font_size)


def outline_trace(areas: pd.DataFrame, theme: str) -> go.Scattermap:
    """The areas' outlines as lines (no fill, no hover)."""
    lons, lats, _ = line_coords(areas["geometry"])
    return go.Scattermap(
        lon=lons,
        lat=lats,
        mode="lines",
        line={"color": palette(theme).outline, "width": 1.5},
        hoverinfo="skip",
        showlegend=False,
        name="outlines",
    )


def count_scale(values: pd.Series) -> dict:
    """A choropleth's colour range for known counts and rates, which are never negative: from the smallest value
    to the largest, or from 0 when they are all the same (plotly would centre one value in a range reaching
    below 0)."""
    low, high = float(values.min()), float(values.max())
    if low == high:
        low, high = 0.0, high if high > 0 else 1.0
    return {"zmin": low, "zmax": high}


def value_choropleths(
    frame: pd.DataFrame, column: str, hover: list[str], theme: str, bar: dict, customdata: list | None = None,
    **style,
) -> list[go.Choroplethmap]:
    """``frame``'s areas (code, geometry) filled by ``column`` on the sequential scale, with colour bar ``bar``, and
    the areas whose value is unknown (no population for a per-capita rate) in a neutral grey of their own, with
    no scale: an unknown value is neither the low end nor 0. Every area keeps its hover and ``customdata``."""
    values = pd.to_numeric(frame[column], errors="coerce")
    known = values.notna().to_numpy()
    hover = np.asarray(hover, dtype=object)
    customdata = None if customdata is None else np.asarray(customdata, dtype=object)
    traces = []
    for part, fill in ((known, None), (~known, palette(theme).muted)):
        if not part.any():
            continue
        scale = (
            {"z": values[part], **count_scale(values[part]), "colorscale": SEQUENTIAL, "colorbar": bar,
             "showscale": True}
            if fill is None
            else {"z": np.zeros(int(part.sum())), "colorscale": [[0, fill], [1, fill]], "showscale": False}
        )
        traces.append(
            go.Choroplethmap(
                geojson=area_geojson(frame[part]),
                locations=frame["code"][part],
                customdata=None if customdata is None else customdata[part],
                hovertext=hover[part],
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
                **scale,
                **style,
            )
        )
    return traces


def colorbar(title: str, theme: str, y: float = 0.98, length: float = 0.4) -> dict:
    """A slim colour bar at the map's right edge, its top at ``y`` (:func:`fit_beside_bars` lays it across the
    map's foot instead where that leaves the city larger)."""
    dark = palette(theme).name == "dark"
    return {
        "title": {"text": title},
        "thickness": 12,
        "x": 0.99,
        "xanchor": "right",
        "y": y,
        "yanchor": "top",
        "len": length,
        "bgcolor": "rgba(0,0,0,0.35)" if dark else "rgba(255,255,255,0.7)",
    }


def marker_trace(
    points: pd.DataFrame, marker: dict, hover: list[str], name: str, group: str, customdata: list | None = None
) -> go.Scattermap:
    """``points`` (lon, lat) as markers with their hover texts, named and grouped in the legend."""
    return go.Scattermap(
        lon=points["lon"],
        lat=points["lat"],
        mode="markers",
        marker=marker,
        customdata=customdata,
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        name=name,
        legendgroup=group,
    )


def complaint_traces(points: pd.DataFrame, lang: str, timezone: str, size: int = 7) -> list[go.Scattermap]:
    """One trace per status, in lifecycle order (unknown statuses last, as "other"); with an ``id`` column each
    point carries ``["ticket", id]`` for a click."""
    traces = []
    known = points["status"].isin(list(STATUS_COLOURS))
    statuses = [s for s in STATUS_COLOURS if s in set(points["status"])] + (["other"] if not known.all() else [])
    for status in statuses:
        group = points[points["status"] == status] if status != "other" else points[~known]
        hover = [
            t(
                "map.hover.complaint",
                lang,
                category=html.escape(str(row.get("category_name") or row.get("category") or "")),
                time=local_time(row["requested_at"], timezone, lang=lang),
                status=t(f"status.{status}", lang),
            )
            for row in group.to_dict("records")
        ]
        traces.append(
            marker_trace(
                group,
                {"size": size, "color": STATUS_COLOURS.get(status, OTHER_STATUS_COLOUR), "opacity": 0.85},
                hover,
                t(f"status.{status}", lang),
                "points",
                [["ticket", int(i)] for i in group["id"]] if "id" in group else None,
            )
        )
    return traces


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
            for row in subset.to_dict("records")
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
            for row in group.to_dict("records")
        ]
        traces.append(
            marker_trace(
                group,
                {"size": 16, "color": group["color"].iloc[0], "opacity": 0.95},
                hover,
                f"{t('map.layer.stations', lang)} · {t(f'aqi.{level}', lang)}",
                "stations",
            )
        )
    return traces


def map_figure(
    traces: list,
    focus: pd.DataFrame,
    theme: str,
    style: str | dict | None,
    fit_px: tuple[int, int],
    font_size: int,
    show_legend: bool,
    uirevision: str,
    skipped_areas: tuple[str, ...] = (),
    skipped: str | None = None,
    absent: str | None = None,
    **layout,
) -> go.Figure:
    """The map around ``traces``: fitted to ``focus`` in a panel of ``fit_px`` pixels, clear of its colour bars,
    on ``style`` (default: the blank offline base), the legend at the top left; ``uirevision`` keeps the user's
    pan and zoom while it stays the same. Areas left out for want of polygonal geometry are named in the layout's
    ``meta`` and, in the note ``skipped`` (see :func:`skipped_note`), at the bottom left of the map itself;
    ``absent`` says, in its middle, which of the layers the panel is for has nothing to show (the areas alone are
    drawn)."""
    centre, zoom, room = fit_beside_bars(traces, focus, fit_px, font_size)
    if skipped_areas:
        layout["meta"] = {"skipped_areas": sorted(skipped_areas)}
    dark = palette(theme).name == "dark"
    notes = []
    if absent:
        notes.append(
            {
                "text": html.escape(absent),
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "bgcolor": "rgba(14,22,32,0.8)" if dark else "rgba(255,255,255,0.9)",
                "borderpad": 6,
                "font": {"size": font_size, "color": palette(theme).muted},
            }
        )
    if skipped:
        notes += [
            {
                "text": html.escape(skipped),
                "x": 0.01,
                "y": 0.01 + room[1] / fit_px[1],  # above colour bars lying across the foot
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "align": "left",
                "showarrow": False,
                "bgcolor": "rgba(14,22,32,0.8)" if dark else "rgba(255,255,255,0.9)",
                "bordercolor": "#D55E00",
                "borderwidth": 1,
                "borderpad": 4,
                "font": {"size": max(font_size - 2, 9), "color": palette(theme).text},
            }
        ]
    if notes:
        layout["annotations"] = notes
    return figure(
        traces,
        theme,
        font_size,
        map={"style": style or blank_style_url(theme), "center": centre, "zoom": zoom},
        showlegend=show_legend,
        legend={
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(14,22,32,0.75)" if dark else "rgba(255,255,255,0.85)",
        },
        uirevision=uirevision,
        **layout,
    )
