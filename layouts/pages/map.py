"""Map explorer (``/map``): switchable layers, filters, an hour-by-hour replay, drill into a district, click
details, export of the selection; the whole state lives in the URL so a view can be shared."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update

from dashboard.context import request_context
from dashboard.kpis.periods import WINDOWS
from dashboard.queries import domains, environment, reference, traffic
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from layouts.components.frame import page_frame, preferences
from layouts.components.guard import guarded
from layouts.components.navbar import navbar
from layouts.components.panel import graph_config
from layouts.components.panel_error import panel_figure
from layouts.components.ticket_detail import ticket_detail
from layouts.data import snapshot_time
from layouts.figures.explorer_map import COMPLAINT_MODES, ExplorerLayers, explorer_map
from layouts.figures.map_base import STATUS_COLOURS
from layouts.format import local_time, number
from layouts.i18n import t

dash.register_page(__name__, path="/map", name="map", title="CityOps · Map")

LAYERS = ("areas", "complaints", "roads", "stations", "halls", "water")
DEFAULT_LAYERS = ("areas", "complaints", "water")
FILTERS = ("district", "category", "status", "department")
#: Zoom from which "auto" shows single complaints instead of cells.
NEAR_ZOOM = 12.5


def _window(now: datetime, period: str) -> tuple[datetime, datetime, int]:
    """Start and end of the period in whole hours (end: the next full hour) and its number of hours."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = int(WINDOWS[period] / timedelta(hours=1))
    return end - timedelta(hours=hours), end, hours


def selection(now: datetime, period: str, hour: int | None, **filters) -> ComplaintFilter:
    """The complaints chosen: the whole period, or its ``hour``-th hour on the time slider."""
    start, end, hours = _window(now, period)
    if hour is not None and 0 <= hour < hours:
        start, end = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
    end = min(end, now)
    return ComplaintFilter(start, end, **{k: v or None for k, v in filters.items()})


def _dropdown(name: str, lang: str, value, options: list[dict]) -> dbc.Col:
    known = {o["value"] for o in options}
    return dbc.Col(
        [
            dbc.Label(t(f"map.{name}", lang), className="filter-label"),
            dcc.Dropdown(
                id=f"map-{name}",
                value=value if value in known else None,
                options=options,
                placeholder=t(f"map.{name}.all", lang),
                clearable=True,
            ),
        ],
        md=3,
        lg=2,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def layout(
    lang: str | None = None,
    theme: str | None = None,
    period: str | None = None,
    district: str | None = None,
    category: str | None = None,
    status: str | None = None,
    department: str | None = None,
    layers: str | None = None,
    mode: str | None = None,
    kpi: str | None = None,
    hour: str | None = None,
    **_query,
) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    engine = request_context().engine
    period = period if period in WINDOWS else "7d"
    chosen = [x for x in (layers.split(",") if layers is not None else DEFAULT_LAYERS) if x in LAYERS]
    hours = int(WINDOWS[period] / timedelta(hours=1))
    hour_value = _int(hour)
    hour_value = hour_value if hour_value is not None and 0 <= hour_value < hours else hours
    filters = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(t("map.period", lang), className="filter-label"),
                    dbc.RadioItems(
                        id="map-period",
                        value=period,
                        inline=True,
                        options=[{"label": t(f"map.period.{p}", lang), "value": p} for p in WINDOWS],
                    ),
                ],
                md=12,
                lg=3,
            ),
            _dropdown("district", lang, district, _options(reference.districts(engine), lang)),
            _dropdown("category", lang, category, _options(reference.categories(engine), lang)),
            dbc.Col(
                [
                    dbc.Label(t("map.status", lang), className="filter-label"),
                    dcc.Dropdown(
                        id="map-status",
                        value=status,
                        placeholder=t("map.status.all", lang),
                        clearable=True,
                        options=[{"label": t(f"status.{s}", lang), "value": s} for s in STATUS_COLOURS],
                    ),
                ],
                md=3,
                lg=2,
            ),
            _dropdown("department", lang, department, _options(map_queries.departments(engine), lang)),
        ],
        className="g-2 mb-2 map-filters",
    )
    layer_row = dbc.Row(
        [
            dbc.Col(
                dbc.Checklist(
                    id="map-layers",
                    value=chosen,
                    inline=True,
                    switch=True,
                    options=[{"label": t(f"map.layers.{x}", lang), "value": x} for x in LAYERS],
                ),
                lg=5,
            ),
            dbc.Col(
                dbc.RadioItems(
                    id="map-mode",
                    value=mode if mode in COMPLAINT_MODES else "auto",
                    inline=True,
                    options=[{"label": t(f"map.mode.{m}", lang), "value": m} for m in COMPLAINT_MODES],
                ),
                lg=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="map-kpi",
                    value=kpi if kpi in map_queries.AREA_KPIS else "per_10k",
                    clearable=False,
                    options=[{"label": t(f"map.kpi.{k}", lang), "value": k} for k in map_queries.AREA_KPIS],
                ),
                lg=2,
            ),
            dbc.Col(
                dbc.ButtonGroup(
                    [
                        dbc.Button(t("map.export.csv", lang), id="map-export-csv", size="sm", outline=True),
                        dbc.Button(t("map.export.geojson", lang), id="map-export-geojson", size="sm", outline=True),
                    ]
                ),
                lg=2,
                className="text-lg-end",
            ),
        ],
        className="g-2 mb-2 align-items-center map-layer-row",
    )
    replay = dbc.Row(
        [
            dbc.Col(
                dbc.Button(t("map.play", lang), id="map-play", size="sm", color="primary", className="map-play"),
                width="auto",
            ),
            dbc.Col(
                dcc.Slider(
                    id="map-hour",
                    min=0,
                    max=hours,
                    step=1,
                    value=hour_value,
                    marks=None,
                    updatemode="mouseup",
                    allow_direct_input=False,
                    tooltip=None,
                ),
                className="map-slider",
            ),
            dbc.Col(html.Span(id="map-hour-label", className="map-hour-label"), width="auto"),
        ],
        className="g-2 mb-2 align-items-center",
    )
    body = dbc.Row(
        [
            dbc.Col(
                dcc.Graph(
                    id="map-graph",
                    style={"height": "calc(100vh - 300px)", "minHeight": "520px"},
                    config=graph_config(lang) | {"scrollZoom": True},
                ),
                lg=9,
            ),
            dbc.Col(
                [
                    html.Div(id="map-summary", className="map-summary mb-2"),
                    html.Div(id="map-details", className="map-details"),
                ],
                lg=3,
            ),
        ],
        className="g-2",
    )
    return page_frame(
        "map",
        prefs,
        [
            navbar("map", prefs),
            dbc.Container(
                [
                    html.Div(id="map-banner"),
                    filters,
                    layer_row,
                    replay,
                    body,
                    dcc.Store(id="map-zoom", data="far"),
                    dcc.Store(id="map-period-hours", data={p: int(d / timedelta(hours=1)) for p, d in WINDOWS.items()}),
                    dcc.Store(id="map-url-sync"),
                    dcc.Interval(id="map-play-interval", interval=1200, disabled=True),
                    dcc.Download(id="map-download"),
                ],
                fluid=True,
            ),
        ],
    )


