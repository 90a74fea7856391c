"""The wall's scenes and panels: what each panel draws (a figure or a list) from the data its view model reads
(``layouts.viewmodels.wall``), and from which feed domains its freshness comes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import pandas as pd
from dash import html

from dashboard.context import request_context
from dashboard.kpis.aqi import LEVELS
from dashboard.kpis.freshness import row_freshness
from dashboard.kpis.traffic import TPI_LEVELS
from layouts.figures.charts import funnel, ranked_bars, time_lines
from layouts.figures.city_map import MapLayers, city_map
from layouts.figures.trend import hourly_trend
from layouts.format import local_time
from layouts.i18n import t

#: Hours of the wall's trends (the complaints' bars: twice as many).
TREND_HOURS = 24


@dataclass(frozen=True)
class Context:
    """What a panel builder needs."""

    engine: object
    now: datetime
    tz: str
    lang: str
    theme: str
    font: int
    style_url: str | None
    scale: float = 1.0
    compare: str | None = None  # the URL's comparison: "previous" (环比) or "year" (同比)

    @property
    def day(self) -> tuple[datetime, datetime]:
        """The last 24 hours, the period of the wall's trends."""
        return self.now - timedelta(hours=TREND_HOURS), self.now

    @property
    def map_px(self) -> tuple[int, int]:
        """The map panel's size in pixels, for fitting the city into it."""
        return round(1050 * self.scale), round(600 * self.scale)


class Trend(NamedTuple):
    """A trend panel's series and, when the URL asks for a comparison, the comparison period's (frame, shift,
    label) drawn dashed (its frame empty when the domain's data does not reach back to it: "no data")."""

    frame: pd.DataFrame
    overlay: tuple[pd.DataFrame, object, str] | None = None


def _overlay_width(ctx: Context) -> float:
    """The width of the comparison's dashed lines: as wide as the series' own at the wall's font (2.5 px at 20 px),
    legible from across the room."""
    return max(1.5, ctx.font / 8)


def _name_col(ctx: Context) -> str:
    return "name_en" if ctx.lang == "en" else "name_zh"


def _city_map(ctx: Context, layers: MapLayers):
    return city_map(
        layers, ctx.lang, ctx.theme, ctx.tz, ctx.style_url, show_legend=False, font_size=ctx.font, fit_px=ctx.map_px
    )


def _city_trend(ctx: Context, trend: Trend):
    return hourly_trend(
        trend.frame, ctx.lang, ctx.theme, ctx.tz, font_size=ctx.font, overlay=trend.overlay,
        overlay_width=_overlay_width(ctx),
    )


def _complaints_funnel(ctx: Context, steps: pd.DataFrame):
    return funnel(steps, ctx.lang, ctx.theme, font_size=ctx.font)


def _complaints_categories(ctx: Context, frame: pd.DataFrame):
    names = list(frame["name_en" if ctx.lang == "en" else "name_zh"])
    return ranked_bars(names, list(frame["received"]), ctx.lang, ctx.theme, font_size=ctx.font, limit=8)


def _area_map(ctx: Context, layers: MapLayers):
    return city_map(layers, ctx.lang, ctx.theme, ctx.tz, ctx.style_url, font_size=ctx.font, fit_px=ctx.map_px)


def _lines(ctx: Context, trend: Trend, series: dict[str, str], **options):
    """A wall trend over the last 24 hours, the comparison period's series dashed when the URL asks for it."""
    return time_lines(
        trend.frame, series, ctx.lang, ctx.theme, ctx.tz, font_size=ctx.font, span=ctx.day, overlay=trend.overlay,
        overlay_width=_overlay_width(ctx), **options,
    )


def _traffic_trend(ctx: Context, trend: Trend):
    bands = tuple((lv.upper - 2, lv.upper, lv.color) for lv in TPI_LEVELS)
    return _lines(ctx, trend, {"tpi": t("traffic.series.tpi", ctx.lang)}, bands=bands)


def _environment_aqi(ctx: Context, trend: Trend):
    lows = (0, *[lv.upper for lv in LEVELS[:-1]])
    bands = tuple((low, lv.upper, lv.color) for low, lv in zip(lows, LEVELS, strict=True))
    return _lines(ctx, trend, {"aqi": "AQI"}, bands=bands)


