"""Environment (``/environment``): city AQI now and over time with its levels, pollutant concentrations,
stations by AQI on the map and ranked, and noise per station."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from layouts.components.domain import (
    DomainSpec,
    Drawn,
    Slot,
    Tile,
    View,
    compared,
    domain_layout,
    register_domain,
    tile_directions,
    with_changes,
    with_latest,
)
from layouts.components.frame import page_request
from layouts.figures.air_months import level_days
from layouts.figures.charts import empty, ranked_bars, time_lines
from layouts.figures.city_map import city_map
from layouts.format import local_time, number
from layouts.i18n import t
from layouts.viewmodels.domain import latest_tile_change
from layouts.viewmodels.environment import AQI_BANDS, EnvironmentView, environment_view

dash.register_page(__name__, path="/environment", name="environment", title="CityOps · Environment")

SPEC = DomainSpec(
    "environment",
    rows=(
        (Slot("aqi", 7), Slot("map", 5)),
        (Slot("pollutants", 5), Slot("stations", 4), Slot("noise", 3)),
    ),
    domains=("sensors",),
    district=None,
    highlight={"city_aqi": "aqi", "air_aqi": "aqi", "air_exceedance_hours": "exceed", "noise_compliance": "stations"},
)


def layout(
    lang: str | None = None, theme: str | None = None, period: str | None = None, kpi: str | None = None, **_query
) -> html.Div:
    context = page_request(lang, theme, query={"period": period, **_query})
    return domain_layout(SPEC, context, t("environment.title", context.language), None, kpi)


DIRECTIONS = tile_directions(SPEC)


def _values(data: EnvironmentView) -> dict[str, float | None]:
    """The value of the tile read over the period (the AQI tile is the latest hour's, compared as the overview's
    card: ``with_latest``)."""
    return {"exceed": data.exceed_hours}


def _tiles(data: EnvironmentView, lang: str, timezone: str) -> list[Tile]:
    """The AQI and primary pollutant of the newest hour (its detail says which, whatever the period), the
    period's hours over 100, the stations reporting."""
    city = data.city
    primary = (
        "、".join(t(f"pollutant.{p}", lang) for p in city.result.primary)
        if city and city.result.primary
        else t("pollutant.none", lang)
    )
    return [
        Tile(
            "aqi",
            t("kpi.city_aqi.title", lang),
            number(city.result.aqi if city else None, lang),
            t(
                "environment.tile.aqi.detail",
                lang,
                level=t(f"aqi.{city.result.level.key}", lang),
                hour=local_time(city.observed_at, timezone, lang=lang),
            )
            if city
            else t("fresh.none", lang),
        ),
        Tile("primary", t("environment.tile.primary", lang), primary, t("environment.tile.primary.detail", lang)),
        Tile(
            "exceed",
            t("environment.tile.exceed", lang),
            number(data.exceed_hours, lang),
            t("environment.tile.exceed.detail", lang, hours=number(data.rated_hours, lang)),
        ),
        Tile(
            "stations",
            t("environment.tile.stations", lang),
            number(len(data.stations), lang),
            t("environment.tile.stations.detail", lang),
        ),
    ]


def _stations(ranked: pd.DataFrame, view: View):
    lang, theme = view.context.language, view.context.theme
    labels = [f"{n} · {t(f'aqi.{lv}', lang)}" for n, lv in zip(ranked[view.name], ranked["level"], strict=True)]
    return ranked_bars(labels, list(ranked["aqi"]), lang, theme, colors=list(ranked["color"]))


def _noise(noise: pd.DataFrame, view: View):
    lang, theme = view.context.language, view.context.theme
    return ranked_bars(list(noise[view.name]), list(noise["value"]), lang, theme, digits=1, unit=" dB(A)")


def _pollutants(grain: str, lang: str) -> dict[str, str]:
    """The pollutant series and their names: per month their HJ 663 monthly figures."""
    names = {p: t(f"pollutant.{p}", lang) for p in ("pm25", "pm10", "no2", "o3")}
    if grain != "month":
        return names
    return {p: t("environment.month.o3" if p == "o3" else "environment.month.mean", lang, pollutant=n)
            for p, n in names.items()}


def _latest(view: View):
    """The AQI tile's change against the same hour of the day or year before."""
    return latest_tile_change(view.context, "city_aqi", view.as_of, view.span.compare)


def draw(view: View) -> Drawn:
    lang, theme, tz, span = view.context.language, view.context.theme, view.context.timezone, (view.start, view.now)
    data, base = environment_view(view), compared(view, environment_view, "sensors")
    grain = data.grain
    overlay = base.overlay(lambda d: d.trend) if base else None
    pollutants = _pollutants(grain, lang)
    note = t("environment.month.note", lang) if grain == "month" else None
    return Drawn(
        with_latest(
            with_changes(_tiles(data, lang, tz), view, _values(data), base, _values, DIRECTIONS, whole=("exceed",)),
            "aqi", "city_aqi", _latest(view), view, digits=0,
        ),
        {
            "aqi": lambda: level_days(data.trend, lang, theme, tz, (view.start, view.span.full_end), overlay)
            if grain == "month"
            else empty(t("environment.aqi.no_daily", lang), theme)
            if grain == "day" and data.trend.empty
            else time_lines(
                data.trend, {"aqi": "AQI"}, lang, theme, tz, bands=AQI_BANDS, span=span, overlay=overlay,
                grain=grain,
            ),
            "map": lambda: city_map(
                data.map_layers(), lang, theme, tz, view.context.settings.map_style_url, fit_px=SPEC.fit_px("map")
            ),
            "pollutants": lambda: empty(t("environment.aqi.no_daily", lang), theme)
            if grain != "hour" and data.trend.empty
            else time_lines(
                data.trend, pollutants, lang, theme, tz, y_title="µg/m³", span=span, overlay=overlay,
                grain=grain, legend_title=note,
            ),
            "stations": lambda: _stations(data.ranked, view),
            "noise": lambda: _noise(data.latest_noise(), view),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
