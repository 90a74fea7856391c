"""Overview (``/``): live KPI cards with their data time, the 48-hour complaint trend and a small city map."""

from __future__ import annotations

from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.queries import complaints
from dashboard.queries.overview import overview_kpis
from layouts.components.frame import page_frame, preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import kpi_row
from layouts.components.navbar import navbar
from layouts.data import map_layers, snapshot_time
from layouts.figures.city_map import city_map
from layouts.figures.trend import hourly_trend
from layouts.i18n import t

dash.register_page(__name__, path="/", name="overview", title="CityOps")

GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def _panel(title_id: str, title: str, graph_id: str, lang: str) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="panel-title", id=title_id),
                dcc.Graph(
                    id=graph_id,
                    style={"height": "380px"},
                    config=GRAPH_CONFIG | {"locale": "zh-CN" if lang == "zh" else "en"},
                ),
            ]
        ),
        className="h-100",
    )


def layout(lang: str | None = None, theme: str | None = None, **_query) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    return page_frame(
        "overview",
        prefs,
        [
            navbar("overview", prefs),
            dbc.Container(
                [
                    html.Div(id="overview-banner"),
                    html.Div(id="overview-kpis", className="mb-3"),
                    dbc.Row(
                        [
                            dbc.Col(
                                _panel("overview-trend-title", t("overview.trend.title", lang), "overview-trend", lang),
                                lg=6,
                            ),
                            dbc.Col(
                                _panel("overview-map-title", t("overview.map.title", lang), "overview-map", lang), lg=6
                            ),
                        ],
                        className="g-3",
                    ),
                ],
                fluid=True,
            ),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("overview-kpis", "children"),
        Output("overview-trend", "figure"),
        Output("overview-map", "figure"),
        Output("overview-banner", "children"),
        Input("overview-interval", "n_intervals"),
        State("overview-prefs", "data"),
    )
    def refresh(_n, prefs):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            now = snapshot_time()
            tz = settings.city_timezone
            kpis = overview_kpis(engine, now, tz, settings.stale_after_intervals)
            hourly = complaints.hourly_counts(engine, now - timedelta(hours=48), now)
            layers = map_layers(now, with_points=False)
            return (
                kpi_row(kpis, lang, tz),
                hourly_trend(hourly, lang, theme, tz),
                city_map(layers, lang, theme, tz, settings.map_style_url, show_legend=False, fit_px=(800, 340)),
            )

        return guarded(render, 3, lang)
