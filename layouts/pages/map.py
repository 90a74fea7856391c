"""Map explorer (``/map``): switchable layers, filters, an hour-by-hour replay, drill into a district, click
details, export of the selection; the whole state lives in the URL so a view can be shared."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update

from dashboard.context import RequestContext
from dashboard.kpis.compare import change
from dashboard.kpis.timespan import CUSTOM, ROLLING
from layouts.components.change import change_span, change_text, compared_text
from layouts.components.frame import page_context, page_frame, page_request
from layouts.components.guard import guarded
from layouts.components.navbar import navbar
from layouts.components.panel import graph_config
from layouts.components.panel_error import panel_block, panel_figure
from layouts.components.ticket_detail import ticket_detail
from layouts.components.timepicker import Settled, settle, time_picker
from layouts.data import drawn_once
from layouts.figures.charts import count_bars
from layouts.figures.explorer_map import COMPLAINT_MODES, explorer_map
from layouts.figures.map_base import STATUS_COLOURS
from layouts.format import number, span_text
from layouts.i18n import t
from layouts.viewmodels import map as view_model

dash.register_page(__name__, path="/map", name="map", title="CityOps · Map")

LAYERS = ("areas", "complaints", "roads", "stations", "halls", "water")
DEFAULT_LAYERS = ("areas", "complaints", "water")
FILTERS = ("district", "category", "status", "department")
#: Zoom from which "auto" shows single complaints instead of cells.
NEAR_ZOOM = 12.5
#: The size (width, height) in pixels the map is fitted for: measured in Chromium in a 1200-px window, the
#: narrowest the pages are laid out for (the graph 880 × 520, its least height; its map 864 × 504 inside the
#: figure's margins), so that every wider window opens on the whole city. Fitted for 1920 × 1080 before, it cut
#: off the city's sides up to 1440 px.
FIT_PX = (864, 504)


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


def _period_label(period: str, lang: str) -> str:
    return t(f"map.period.{period}" if period in ROLLING else f"time.period.{period}", lang)


def _periods(lang: str, span, settled: Settled) -> html.Div:
    """The time picker with the explorer's own period buttons (a custom range from the URL among them: they
    redraw the map without loading the page), its custom range, as-of moment and comparison."""
    periods = [*view_model.PERIODS, *([CUSTOM] if span.period == CUSTOM else [])]
    buttons = dbc.RadioItems(
        id="map-period",
        value=span.period,
        inline=True,
        options=[{"label": _period_label(p, lang), "value": p} for p in periods],
    )
    quick = html.Div(
        [html.Span(t("map.period", lang), className="filter-label me-2"), buttons],
        className="time-quick map-periods d-flex flex-wrap align-items-center",
    )
    return time_picker("map", settled, lang, quick=quick, resets=("hour",))


def _filters(context: RequestContext, district, category, status, department) -> dbc.Row:
    lang = context.language
    options = view_model.filter_options(context)
    return dbc.Row(
        [
            _dropdown("district", lang, district, options["district"]),
            _dropdown("category", lang, category, options["category"]),
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
            _dropdown("department", lang, department, options["department"]),
        ],
        className="g-2 mb-2 map-filters",
    )


def _layer_row(lang: str, chosen: list[str], mode: str | None, kpi: str | None) -> dbc.Row:
    exports = dbc.ButtonGroup(
        [
            dbc.Button(t("map.export.csv", lang), id="map-export-csv", size="sm", outline=True),
            dbc.Button(t("map.export.geojson", lang), id="map-export-geojson", size="sm", outline=True),
        ]
    )
    layers = dbc.Checklist(
        id="map-layers",
        value=chosen,
        inline=True,
        switch=True,
        options=[{"label": t(f"map.layers.{x}", lang), "value": x} for x in LAYERS],
    )
    modes = dbc.RadioItems(
        id="map-mode",
        value=mode if mode in COMPLAINT_MODES else "auto",
        inline=True,
        options=[{"label": t(f"map.mode.{m}", lang), "value": m} for m in COMPLAINT_MODES],
    )
    kpis = dcc.Dropdown(
        id="map-kpi",
        value=kpi if kpi in view_model.AREA_KPIS else "per_10k",
        clearable=False,
        options=[{"label": t(f"map.kpi.{k}", lang), "value": k} for k in view_model.AREA_KPIS],
    )
    return dbc.Row(
        [
            dbc.Col(layers, lg=5),
            dbc.Col(modes, lg=3),
            dbc.Col(kpis, lg=2),
            dbc.Col(exports, lg=2, className="text-lg-end"),
        ],
        className="g-2 mb-2 align-items-center map-layer-row",
    )


def _replay(lang: str, hours: int, hour_value: int) -> dbc.Row:
    slider = dcc.Slider(
        id="map-hour",
        min=0,
        max=hours,
        step=1,
        value=hour_value,
        marks=None,
        updatemode="mouseup",
        allow_direct_input=False,
        tooltip=None,
    )
    return dbc.Row(
        [
            dbc.Col(
                dbc.Button(t("map.play", lang), id="map-play", size="sm", color="primary", className="map-play"),
                width="auto",
            ),
            dbc.Col(slider, className="map-slider"),
            dbc.Col(html.Span(id="map-hour-label", className="map-hour-label"), width="auto"),
        ],
        className="g-2 mb-2 align-items-center",
    )


def _body(lang: str) -> dbc.Row:
    graph = dcc.Graph(
        id="map-graph",
        style={"height": "calc(100vh - 300px)", "minHeight": "520px"},
        config=graph_config(lang) | {"scrollZoom": True},
    )
    side = [
        html.Div(id="map-summary", className="map-summary mb-2"),
        html.Div(id="map-details", className="map-details"),
    ]
    return dbc.Row([dbc.Col(graph, lg=9), dbc.Col(side, lg=3)], className="g-2")


def _stores(steps: dict[str, int]) -> list:
    return [
        dcc.Store(id="map-zoom", data="far"),
        dcc.Store(id="map-period-hours", data=steps),
        dcc.Store(id="map-url-sync"),
        dcc.Interval(id="map-play-interval", interval=1200, disabled=True),
        dcc.Download(id="map-download"),
    ]


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
    settled = settle("map", page_request(lang, theme, query={"period": period, **_query}))
    context = settled.context
    lang = context.language
    chosen = [x for x in (layers.split(",") if layers is not None else DEFAULT_LAYERS) if x in LAYERS]
    steps = view_model.step_counts(context)
    span = view_model.page_span(context, context.time.get("period"))
    hours = steps[span.period]
    hour_value = _int(hour)
    hour_value = hour_value if hour_value is not None and 0 <= hour_value < hours else hours
    controls = [
        _periods(lang, span, settled),
        _filters(context, district, category, status, department),
        _layer_row(lang, chosen, mode, kpi),
        _replay(lang, hours, hour_value),
    ]
    content = [html.Div(id="map-banner"), *controls, _body(lang), *_stores(steps)]
    return page_frame("map", context, [navbar("map", context), dbc.Container(content, fluid=True)])


def _leaders(
    title: str, frame, total: int, lang: str, table_id: str, then: view_model.Compared | None = None, of: str = ""
) -> html.Div:
    """A titled list of the selection's leading values: name, count, share of the selection and, with the
    compared span (``then``: its counts by key in its field ``of``), the change."""
    name = "name_en" if lang == "en" else "name_zh"
    rows = [
        html.Tr(
            [
                html.Td(label if isinstance(label, str) else t("map.summary.unknown", lang)),
                html.Td(number(count, lang), className="text-end"),
                html.Td(number(count / total * 100 if total else None, lang, 1) + "%", className="text-end share"),
                *([] if then is None else [html.Td(_moved(count, then, of, key, lang), className="text-end change")]),
            ]
        )
        for key, label, count in zip(frame["key"], frame[name], frame["count"], strict=True)
    ]
    body = html.Table(html.Tbody(rows), className="map-leaders", id=table_id) if rows else t("fresh.none", lang)
    return html.Div([html.Div(title, className="map-side-title"), body], className="mb-2")


def _summary(view: view_model.MapView, lang: str, theme: str) -> list:
    summary = [html.Div(t("map.summary.total", lang, count=number(view.total, lang)), id="map-count")]
    if view.shown is not None and view.shown < view.total:
        capped = t("map.summary.capped", lang, shown=number(view.shown, lang))
        summary.append(html.Div(capped, className="text-body-secondary small"))
    breakdown = panel_block(lambda: _breakdown(view, lang, theme), lang, t("map.summary.breakdown", lang))
    return [*summary, html.Div(breakdown, id="map-breakdown")]


def _moved(count: int, then: view_model.Compared, of: str, key, lang: str) -> str:
    """The change of a listed value from the compared span (none then: 0; "no data" when the data does not
    reach back)."""
    base = None if then.total is None else getattr(then, of).get(key, 0)
    return change_text(change(count, base), lang, digits=0)


def _compared_total(view: view_model.MapView, compared: view_model.Compared, lang: str) -> html.Div:
    """The selection's count against the compared span: "+12 (+5.3%) ▲ vs the period before"."""
    template = compared_text(compared.kind, compared.period)
    moved = change(view.total, compared.total)
    return html.Div(change_span(template, moved, lang, digits=0), id="map-compare", className="small mb-2")


