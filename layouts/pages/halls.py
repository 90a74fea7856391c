"""Service halls (``/halls``): waits, long waits, handling, online and one-visit rates, good ratings; per
hall, per service item, over time and on the map."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.kpis.freshness import domain_freshness
from dashboard.queries import domains, feeds, reference
from layouts.components.domain import controls, domain_page, period_of
from layouts.components.frame import preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line
from layouts.components.panel import panel, stat_tile, tile_row
from layouts.data import PERIODS, snapshot_time
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/halls", name="halls", title="CityOps · Service halls")

HIGHLIGHT = {
    "hall_wait": "wait",
    "hall_wait_minutes": "wait",
    "hall_wait_p90_minutes": "wait",
    "hall_long_wait_share": "over_30",
    "hall_handling_minutes": "handling",
    "hall_online_rate": "online",
    "hall_one_visit_rate": "single_visit",
    "hall_good_rating_rate": "good",
}
#: Tiles: key and column (``*_pct`` columns are shown with a percent sign, minutes are named in the title).
TILES = (
    ("wait", "wait_min"),
    ("over_30", "over_30_pct"),
    ("handling", "handling_min"),
    ("online", "online_pct"),
    ("single_visit", "single_visit_pct"),
    ("good", "good_pct"),
)


def layout(
    lang: str | None = None,
    theme: str | None = None,
    period: str | None = None,
    district: str | None = None,
    kpi: str | None = None,
    **_query,
) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    body = [
        dcc.Store(id="halls-kpi", data=HIGHLIGHT.get(kpi, kpi)),
        dbc.Row(
            [
                dbc.Col(panel("halls-trend", t("halls.trend", lang), lang, fresh=False), lg=7),
                dbc.Col(panel("halls-map", t("halls.map", lang), lang, fresh=False), lg=5),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(panel("halls-ranking", t("halls.ranking", lang), lang, fresh=False), lg=6),
                dbc.Col(panel("halls-items", t("halls.items", lang), lang, fresh=False), lg=6),
            ],
            className="g-3",
        ),
    ]
    top = [
        controls("halls", lang, period_of(period, "24h"), district),
        html.Div(id="halls-fresh", className="page-fresh mb-2"),
    ]
    return domain_page("halls", prefs, t("halls.title", lang), top, body)


def _totals(stats) -> dict:
    sums = stats.sum(numeric_only=True)

    def ratio(num, den, scale):
        return sums[num] / sums[den] * scale if sums[den] else None

    return {
        "wait_min": ratio("wait_seconds", "called", 1 / 60),
        "over_30_pct": ratio("over_30", "called", 100),
        "handling_min": ratio("handling_seconds", "finished", 1 / 60),
        "online_pct": ratio("online", "issued", 100),
        "single_visit_pct": ratio("single_visit", "with_visits", 100),
        "good_pct": ratio("rated_good", "rated", 100),
        "called": int(sums["called"]),
        "issued": int(sums["issued"]),
    }


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("halls-tiles", "children"),
        Output("halls-trend", "figure"),
        Output("halls-map", "figure"),
        Output("halls-ranking", "figure"),
        Output("halls-items", "figure"),
        Output("halls-district", "options"),
        Output("halls-fresh", "children"),
        Output("halls-banner", "children"),
        Input("halls-interval", "n_intervals"),
        Input("halls-period", "value"),
        Input("halls-district", "value"),
        State("halls-prefs", "data"),
        State("halls-kpi", "data"),
    )
    def refresh(_n, period, district, prefs, highlight):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            tz, now = settings.city_timezone, snapshot_time()
            start = now - PERIODS[period_of(period, "24h")]
            stats = domains.hall_stats(engine, start, now, district or None)
            totals = _totals(stats)
            trend = domains.hall_trend(engine, start, now)
            items = domains.hall_items(engine, start, now)
            name = "name_en" if lang == "en" else "name_zh"
            areas = reference.districts(engine)
            tiles = [
                stat_tile(
                    key,
                    t(f"halls.tile.{key}", lang),
                    number(totals[column], lang, 1)
                    + ("%" if column.endswith("_pct") and totals[column] is not None else ""),
                    t(
                        f"halls.tile.{key}.detail",
                        lang,
                        called=number(totals["called"], lang),
                        issued=number(totals["issued"], lang),
                    ),
                    highlight == key,
                )
                for key, column in TILES
            ]
            ranked = stats.sort_values("wait_min", ascending=False)
            fresh = domain_freshness(feeds.feed_status(engine), ("halls",), now, settings.stale_after_intervals)
            focus = areas[areas["code"] == district] if district else None
            return (
                tile_row(tiles),
                time_lines(
                    trend,
                    {"issued": t("halls.series.issued", lang), "wait_min": t("halls.series.wait", lang)},
                    lang,
                    theme,
                    tz,
                    bars=("issued",),
                ),
                explorer_map(
                    ExplorerLayers(outlines=areas, halls=stats, focus=focus),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                    fit_px=(560, 340),
                ),
                ranked_bars(
                    list(ranked[name]),
                    list(ranked["wait_min"]),
                    lang,
                    theme,
                    digits=1,
                    unit=" " + t("unit.minutes", lang),
                ),
                ranked_bars(list(items["service_item"]), list(items["issued"]), lang, theme),
                [{"label": n, "value": c} for c, n in zip(areas["code"], areas[name], strict=True)],
                freshness_line(fresh, lang, tz),
            )

        return guarded(render, 7, lang)
