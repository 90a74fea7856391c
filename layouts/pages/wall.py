"""Wall (``/wall``): the 16:9 dark command-centre screen — clock, KPI cards, map, trend and alarm ticker."""

from __future__ import annotations

from datetime import timedelta

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.kpis.freshness import domain_freshness, row_freshness
from dashboard.kpis.periods import local_day
from dashboard.queries import complaints, feeds, halls
from dashboard.queries.overview import overview_kpis
from layouts.components.frame import page_frame, preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line, kpi_row
from layouts.data import map_layers, snapshot_time
from layouts.figures.city_map import city_map
from layouts.figures.trend import hourly_trend
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/wall", name="wall", title="CityOps · Wall")

GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}
#: Base font size of the wall's figures (pixels at 1920 × 1080).
WALL_FONT = 20


def _panel(name: str, title: str, lang: str) -> html.Section:
    return html.Section(
        [
            html.Div(
                [
                    html.H2(title, className="wall-panel-title"),
                    html.Div(id=f"wall-{name}-fresh", className="wall-fresh"),
                ],
                className="wall-panel-head",
            ),
            dcc.Graph(
                id=f"wall-{name}",
                className="wall-graph",
                style={"height": "100%"},
                config=GRAPH_CONFIG | {"locale": "zh-CN" if lang == "zh" else "en"},
            ),
        ],
        className=f"wall-panel wall-panel-{name}",
    )


def layout(lang: str | None = None, theme: str | None = None, **_query) -> html.Div:
    prefs = preferences(lang, theme, default_theme="dark")
    lang = prefs["lang"]
    settings = current_settings()
    city = settings.city_name_zh if lang == "zh" else settings.city_name_en
    header = html.Header(
        [
            html.H1([html.Span(city, className="me-3"), t("wall.title", lang)], className="wall-title"),
            html.Div(id="wall-banner", className="wall-banner"),
            html.Div(
                className="cityops-clock wall-clock", **{"data-timezone": settings.city_timezone, "data-lang": lang}
            ),
        ],
        className="wall-header",
    )
    footer = html.Footer(
        [
            html.Span(t("wall.ticker", lang), className="wall-ticker-label"),
            html.Div(id="wall-ticker", className="wall-ticker"),
        ],
        className="wall-footer",
    )
    main = html.Div(
        [_panel("map", t("overview.map.title", lang), lang), _panel("trend", t("overview.trend.title", lang), lang)],
        className="wall-main",
    )
    return page_frame(
        "wall",
        prefs,
        [header, html.Div(id="wall-kpis", className="wall-kpis"), main, footer],
        class_name="wall",
        **{"data-reload-ms": int(settings.wall_reload_hours * 3_600_000)},
    )


def _ticker(status: pd.DataFrame, problems: pd.DataFrame, waits: pd.DataFrame, now, factor: float, lang: str) -> list:
    items = []
    for row in status.itertuples(index=False):
        if row.enabled and row_freshness(row, now, factor).stale:
            items.append(("warning", t("wall.ticker.stale", lang, feed=row.name)))
    for row in problems.itertuples(index=False):
        if row.failed_runs:
            items.append(("danger", t("wall.ticker.feed_failed", lang, feed=row.feed, count=row.failed_runs)))
        if row.quarantined:
            items.append(("warning", t("wall.ticker.quarantine", lang, feed=row.feed, count=row.quarantined)))
    for row in waits.itertuples(index=False):
        hall = row.name_en if lang == "en" else row.name_zh
        items.append(
            (
                "danger",
                t(
                    "wall.ticker.hall_wait",
                    lang,
                    hall=hall,
                    count=row.tickets,
                    minutes=number(row.max_wait_minutes, lang),
                ),
            )
        )
    if not items:
        return [html.Span(t("wall.ticker.none", lang), className="ticker-item ticker-ok")]
    return [html.Span(text, className=f"ticker-item ticker-{level}") for level, text in items]


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("wall-kpis", "children"),
        Output("wall-map", "figure"),
        Output("wall-trend", "figure"),
        Output("wall-map-fresh", "children"),
        Output("wall-trend-fresh", "children"),
        Output("wall-ticker", "children"),
        Output("wall-banner", "children"),
        Input("wall-interval", "n_intervals"),
        State("wall-prefs", "data"),
    )
    def refresh(_n, prefs):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            now, tz, factor = snapshot_time(), settings.city_timezone, settings.stale_after_intervals
            status = feeds.feed_status(engine)
            kpis = overview_kpis(engine, now, tz, factor)
            hourly = complaints.hourly_counts(engine, now - timedelta(hours=48), now)
            problems = feeds.recent_problems(engine, now - timedelta(hours=1))
            waits = halls.long_waits(engine, local_day(now, tz)[0], now)
            map_fresh = domain_freshness(status, ("complaints", "traffic", "sensors"), now, factor)
            trend_fresh = domain_freshness(status, ("complaints",), now, factor)
            return (
                kpi_row(kpis, lang, tz),
                city_map(
                    map_layers(now, with_points=False),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                    show_legend=False,
                    font_size=WALL_FONT,
                    fit_px=(1050, 540),
                ),
                hourly_trend(hourly, lang, theme, tz, font_size=WALL_FONT),
                freshness_line(map_fresh, lang, tz),
                freshness_line(trend_fresh, lang, tz),
                _ticker(status, problems, waits, now, factor, lang),
            )

        return guarded(render, 6, lang)