def _halls_ranking(ctx: Context, stats: pd.DataFrame):
    stats = stats.sort_values("wait_min", ascending=False)
    return ranked_bars(
        list(stats[_name_col(ctx)]),
        list(stats["wait_min"]),
        ctx.lang,
        ctx.theme,
        digits=1,
        unit=" " + t("unit.minutes", ctx.lang),
        font_size=ctx.font,
        limit=8,
    )


def _halls_trend(ctx: Context, trend: Trend):
    series = {"issued": t("halls.series.issued", ctx.lang), "wait_min": t("halls.series.wait", ctx.lang)}
    return _lines(ctx, trend, series, bars=("issued",))


def _alerts_list(ctx: Context, items: list[tuple[str, str]]):
    if not items:
        return html.Div(t("wall.ticker.none", ctx.lang), className="wall-list-empty")
    return html.Ul(
        [html.Li(text, className=f"wall-list-item ticker-{level}") for level, text in items[:10]], className="wall-list"
    )


def _feeds_list(ctx: Context, status: pd.DataFrame):
    settings = request_context().settings
    rows = []
    for row in status.itertuples(index=False):
        fresh = row_freshness(row, ctx.now, settings.stale_after_intervals)
        state = t("feeds.stale", ctx.lang) if fresh.stale else t("feeds.fresh", ctx.lang)
        rows.append(
            html.Li(
                [
                    html.Span(row.name, className="wall-feed-name"),
                    html.Span(local_time(fresh.as_of, ctx.tz, lang=ctx.lang), className="wall-feed-time"),
                    html.Span(state, className="wall-feed-state"),
                ],
                className="wall-list-item " + ("ticker-warning" if fresh.stale else "ticker-ok"),
            )
        )
    return html.Ul(rows, className="wall-list wall-feeds")


@dataclass(frozen=True)
class Panel:
    """One panel of a scene: its title key, the feed domains of its data, and how it is drawn from the data its
    view model reads for it (``layouts.viewmodels.wall``)."""

    title: str
    domains: tuple[str, ...]
    draw: Callable[[Context, Any], object]
    graph: bool = True


PANELS: dict[str, Panel] = {
    "city_map": Panel("wall.panel.city_map", ("complaints", "traffic", "sensors"), _city_map),
    "city_trend": Panel("overview.trend.title", ("complaints",), _city_trend),
    "complaints_funnel": Panel("wall.panel.complaints_funnel", ("complaints",), _complaints_funnel),
    "complaints_categories": Panel("wall.panel.complaints_categories", ("complaints",), _complaints_categories),
    "traffic_map": Panel("wall.panel.traffic_map", ("traffic",), _area_map),
    "traffic_trend": Panel("wall.panel.traffic_trend", ("traffic",), _traffic_trend),
    "environment_map": Panel("wall.panel.environment_map", ("sensors",), _area_map),
    "environment_aqi": Panel("wall.panel.environment_aqi", ("sensors",), _environment_aqi),
    "halls_ranking": Panel("wall.panel.halls_ranking", ("halls",), _halls_ranking),
    "halls_trend": Panel("wall.panel.halls_trend", ("halls",), _halls_trend),
    "alerts_list": Panel("wall.panel.alerts_list", (), _alerts_list, graph=False),
    "feeds_list": Panel("wall.panel.feeds_list", (), _feeds_list, graph=False),
}
SCENES: dict[str, tuple[str, str]] = {
    "city": ("city_map", "city_trend"),
    "complaints": ("complaints_funnel", "complaints_categories"),
    "traffic": ("traffic_map", "traffic_trend"),
    "environment": ("environment_map", "environment_aqi"),
    "halls": ("halls_ranking", "halls_trend"),
    "alerts": ("alerts_list", "feeds_list"),
}


def playlist(scenes: str | None) -> list[str]:
    """The scenes named in ``?scenes=`` (known ones, in order, once each), else all of them."""
    chosen = [s for s in dict.fromkeys((scenes or "").split(",")) if s in SCENES]
    return chosen or list(SCENES)
