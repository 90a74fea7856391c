"""Map (``/map``): district choropleth per 10k people, complaint points, roads by TPI, stations by AQI."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.queries import reference
from layouts.components.frame import page_frame, preferences
from layouts.components.guard import guarded
from layouts.components.navbar import navbar
from layouts.data import PERIODS, map_layers, snapshot_time
from layouts.figures.city_map import city_map
from layouts.i18n import t

dash.register_page(__name__, path="/map", name="map", title="CityOps · Map")


def _filter(label: str, control) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="filter-label"), control], md=4, lg=3)


def layout(lang: str | None = None, theme: str | None = None, period: str | None = None, **_query) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    period = period if period in PERIODS else "24h"
    return page_frame(
        "map",
        prefs,
        [
            navbar("map", prefs),
            dbc.Container(
                [
                    html.Div(id="map-banner"),
                    dbc.Row(
                        [
                            _filter(
                                t("map.period", lang),
                                dbc.RadioItems(
                                    id="map-period",
                                    value=period,
                                    inline=True,
                                    options=[{"label": t(f"map.period.{p}", lang), "value": p} for p in PERIODS],
                                ),
                            ),
                            _filter(
                                t("map.district", lang),
                                dcc.Dropdown(
                                    id="map-district", placeholder=t("map.district.all", lang), clearable=True
                                ),
                            ),
                            _filter(
                                t("map.category", lang),
                                dcc.Dropdown(
                                    id="map-category", placeholder=t("map.category.all", lang), clearable=True
                                ),
                            ),
                        ],
                        className="g-3 mb-2 map-filters",
                    ),
                    html.P(t("map.points.note", lang), className="text-body-secondary small mb-2"),
                    dcc.Graph(
                        id="map-graph",
                        style={"height": "calc(100vh - 220px)", "minHeight": "480px"},
                        config={"displaylogo": False, "responsive": True, "locale": "zh-CN" if lang == "zh" else "en"},
                    ),
                ],
                fluid=True,
            ),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("map-graph", "figure"),
        Output("map-district", "options"),
        Output("map-category", "options"),
        Output("map-banner", "children"),
        Input("map-interval", "n_intervals"),
        Input("map-period", "value"),
        Input("map-district", "value"),
        Input("map-category", "value"),
        State("map-prefs", "data"),
    )
    def refresh(_n, period, district, category, prefs):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            name = "name_en" if lang == "en" else "name_zh"
            districts = reference.districts(engine)
            categories = reference.categories(engine)
            layers = map_layers(snapshot_time(), period if period in PERIODS else "24h", district, category)
            return (
                city_map(layers, lang, theme, settings.city_timezone, settings.map_style_url, fit_px=(1500, 780)),
                [{"label": n, "value": c} for c, n in zip(districts["code"], districts[name], strict=True)],
                [{"label": n, "value": c} for c, n in zip(categories["code"], categories[name], strict=True)],
            )

        return guarded(render, 3, lang)
