"""Overview (``/``): the live KPI strip, the city score with its trend and decomposition, the department ranking,
the open alerts, every registry KPI against its target and a small city map — one screen at 1920 × 1080."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from dashboard.context import RequestContext
from dashboard.queries.base import DatabaseUnavailable
from layouts.components.banner import problem_banner
from layouts.components.frame import page_context, page_frame, page_request
from layouts.components.guard import guarded
from layouts.components.kpi_card import kpi_row
from layouts.components.navbar import navbar
from layouts.components.panel_error import panel_figure
from layouts.components.score_alerts import alert_list
from layouts.components.score_card import score_card
from layouts.components.timepicker import context_span, settle, time_picker
from layouts.data import drawn_once
from layouts.figures.city_map import city_map
from layouts.figures.ranking import ranking_bars
from layouts.figures.score_breakdown import score_breakdown
from layouts.figures.score_trend import score_trend
from layouts.format import number
from layouts.i18n import t
from layouts.viewmodels.overview import DEFAULT_COMPARE, TREND_DAYS, OverviewView, kpi_link, overview_view

dash.register_page(__name__, path="/", name="overview", title="CityOps")

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
#: The small map's panel at its narrowest, for fitting the city into it: the row's last column from a 1200-px
#: window (254 × 742 px) to 1920 × 1080 (434 × 454), so that a laptop's narrower panel shows the city whole.
MAP_PX = (250, 450)
#: Height of the score breakdown and department ranking graphs (the open alerts scroll within the same).
TOP_ROW_HEIGHT = "212px"


def _graph(graph_id: str, lang: str, figure, class_name: str = "", **style) -> dcc.Graph:
    return dcc.Graph(
        id=graph_id,
        figure=figure,
        style=style,
        className=class_name,
        config=GRAPH_CONFIG | {"locale": "zh-CN" if lang == "zh" else "en"},
    )


def _panel(title_id: str, title: str, children: list) -> dbc.Card:
    header = html.H2(title, className="panel-title mb-1", id=title_id)
    return dbc.Card(dbc.CardBody([header, *children], className="py-2 px-3"), className="h-100")


def _score(drawn: dict, lang: str) -> html.Div:
    value = html.Span(drawn["overview-score"], id="overview-score", style={"fontSize": "2.6rem", "fontWeight": 700})
    note = html.Span(drawn["overview-score-note"], id="overview-score-note", className="ms-2 small text-body-secondary")
    return html.Div(
        [
            html.Div([value, note], className="d-flex align-items-baseline"),
            html.Div(t("score.trend", lang, days=TREND_DAYS), className="small text-body-secondary"),
            _graph("overview-score-trend", lang, drawn["overview-score-trend"], height="120px"),
        ]
    )


def _top(drawn: dict, lang: str) -> dbc.Row:
    title = html.H2(t("score.title", lang), className="panel-title mb-1", id="overview-score-title")
    # the top row's graphs are as tall as leaves the registry cards' last row on a 1920 × 1080 screen
    panels = [
        (
            "overview-breakdown",
            "score.breakdown",
            _graph("overview-breakdown", lang, drawn["overview-breakdown"], height=TOP_ROW_HEIGHT),
        ),
        (
            "overview-ranking",
            "ranking.title",
            _graph("overview-ranking", lang, drawn["overview-ranking"], height=TOP_ROW_HEIGHT),
        ),
        (
            "overview-alerts",
            "alerts.title",
            html.Div(drawn["overview-alerts"], id="overview-alerts", className="overview-alerts"),
        ),
    ]
    score = dbc.Card(dbc.CardBody([title, _score(drawn, lang)], className="py-2 px-3"), className="h-100")
    return dbc.Row(
        [
            dbc.Col(score, xl=3, md=6),
            *(
                dbc.Col(_panel(f"{key}-title", t(title_key, lang), [body]), xl=3, md=6)
                for key, title_key, body in panels
            ),
        ],
        className="g-2 mb-2",
    )


def _cards(drawn: dict, lang: str) -> dbc.Row:
    city = _panel(
        "overview-map-title",
        t("overview.map.title", lang),
        [_graph("overview-map", lang, drawn["overview-map"], "overview-map")],
    )
    return dbc.Row(
        [
            dbc.Col(html.Div(drawn["overview-cards"], id="overview-cards", className="score-grid"), xl=9),
            dbc.Col(city, xl=3, className="overview-map-col"),
        ],
        className="g-2",
    )


def layout(lang: str | None = None, theme: str | None = None, period: str | None = None, **_query) -> html.Div:
    settled = settle("overview", page_request(lang, theme, query={"period": period, **_query}))
    context = settled.context
    lang = context.language
    try:
        drawn, banner = content(context), None
    except DatabaseUnavailable:  # the frame and the banner; the first refresh that reaches it draws the rest
        drawn, banner = dict.fromkeys(OUTPUTS), problem_banner("database", lang)
    page = [
        html.Div(banner, id="overview-banner"),
        time_picker("overview", settled, lang, default_compare=DEFAULT_COMPARE),
        html.Div(drawn["overview-kpis"], id="overview-kpis", className="mb-2 overview-kpis"),
        _top(drawn, lang),
        _cards(drawn, lang),
    ]
    return page_frame(
        "overview",
        context,
        [navbar("overview", context), dcc.Location(id="overview-go", refresh=True), dbc.Container(page, fluid=True)],
    )


def _charts(view: OverviewView, lang: str, theme: str) -> dict[str, object]:
    """The page's figures, each drawn on its own: one that fails says so in its panel."""
    charts = {
        "overview-score-trend": (
            lambda: score_trend(view.trend, theme, overlay=(*view.trend_before, _before(view, lang)), lang=lang),
            t("score.trend", lang, days=TREND_DAYS),
        ),
        "overview-breakdown": (
            lambda: score_breakdown(view.table, view.names(lang), theme, font_size=9),
            t("score.breakdown", lang),
        ),
        "overview-ranking": (
            lambda: ranking_bars(view.ranking, lang, theme, t("ranking.hover", lang), t("ranking.none", lang)),
            t("ranking.title", lang),
        ),
        "overview-map": (
            lambda: city_map(
                view.city,
                lang,
                theme,
                view.timezone,
                view.map_style_url,
                show_legend=False,
                font_size=11,
                fit_px=MAP_PX,
            ),
            t("overview.map.title", lang),
        ),
    }
    return {key: panel_figure(build, lang, theme, title) for key, (build, title) in charts.items()}