def _breakdown(view: view_model.MapView, lang: str, theme: str) -> list:
    """The selection's count against the compared span, its leading categories and districts and its trend over
    the range."""
    parts = view.breakdown()
    trend = count_bars(parts.trend, t("map.summary.received", lang), theme, view.timezone, parts.grain)
    then = parts.compared
    return [
        *([] if then is None else [_compared_total(view, then, lang)]),
        _leaders(
            t("map.summary.categories", lang),
            parts.categories,
            view.total,
            lang,
            "map-top-categories",
            then,
            "categories",
        ),
        _leaders(
            t("map.summary.districts", lang), parts.districts, view.total, lang, "map-top-districts", then, "districts"
        ),
        html.Div(t(f"map.summary.trend.{parts.grain}", lang), className="map-side-title"),
        dcc.Graph(id="map-trend", figure=trend, style={"height": "150px"}, config=graph_config(lang)),
    ]


def _register_refresh(app: dash.Dash) -> None:
    @app.callback(
        Output("map-graph", "figure"),
        Output("map-summary", "children"),
        Output("map-hour-label", "children"),
        Output("map-time-name", "children"),
        Output("map-time-span", "children"),
        Output("map-banner", "children"),
        Input("map-interval", "n_intervals"),
        Input("map-period", "value"),
        *(Input(f"map-{name}", "value") for name in FILTERS),
        Input("map-layers", "value"),
        Input("map-mode", "value"),
        Input("map-kpi", "value"),
        Input("map-hour", "value"),
        Input("map-zoom", "data"),
        State("map-prefs", "data"),
    )
    def refresh(_n, period, district, category, status, department, layers, mode, kpi, hour, zoom, stored):
        context = page_context(stored)
        lang, theme = context.language, context.theme
        filters = {"district": district, "category": category, "status": status, "department": department}

        def render():
            view = view_model.map_view(context, period, hour, filters, layers, mode, kpi, zoom)
            figure = panel_figure(
                lambda: explorer_map(view.layers, lang, theme, view.timezone, view.style_url, FIT_PX),
                lang,
                theme,
                t("map.title", lang),
            )
            label = view_model.hour_label(view, hour, lang)
            named = t(f"time.period.{view.span.period}", lang)
            return figure, _summary(view, lang, theme), label, named, span_text(view.span, lang)

        chosen = (period, filters, layers, mode, kpi, hour, zoom)
        return guarded(lambda: drawn_once(context, "map", render, *chosen), 5, lang)


