"""Environment (``/environment``): city AQI now and over time with its levels, pollutant concentrations,
stations by AQI on the map and ranked, and noise per station."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard.app import current_engine, current_settings
from dashboard.kpis.aqi import LEVELS
from dashboard.kpis.freshness import domain_freshness
from dashboard.queries import domains, environment, feeds, reference
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

dash.register_page(__name__, path="/environment", name="environment", title="CityOps · Environment")

HIGHLIGHT = {"city_aqi": "aqi", "air_aqi": "aqi", "air_exceedance_hours": "exceed", "noise_compliance": "stations"}


def layout(
    lang: str | None = None, theme: str | None = None, period: str | None = None, kpi: str | None = None, **_query
) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    body = [
        dcc.Store(id="environment-kpi", data=HIGHLIGHT.get(kpi, kpi)),
        dbc.Row(
            [
                dbc.Col(panel("environment-aqi", t("environment.aqi", lang), lang, fresh=False), lg=7),
                dbc.Col(panel("environment-map", t("environment.map", lang), lang, fresh=False), lg=5),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(panel("environment-pollutants", t("environment.pollutants", lang), lang, fresh=False), lg=5),
                dbc.Col(panel("environment-stations", t("environment.stations", lang), lang, fresh=False), lg=4),
                dbc.Col(panel("environment-noise", t("environment.noise", lang), lang, fresh=False), lg=3),
            ],
            className="g-3",
        ),
    ]
    top = [
        controls("environment", lang, period_of(period, "24h"), None, with_district=False),
        html.Div(id="environment-fresh", className="page-fresh mb-2"),
    ]
    return domain_page("environment", prefs, t("environment.title", lang), top, body)


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("environment-tiles", "children"),
        Output("environment-aqi", "figure"),
        Output("environment-map", "figure"),
        Output("environment-pollutants", "figure"),
        Output("environment-stations", "figure"),
        Output("environment-noise", "figure"),
        Output("environment-fresh", "children"),
        Output("environment-banner", "children"),
        Input("environment-interval", "n_intervals"),
        Input("environment-period", "value"),
        State("environment-prefs", "data"),
        State("environment-kpi", "data"),
    )
    def refresh(_n, period, prefs, highlight):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            tz, now = settings.city_timezone, snapshot_time()
            start = now - PERIODS[period_of(period, "24h")]
            city = environment.city_aqi(engine, tz)
            trend = domains.air_trend(engine, start, now, tz)
            stations = environment.station_aqi(engine, tz)
            noise = domains.station_series(engine, now - PERIODS["24h"], now, "laeq")
            name = "name_en" if lang == "en" else "name_zh"
            exceed = int((trend["aqi"] > 100).sum()) if not trend.empty else 0
            primary = (
                "、".join(t(f"pollutant.{p}", lang) for p in city.result.primary)
                if city and city.result.primary
                else t("pollutant.none", lang)
            )
            tiles = [
                stat_tile(
                    "aqi",
                    t("kpi.city_aqi.title", lang),
                    number(city.result.aqi if city else None, lang),
                    t(f"aqi.{city.result.level.key}", lang) if city else t("fresh.none", lang),
                    highlight == "aqi",
                ),
                stat_tile(
                    "primary",
                    t("environment.tile.primary", lang),
                    primary,
                    t("environment.tile.primary.detail", lang),
                    highlight == "primary",
                ),
                stat_tile(
                    "exceed",
                    t("environment.tile.exceed", lang),
                    number(exceed, lang),
                    t("environment.tile.exceed.detail", lang, hours=number(len(trend), lang)),
                    highlight == "exceed",
                ),
                stat_tile(
                    "stations",
                    t("environment.tile.stations", lang),
                    number(len(stations), lang),
                    t("environment.tile.stations.detail", lang),
                    highlight == "stations",
                ),
            ]
            bands = tuple(
                (lv_prev, lv.upper, lv.color)
                for lv_prev, lv in zip((0, *[x.upper for x in LEVELS[:-1]]), LEVELS, strict=True)
                if lv.upper <= 300
            )
            ranked = stations.sort_values("aqi", ascending=False)
            latest_noise = noise.sort_values("hour").drop_duplicates("station_code", keep="last")
            fresh = domain_freshness(feeds.feed_status(engine), ("sensors",), now, settings.stale_after_intervals)
            return (
                tile_row(tiles),
                time_lines(trend, {"aqi": "AQI"}, lang, theme, tz, bands=bands),
                city_map(
                    MapLayers(districts=reference.districts(engine), stations=stations),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                    fit_px=(560, 340),
                ),
                time_lines(
                    trend,
                    {p: t(f"pollutant.{p}", lang) for p in ("pm25", "pm10", "no2", "o3")},
                    lang,
                    theme,
                    tz,
                    y_title="µg/m³",
                ),
                ranked_bars(
                    [f"{n} · {t(f'aqi.{lv}', lang)}" for n, lv in zip(ranked[name], ranked["level"], strict=True)],
                    list(ranked["aqi"]),
                    lang,
                    theme,
                    colors=list(ranked["color"]),
                ),
                ranked_bars(
                    list(latest_noise[name]), list(latest_noise["value"]), lang, theme, digits=1, unit=" dB(A)"
                ),
                freshness_line(fresh, lang, tz),
            )

        return guarded(render, 6, lang)