def _before(view: OverviewView, lang: str) -> str:
    """The name of the days the score trend compares with."""
    return t(f"score.trend.{view.compare}", lang, days=TREND_DAYS)


def _score_cards(view, period: str, lang: str) -> list:
    """The registry KPIs' cards (their period is the time picker's; each says what it is compared with)."""
    return [
        score_card(
            kpi,
            row,
            view.previous(kpi.id),
            list(view.trend[kpi.id]) if kpi.id in view.trend else [],
            fresh,
            period,
            lang,
            view.timezone,
            view.compare,
        )
        for kpi, row, fresh in zip(view.registry, view.table.to_dict("records"), view.freshness, strict=True)
    ]


def content(context: RequestContext) -> dict[str, object]:
    """What the data decides on the page for the request ``context``, by component id (property: ``OUTPUTS``):
    drawn with the page itself (no round trip before the first paint) and again by each refresh, for the period
    of the request's time; the cards compared as its ``compare`` says (the previous period by default). Drawn
    once a refresh interval for all who ask alike (``layouts.data.drawn_once``)."""
    return drawn_once(context, "overview", lambda: _drawn(context))


def _drawn(context: RequestContext) -> dict[str, object]:
    lang, theme = context.language, context.theme
    span = context_span(context, "overview")
    view, period = overview_view(context, span), span.period
    tz = view.timezone
    scored, total = view.scored()
    note = t("score.note", lang, period=t(f"time.period.{period}", lang), kpis=scored, total=total)
    return {
        "overview-kpis": kpi_row(view.kpis, lang, tz, view.changes, view.compare),
        "overview-score": number(view.score, lang, 2),
        "overview-score-note": note,
        "overview-cards": _score_cards(view, period, lang),
        "overview-alerts": alert_list(view.alerts, lang, tz),
        **_charts(view, lang, theme),
    }


#: The property of each component of ``content`` that a refresh sets.
OUTPUTS = {
    "overview-kpis": "children",
    "overview-score": "children",
    "overview-score-note": "children",
    "overview-score-trend": "figure",
    "overview-breakdown": "figure",
    "overview-ranking": "figure",
    "overview-cards": "children",
    "overview-alerts": "children",
    "overview-map": "figure",
}


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        *(Output(component, prop) for component, prop in OUTPUTS.items()),
        Output("overview-banner", "children"),
        Input("overview-interval", "n_intervals"),
        State("overview-prefs", "data"),
        prevent_initial_call=True,
    )
    def refresh(_n, stored):
        context = page_context(stored)

        def render():
            drawn = content(context)
            return tuple(drawn[component] for component in OUTPUTS)

        return guarded(render, len(OUTPUTS), context.language)

    @app.callback(
        Output("overview-go", "href"),
        Input("overview-breakdown", "clickData"),
        Input("overview-map", "clickData"),
        State("overview-prefs", "data"),
        prevent_initial_call=True,
    )
    def drill(kpi_click, map_click, stored):
        """A bar of the score opens its KPI's page, a district of the map the district's page."""
        context = page_context(stored)
        lang, theme = context.language, context.theme
        if dash.ctx.triggered_id == "overview-map":
            district = map_click["points"][0].get("location")
            return f"/district/{district}?lang={lang}&theme={theme}" if district else no_update
        return kpi_link(context, kpi_click["points"][0]["customdata"])
