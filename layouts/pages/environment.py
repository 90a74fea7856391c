"""Environment (``/environment``): city AQI now and over time with its levels, pollutant concentrations,
stations by AQI on the map and ranked, and noise per station."""

from __future__ import annotations

import dash
from dash import html

from dashboard.kpis.aqi import LEVELS
from dashboard.kpis.periods import WINDOWS
from dashboard.queries import domains, environment, reference
from layouts.components.domain import DomainSpec, Drawn, Slot, Tile, View, domain_layout, register_domain
from layouts.components.frame import preferences
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.city_map import MapLayers, city_map
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/environment", name="environment", title="CityOps · Environment")

SPEC = DomainSpec(
    "environment",
    rows=(
        (Slot("aqi", 7), Slot("map", 5)),
        (Slot("pollutants", 5), Slot("stations", 4), Slot("noise", 3)),
    ),
    domains=("sensors",),
    default_period="24h",
    district=None,
    highlight={"city_aqi": "aqi", "air_aqi": "aqi", "air_exceedance_hours": "exceed", "noise_compliance": "stations"},
)


def layout(
    lang: str | None = None, theme: str | None = None, period: str | None = None, kpi: str | None = None, **_query
) -> html.Div:
    prefs = preferences(lang, theme)
    return domain_layout(SPEC, prefs, t("environment.title", prefs["lang"]), period, None, kpi)


def draw(view: View) -> Drawn:
    engine, lang, theme = view.engine, view.lang, view.theme
    city = environment.city_aqi(engine, view.tz)
    trend = domains.air_trend(engine, view.start, view.now, view.tz)
    stations = environment.station_aqi(engine, view.tz)
    noise = domains.station_series(engine, view.now - WINDOWS["24h"], view.now, "laeq")
    exceed = int((trend["aqi"] > 100).sum()) if not trend.empty else 0
    primary = (
        "、".join(t(f"pollutant.{p}", lang) for p in city.result.primary)
        if city and city.result.primary
        else t("pollutant.none", lang)
    )
    tiles = [
        Tile(
            "aqi",
            t("kpi.city_aqi.title", lang),
            number(city.result.aqi if city else None, lang),
            t(f"aqi.{city.result.level.key}", lang) if city else t("fresh.none", lang),
        ),
        Tile("primary", t("environment.tile.primary", lang), primary, t("environment.tile.primary.detail", lang)),
        Tile(
            "exceed",
            t("environment.tile.exceed", lang),
            number(exceed, lang),
            t("environment.tile.exceed.detail", lang, hours=number(len(trend), lang)),
        ),
        Tile(
            "stations",
            t("environment.tile.stations", lang),
            number(len(stations), lang),
            t("environment.tile.stations.detail", lang),
        ),
    ]
    bands = tuple(
        (lv_prev, lv.upper, lv.color)
        for lv_prev, lv in zip((0, *[x.upper for x in LEVELS[:-1]]), LEVELS, strict=True)
        if lv.upper <= 300
    )
    ranked = stations.sort_values("aqi", ascending=False)
    latest_noise = noise.sort_values("hour").drop_duplicates("station_code", keep="last")
    return Drawn(
        tiles,
        {
            "aqi": time_lines(trend, {"aqi": "AQI"}, lang, theme, view.tz, bands=bands, span=(view.start, view.now)),
            "map": lambda: city_map(
                MapLayers(districts=reference.districts(engine), stations=stations),
                lang,
                theme,
                view.tz,
                view.settings.map_style_url,
                fit_px=(560, 340),
            ),
            "pollutants": time_lines(
                trend,
                {p: t(f"pollutant.{p}", lang) for p in ("pm25", "pm10", "no2", "o3")},
                lang,
                theme,
                view.tz,
                y_title="µg/m³",
                span=(view.start, view.now),
            ),
            "stations": ranked_bars(
                [f"{n} · {t(f'aqi.{lv}', lang)}" for n, lv in zip(ranked[view.name], ranked["level"], strict=True)],
                list(ranked["aqi"]),
                lang,
                theme,
                colors=list(ranked["color"]),
            ),
            "noise": ranked_bars(
                list(latest_noise[view.name]), list(latest_noise["value"]), lang, theme, digits=1, unit=" dB(A)"
            ),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
