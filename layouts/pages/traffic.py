"""Traffic (``/traffic``): network TPI, speed and congestion now and over time, speeds by road class, the
most congested segments and the road map by TPI level."""

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
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.city_map import city_map
from layouts.format import number
from layouts.i18n import t
from layouts.viewmodels.domain import latest_tile_change
from layouts.viewmodels.traffic import TPI_BANDS, TrafficView, traffic_view

dash.register_page(__name__, path="/traffic", name="traffic", title="CityOps · Traffic")

SPEC = DomainSpec(
    "traffic",
    rows=((Slot("trend", 7), Slot("map", 5)), (Slot("worst", 7), Slot("classes", 5))),
    domains=("traffic",),
    district=None,
    highlight={
        "network_tpi": "tpi",
        "traffic_tpi": "tpi",
        "traffic_tti": "tti",
        "traffic_network_speed": "speed",
        "traffic_congested_share": "congested",
    },
)


def layout(
    lang: str | None = None, theme: str | None = None, period: str | None = None, kpi: str | None = None, **_query
) -> html.Div:
    context = page_request(lang, theme, query={"period": period, **_query})
    return domain_layout(SPEC, context, t("traffic.title", context.language), None, kpi)


DIRECTIONS = tile_directions(SPEC)


def _values(data: TrafficView) -> dict[str, float | None]:
    """The values of the speed and congested tiles: the network KPIs of the period's newest hour with a rated
    segment (the congested share in percent), compared with the compared period's newest; the TPI and TTI tiles
    are the latest interval's, whatever the period: the TPI is compared as the overview's card (``with_latest``),
    the TTI is not."""
    return {"speed": data.speed, "congested": data.congested}


def _tiles(data: TrafficView, lang: str) -> list[Tile]:
    net, congested = data.network, data.congested
    return [
        Tile(
            "tpi",
            t("kpi.network_tpi.title", lang),
            number(net.tpi if net else None, lang, 1),
            t(f"tpi.{net.level.key}", lang) if net else t("fresh.none", lang),
        ),
        Tile("tti", "TTI", number(net.tti if net else None, lang, 2), t("traffic.tile.tti.detail", lang)),
        Tile(
            "speed",
            t("traffic.tile.speed", lang),
            number(data.speed, lang, 1),
            t("traffic.tile.speed.detail", lang),
        ),
        Tile(
            "congested",
            t("traffic.tile.congested", lang),
            number(congested, lang, 1) + ("%" if congested is not None else ""),
            t("traffic.tile.congested.detail", lang),
        ),
    ]


def _worst(worst: pd.DataFrame, view: View):
    lang, theme = view.context.language, view.context.theme
    labels = [f"{n} · {t(f'tpi.{lv}', lang)}" for n, lv in zip(worst[view.name], worst["level"], strict=True)]
    return ranked_bars(labels, list(worst["tpi"]), lang, theme, digits=1, colors=list(worst["color"]))


def _classes(classes: pd.DataFrame, view: View):
    lang, theme = view.context.language, view.context.theme
    labels = [t(f"road.{c}", lang) for c in classes["road_class"]]
    return ranked_bars(labels, list(classes["speed_kmh"]), lang, theme, digits=1, unit=" km/h")


def _latest(view: View):
    """The TPI tile's change against the same 15 minutes of the day or year before."""
    return latest_tile_change(view.context, "network_tpi", view.as_of, view.span.compare)


def draw(view: View) -> Drawn:
    lang, theme, tz = view.context.language, view.context.theme, view.context.timezone
    data, base = traffic_view(view), compared(view, traffic_view, "traffic")
    series = {"tpi": t("traffic.series.tpi", lang)}
    overlay = base.overlay(lambda d: d.trend) if base else None
    return Drawn(
        with_latest(
            with_changes(_tiles(data, lang), view, _values(data), base, _values, DIRECTIONS, ("congested",)),
            "tpi", "network_tpi", _latest(view), view, digits=1,
        ),
        {
            "trend": lambda: time_lines(
                data.trend,
                series,
                lang,
                theme,
                tz,
                bands=TPI_BANDS,
                span=(view.start, view.now),
                overlay=overlay,
                grain=view.span.grain,
            ),
            "map": lambda: city_map(
                data.map_layers(), lang, theme, tz, view.context.settings.map_style_url, fit_px=SPEC.fit_px("map")
            ),
            "worst": lambda: _worst(data.worst, view),
            "classes": lambda: _classes(data.classes(), view),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