def _register_click(app: dash.Dash) -> None:
    @app.callback(
        Output("map-district", "value"),
        Output("map-details", "children"),
        Input("map-graph", "clickData"),
        State("map-district", "value"),
        State("map-prefs", "data"),
        prevent_initial_call=True,
    )
    def clicked(click, district, stored):
        point = ((click or {}).get("points") or [{}])[0]
        kind, key = (point.get("customdata") or [None, None])[:2]
        context = page_context(stored)
        lang, theme = context.language, context.theme
        if kind == "ticket":
            row, events = view_model.ticket(context, key)
            return no_update, ticket_detail(row.iloc[0], events, context) if not row.empty else None
        if kind == "area":
            link = html.A(
                t("map.details.district", lang),
                href=f"/district/{key}?lang={lang}&theme={theme}",
                id="map-district-link",
            )
            return (key if not district else no_update), html.Div(link)
        return no_update, no_update


def _register_clientside(app: dash.Dash) -> None:
    """The hour slider, the picker's dates, zoom bucket, URL and replay live in the browser (assets/40-map.js)."""
    app.clientside_callback(
        ClientsideFunction("cityopsMap", "resetHour"),
        Output("map-hour", "max"),
        Output("map-hour", "value"),
        Input("map-period", "value"),
        State("map-period-hours", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cityopsMap", "clearRange"),
        Output("map-time-range", "start_date"),
        Output("map-time-range", "end_date"),
        Input("map-period", "value"),
        prevent_initial_call=True,
    )
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


def _register_replay(app: dash.Dash) -> None:
    """The replay steps the slider in the browser (assets/40-map.js)."""
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
        State("map-play-interval", "disabled"),
        prevent_initial_call=True,
    )


def _register_export(app: dash.Dash) -> None:
    @app.callback(
        Output("map-download", "data"),
        Input("map-export-csv", "n_clicks"),
        Input("map-export-geojson", "n_clicks"),
        *(State(f"map-{name}", "value") for name in ("period", *FILTERS, "hour")),
        State("map-prefs", "data"),
        prevent_initial_call=True,
    )
    def export(_csv, _geojson, period, district, category, status, department, hour, stored):
        filters = {"district": district, "category": category, "status": status, "department": department}
        geojson = dash.ctx.triggered_id == "map-export-geojson"
        return view_model.export(page_context(stored), period, hour, filters, geojson)


def register_callbacks(app: dash.Dash) -> None:
    _register_refresh(app)
    _register_clientside(app)
    _register_replay(app)
    _register_click(app)
    _register_export(app)
