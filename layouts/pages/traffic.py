"""Traffic (``/traffic``): network TPI, speed and congestion now and over time, speeds by road class, the
most congested segments and the road map by TPI level."""

from __future__ import annotations

import dash
from dash import html

from dashboard.kpis.traffic import TPI_LEVELS
from dashboard.queries import domains, reference, traffic
from layouts.components.domain import DomainSpec, Drawn, Slot, Tile, View, domain_layout, register_domain
from layouts.components.frame import preferences
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.city_map import MapLayers, city_map
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/traffic", name="traffic", title="CityOps · Traffic")

SPEC = DomainSpec(
    "traffic",
    rows=((Slot("trend", 7), Slot("map", 5)), (Slot("worst", 7), Slot("classes", 5))),
    domains=("traffic",),
    default_period="24h",
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
    prefs = preferences(lang, theme)
    return domain_layout(SPEC, prefs, t("traffic.title", prefs["lang"]), period, None, kpi)


def draw(view: View) -> Drawn:
    engine, lang, theme = view.engine, view.lang, view.theme
    net = traffic.network(engine)
    trend = domains.traffic_trend(engine, view.start, view.now)
    roads = traffic.rated_segments(engine)
    classes = domains.road_class_speeds(engine, view.start, view.now)
    worst = roads.sort_values("tpi", ascending=False).head(12)
    congested = trend["congested_pct"].iloc[-1] if not trend.empty else None
    tiles = [
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
            number(trend["speed_kmh"].iloc[-1] if not trend.empty else None, lang, 1),
            t("traffic.tile.speed.detail", lang),
        ),
        Tile(
            "congested",
            t("traffic.tile.congested", lang),
            number(congested, lang, 1) + ("%" if congested is not None else ""),
            t("traffic.tile.congested.detail", lang),
        ),
    ]
    bands = tuple((lv.upper - 2, lv.upper, lv.color) for lv in TPI_LEVELS)
    return Drawn(
        tiles,
        {
            "trend": time_lines(
                trend,
                {"tpi": t("traffic.series.tpi", lang)},
                lang,
                theme,
                view.tz,
                bands=bands,
                span=(view.start, view.now),
            ),
            "map": lambda: city_map(
                MapLayers(districts=reference.districts(engine), roads=roads),
                lang,
                theme,
                view.tz,
                view.settings.map_style_url,
                fit_px=(560, 340),
            ),
            "worst": ranked_bars(
                [f"{n} · {t(f'tpi.{lv}', lang)}" for n, lv in zip(worst[view.name], worst["level"], strict=True)],
                list(worst["tpi"]),
                lang,
                theme,
                digits=1,
                colors=list(worst["color"]),
            ),
            "classes": ranked_bars(
                [t(f"road.{c}", lang) for c in classes["road_class"]],
                list(classes["speed_kmh"]),
                lang,
                theme,
                digits=1,
                unit=" km/h",
            ),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
