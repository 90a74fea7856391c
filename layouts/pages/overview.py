"""Overview (``/``): the live KPI strip, the city score with its trend and decomposition, every registry KPI
against its target, the department ranking and the open alerts."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.kpis.cityscore import city_score
from dashboard.kpis.freshness import domain_freshness
from dashboard.kpis.periods import PERIODS, period_bounds
from dashboard.kpis.registry import load_registry
from dashboard.queries import feeds
from dashboard.queries.alerts import open_alerts
from dashboard.queries.kpis import department_ranking, kpi_trend, kpi_values
from dashboard.queries.overview import overview_kpis
from layouts.components.frame import page_frame, preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import kpi_row
from layouts.components.navbar import navbar
from layouts.components.score_alerts import alert_list
from layouts.components.score_card import score_card
from layouts.data import snapshot_time
from layouts.figures.ranking import ranking_bars
from layouts.figures.score_breakdown import score_breakdown
from layouts.figures.score_trend import score_trend
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/", name="overview", title="CityOps")

GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
TREND_DAYS = 14


def _graph(graph_id: str, height: str, lang: str) -> dcc.Graph:
    return dcc.Graph(
        id=graph_id, style={"height": height}, config=GRAPH_CONFIG | {"locale": "zh-CN" if lang == "zh" else "en"}
    )


def _panel(title_id: str, title: str, children: list) -> dbc.Card:
    header = html.H2(title, className="panel-title mb-1", id=title_id)
    return dbc.Card(dbc.CardBody([header, *children], className="py-2 px-3"), className="h-100")


def layout(lang: str | None = None, theme: str | None = None, period: str | None = None, **_query) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    period = period if period in PERIODS else "day"
    selector = dbc.RadioItems(
        id="overview-period",
        options=[{"label": t(f"period.{p}", lang), "value": p} for p in PERIODS],
        value=period,
        inline=True,
        className="btn-group btn-group-sm flex-nowrap",
        inputClassName="btn-check",
        labelClassName="btn btn-outline-primary btn-sm py-0 px-2",
        labelCheckedClassName="active",
    )
    score = html.Div(
        [
            html.Div(
                [
                    html.Span(id="overview-score", style={"fontSize": "2.6rem", "fontWeight": 700}),
                    html.Span(id="overview-score-note", className="ms-2 small text-body-secondary"),
                ],
                className="d-flex align-items-baseline",
            ),
            html.Div(t("score.trend", lang, days=TREND_DAYS), className="small text-body-secondary"),
            _graph("overview-score-trend", "120px", lang),
        ]
    )
    title = html.Div(
        [html.H2(t("score.title", lang), className="panel-title mb-1", id="overview-score-title"), selector],
        className="d-flex flex-column gap-1",
    )
    return page_frame(
        "overview",
        prefs,
        [
            navbar("overview", prefs),
            dcc.Location(id="overview-go", refresh=True),
            dbc.Container(
                [
                    html.Div(id="overview-banner"),
                    html.Div(id="overview-kpis", className="mb-2"),
                    dbc.Row(
                        [
                            dbc.Col(
                                dbc.Card(dbc.CardBody([title, score], className="py-2 px-3"), className="h-100"), lg=3
                            ),
                            dbc.Col(
                                _panel(
                                    "overview-breakdown-title",
                                    t("score.breakdown", lang),
                                    [_graph("overview-breakdown", "236px", lang)],
                                ),
                                lg=4,
                            ),
                            dbc.Col(
                                _panel(
                                    "overview-ranking-title",
                                    t("ranking.title", lang),
                                    [_graph("overview-ranking", "236px", lang)],
                                ),
                                lg=5,
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(html.Div(id="overview-cards"), lg=9),
                            dbc.Col(
                                _panel(
                                    "overview-alerts-title",
                                    t("alerts.title", lang),
                                    [html.Div(id="overview-alerts", style={"maxHeight": "520px", "overflowY": "auto"})],
                                ),
                                lg=3,
                            ),
                        ],
                        className="g-2",
                    ),
                ],
                fluid=True,
            ),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("overview-kpis", "children"),
        Output("overview-score", "children"),
        Output("overview-score-note", "children"),
        Output("overview-score-trend", "figure"),
        Output("overview-breakdown", "figure"),
        Output("overview-ranking", "figure"),
        Output("overview-cards", "children"),
        Output("overview-alerts", "children"),
        Output("overview-banner", "children"),
        Input("overview-interval", "n_intervals"),
        Input("overview-period", "value"),
        State("overview-prefs", "data"),
    )
    def refresh(_n, period, prefs):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            registry = load_registry(settings.kpi_targets_file)
            now = snapshot_time()
            tz = settings.city_timezone
            current = period_bounds(now, tz, period)
            previous = period_bounds(now, tz, period, back=1)
            table = kpi_values(engine, registry, *current, now, tz)
            before = kpi_values(engine, registry, *previous, previous[1], tz).set_index("id")["value"]
            trend = kpi_trend(engine, registry, now, tz, TREND_DAYS)
            status = feeds.feed_status(engine)
            names = {k.id: (k.name_zh if lang == "zh" else k.name_en) for k in registry}
            cards = [
                dbc.Col(
                    score_card(
                        kpi,
                        row,
                        _value(before.get(kpi.id)),
                        list(trend[kpi.id]) if kpi.id in trend else [],
                        domain_freshness(status, kpi.feeds, now, settings.stale_after_intervals),
                        period,
                        lang,
                        tz,
                    ),
                    xl=2,
                    lg=3,
                    md=4,
                    sm=6,
                )
                for kpi, row in zip(registry, table.to_dict("records"), strict=True)
            ]
            score = city_score(table)
            scored = table[table["scored"].astype(bool)]
            note = t(
                "score.note",
                lang,
                period=t(f"period.{period}", lang),
                kpis=int(scored["score"].notna().sum()),
                total=len(scored),
            )
            hover = t("ranking.hover", lang)
            return (
                kpi_row(overview_kpis(engine, now, tz, settings.stale_after_intervals), lang, tz),
                number(score, lang, 2),
                note,
                score_trend(trend, theme),
                score_breakdown(table, names, theme),
                ranking_bars(department_ranking(engine, registry, *current), lang, theme, hover),
                dbc.Row(cards, className="g-2"),
                alert_list(open_alerts(engine), lang, tz),
            )

        return guarded(render, 8, lang)

    @app.callback(
        Output("overview-go", "href"),
        Input("overview-breakdown", "clickData"),
        State("overview-prefs", "data"),
        prevent_initial_call=True,
    )
    def drill(click, prefs):
        kpi = load_registry(current_settings().kpi_targets_file)[click["points"][0]["customdata"]]
        return f"{kpi.page}?kpi={kpi.id}&lang={prefs['lang']}"


def _value(value):
    return None if value is None or value != value else float(value)