def _options(frame, lang: str) -> list[dict]:
    name = "name_en" if lang == "en" else "name_zh"
    return [{"label": n, "value": c} for c, n in zip(frame["code"], frame[name], strict=True)]


def _complaints_layer(engine, sel, mode: str, zoom: str):
    """Points when zoomed in (auto) or asked for, else H3 cells (coarser city-wide) or their heat."""
    if mode == "points" or (mode == "auto" and zoom == "near"):
        return {"points": map_queries.points(engine, sel)}
    resolution = map_queries.STORED_RES if sel.district or zoom == "near" else map_queries.STORED_RES - 1
    return {"cells": map_queries.cells(engine, sel, resolution), "heat": mode == "heat"}


def _hour_label(now: datetime, period: str, hour: int, lang: str, tz: str) -> str:
    start, end, hours = _window(now, period)
    if hour is None or hour >= hours:
        return t("map.hour.all", lang, start=local_time(start, tz), end=local_time(min(end, now), tz))
    moment = start + timedelta(hours=hour)
    return t("map.hour.one", lang, time=local_time(moment, tz))


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("map-graph", "figure"),
        Output("map-summary", "children"),
        Output("map-hour-label", "children"),
        Output("map-banner", "children"),
        Input("map-interval", "n_intervals"),
        Input("map-period", "value"),
        Input("map-district", "value"),
        Input("map-category", "value"),
        Input("map-status", "value"),
        Input("map-department", "value"),
        Input("map-layers", "value"),
        Input("map-mode", "value"),
        Input("map-kpi", "value"),
        Input("map-hour", "value"),
        Input("map-zoom", "data"),
        State("map-prefs", "data"),
    )
    def refresh(_n, period, district, category, status, department, layers, mode, kpi, hour, zoom, prefs):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            context = request_context()
            engine, settings = context.engine, context.settings
            tz, now = settings.city_timezone, snapshot_time()
            period_ = period if period in WINDOWS else "7d"
            sel = selection(
                now, period_, hour, district=district, category=category, status=status, department=department
            )
            chosen = set(layers or [])
            districts = reference.districts(engine)
            parts: dict = {}
            if "areas" in chosen:
                areas = map_queries.area_kpis(engine, sel, tz, "street") if district else None
                if areas is None or areas.empty:  # no sub-districts: the district level (drilled: that district)
                    areas = map_queries.area_kpis(engine, sel, tz)
                    areas = areas[areas["code"] == district] if district else areas
                parts["areas"] = areas
            if "complaints" in chosen:
                parts |= _complaints_layer(engine, sel, mode or "auto", zoom or "far")
            if "roads" in chosen:
                parts["roads"] = traffic.rated_segments(engine)
            if "stations" in chosen:
                parts["stations"] = environment.station_aqi(engine, tz)
            if "halls" in chosen:
                parts["halls"] = domains.hall_stats(engine, sel.start, sel.end)
            if "water" in chosen:
                parts["water"] = map_queries.water(settings.city_data_dir)
            focus = districts[districts["code"] == district] if district else None
            figure = panel_figure(
                lambda: explorer_map(
                    ExplorerLayers(outlines=districts, kpi=kpi or "per_10k", focus=focus, **parts),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                ),
                lang,
                theme,
            )
            total = map_queries.count(engine, sel)
            shown = parts.get("points")
            summary = [html.Div(t("map.summary.total", lang, count=number(total, lang)), id="map-count")]
            if shown is not None and len(shown) < total:
                summary.append(
                    html.Div(
                        t("map.summary.capped", lang, shown=number(len(shown), lang)),
                        className="text-body-secondary small",
                    )
                )
            return (
                figure,
                summary,
                _hour_label(now, period_, hour, lang, tz),
            )

        return guarded(render, 3, lang)

    app.clientside_callback(
        ClientsideFunction("cityopsMap", "resetHour"),
        Output("map-hour", "max"),
        Output("map-hour", "value"),
        Input("map-period", "value"),
        State("map-period-hours", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("map-district", "value"),
        Output("map-details", "children"),
        Input("map-graph", "clickData"),
        State("map-district", "value"),
        State("map-prefs", "data"),
        prevent_initial_call=True,
    )
    def clicked(click, district, prefs):
        point = ((click or {}).get("points") or [{}])[0]
        kind, key = (point.get("customdata") or [None, None])[:2]
        lang, theme = prefs["lang"], prefs["theme"]
        tz = request_context().settings.city_timezone
        if kind == "ticket":
            row, events = domains.ticket(request_context().engine, int(key))
            return no_update, ticket_detail(row.iloc[0], events, lang, tz) if not row.empty else None
        if kind == "area":
            link = html.A(
                t("map.details.district", lang),
                href=f"/district/{key}?lang={lang}&theme={theme}",
                id="map-district-link",
            )
            return (key if not district else no_update), html.Div(link)
        return no_update, no_update

    app.clientside_callback(
        ClientsideFunction("cityopsMap", "zoomBucket"),
        Output("map-zoom", "data"),
        Input("map-graph", "relayoutData"),
        State("map-zoom", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cityopsMap", "syncUrl"),
        Output("map-url-sync", "data"),
        *(Input(f"map-{name}", "value") for name in ("period", *FILTERS, "layers", "mode", "kpi", "hour")),
        State("map-hour", "max"),
        State("map-prefs", "data"),
    )
    app.clientside_callback(
        ClientsideFunction("cityopsMap", "togglePlay"),
        Output("map-play-interval", "disabled"),
        Input("map-play", "n_clicks"),
        State("map-play-interval", "disabled"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cityopsMap", "step"),
        Output("map-hour", "value", allow_duplicate=True),
        Output("map-play-interval", "disabled", allow_duplicate=True),
        Input("map-play-interval", "n_intervals"),
        State("map-hour", "value"),
        State("map-hour", "max"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("map-download", "data"),
        Input("map-export-csv", "n_clicks"),
        Input("map-export-geojson", "n_clicks"),
        *(State(f"map-{name}", "value") for name in ("period", *FILTERS, "hour")),
        prevent_initial_call=True,
    )
    def export(_csv, _geojson, period, district, category, status, department, hour):
        sel = selection(
            snapshot_time(),
            period if period in WINDOWS else "7d",
            hour,
            district=district,
            category=category,
            status=status,
            department=department,
        )
        rows = map_queries.export_rows(request_context().engine, sel)
        stamp = sel.start.strftime("%Y%m%d%H")
        if dash.ctx.triggered_id == "map-export-geojson":
            return {
                "content": export_geojson(rows),
                "filename": f"complaints-{stamp}.geojson",
                "type": "application/geo+json",
            }
        return dcc.send_data_frame(rows.to_csv, f"complaints-{stamp}.csv", index=False)


def export_geojson(rows) -> str:
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
