"""Traffic (``/traffic``): network TPI, speed and congestion now and over time, speeds by road class, the
most congested segments and the road map by TPI level."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.kpis.freshness import domain_freshness
from dashboard.kpis.traffic import TPI_LEVELS
from dashboard.queries import domains, feeds, reference, traffic
from layouts.components.domain import controls, domain_page, period_of
from layouts.components.frame import preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line
from layouts.components.panel import panel, stat_tile, tile_row
from layouts.data import PERIODS, snapshot_time
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.city_map import MapLayers, city_map
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/traffic", name="traffic", title="CityOps · Traffic")

HIGHLIGHT = {
    "network_tpi": "tpi",
    "traffic_tpi": "tpi",
    "traffic_tti": "tti",
    "traffic_network_speed": "speed",
    "traffic_congested_share": "congested",
}


def layout(
    lang: str | None = None, theme: str | None = None, period: str | None = None, kpi: str | None = None, **_query
) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    body = [
        dcc.Store(id="traffic-kpi", data=HIGHLIGHT.get(kpi, kpi)),
        dbc.Row(
            [
                dbc.Col(panel("traffic-trend", t("traffic.trend", lang), lang, fresh=False), lg=7),
                dbc.Col(panel("traffic-map", t("traffic.map", lang), lang, fresh=False), lg=5),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(panel("traffic-worst", t("traffic.worst", lang), lang, fresh=False), lg=7),
                dbc.Col(panel("traffic-classes", t("traffic.classes", lang), lang, fresh=False), lg=5),
            ],
            className="g-3",
        ),
    ]
    top = [
        controls("traffic", lang, period_of(period, "24h"), None, with_district=False),
        html.Div(id="traffic-fresh", className="page-fresh mb-2"),
    ]
    return domain_page("traffic", prefs, t("traffic.title", lang), top, body)


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("traffic-tiles", "children"),
        Output("traffic-trend", "figure"),
        Output("traffic-map", "figure"),
        Output("traffic-worst", "figure"),
        Output("traffic-classes", "figure"),
        Output("traffic-fresh", "children"),
        Output("traffic-banner", "children"),
        Input("traffic-interval", "n_intervals"),
        Input("traffic-period", "value"),
        State("traffic-prefs", "data"),
        State("traffic-kpi", "data"),
    )
    def refresh(_n, period, prefs, highlight):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            tz, now = settings.city_timezone, snapshot_time()
            start = now - PERIODS[period_of(period, "24h")]
            net = traffic.network(engine)
            trend = domains.traffic_trend(engine, start, now)
            roads = traffic.rated_segments(engine)
            classes = domains.road_class_speeds(engine, start, now)
            name = "name_en" if lang == "en" else "name_zh"
            worst = roads.sort_values("tpi", ascending=False).head(12)
            congested = trend["congested_pct"].iloc[-1] if not trend.empty else None
            tiles = [
                stat_tile(
                    "tpi",
                    t("kpi.network_tpi.title", lang),
                    number(net.tpi if net else None, lang, 1),
                    t(f"tpi.{net.level.key}", lang) if net else t("fresh.none", lang),
                    highlight == "tpi",
                ),
                stat_tile(
                    "tti",
                    "TTI",
                    number(net.tti if net else None, lang, 2),
                    t("traffic.tile.tti.detail", lang),
                    highlight == "tti",
                ),
                stat_tile(
                    "speed",
                    t("traffic.tile.speed", lang),
                    number(trend["speed_kmh"].iloc[-1] if not trend.empty else None, lang, 1),
                    t("traffic.tile.speed.detail", lang),
                    highlight == "speed",
                ),
                stat_tile(
                    "congested",
                    t("traffic.tile.congested", lang),
                    number(congested, lang, 1) + ("%" if congested is not None else ""),
                    t("traffic.tile.congested.detail", lang),
                    highlight == "congested",
                ),
            ]
            bands = tuple((lv.upper - 2, lv.upper, lv.color) for lv in TPI_LEVELS)
            fresh = domain_freshness(feeds.feed_status(engine), ("traffic",), now, settings.stale_after_intervals)
            return (
                tile_row(tiles),
                time_lines(trend, {"tpi": t("traffic.series.tpi", lang)}, lang, theme, tz, bands=bands),
                city_map(
                    MapLayers(districts=reference.districts(engine), roads=roads),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                    fit_px=(560, 340),
                ),
                ranked_bars(
                    [f"{n} · {t(f'tpi.{lv}', lang)}" for n, lv in zip(worst[name], worst["level"], strict=True)],
                    list(worst["tpi"]),
                    lang,
                    theme,
                    digits=1,
                    colors=list(worst["color"]),
                ),
                ranked_bars(
                    [t(f"road.{c}", lang) for c in classes["road_class"]],
                    list(classes["speed_kmh"]),
                    lang,
                    theme,
                    digits=1,
                    unit=" km/h",
                ),
                freshness_line(fresh, lang, tz),
            )

        return guarded(render, 6, lang)
