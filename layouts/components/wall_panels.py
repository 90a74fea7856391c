"""The wall's scenes and panels: what each panel draws (a figure or a list, in the request's language and theme,
sized for its screen) from the data its view model reads (``layouts.viewmodels.wall``), and from which feed
domains its freshness comes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import pandas as pd
from dash import html

from dashboard.context import RequestContext
from dashboard.kpis.freshness import row_freshness
from layouts.components.complaints import labels
from layouts.figures.charts import funnel, ranked_bars, time_lines
from layouts.figures.city_map import MapLayers, city_map
from layouts.figures.trend import hourly_trend
from layouts.format import local_time
from layouts.i18n import t
from layouts.viewmodels.environment import AQI_BANDS
from layouts.viewmodels.traffic import TPI_BANDS

#: Base font size of the wall's figures in pixels at 1920 × 1080 (scaled with the screen's width).
WALL_FONT = 20
#: Hours of the wall's trends (the complaints' bars: twice as many).
TREND_HOURS = 24


def font_px(ctx: RequestContext) -> int:
    """The figures' base font size for the request's screen (``ctx.scale`` × 1920 px wide)."""
    return round(WALL_FONT * ctx.scale)


def day(now: datetime) -> tuple[datetime, datetime]:
    """The 24 hours up to ``now``, the period of the wall's trends."""
    return now - timedelta(hours=TREND_HOURS), now


class Trend(NamedTuple):
    """A trend panel's series and, when the URL asks for a comparison, the comparison period's (frame, shift,
    label) drawn dashed (its frame empty when the domain's data does not reach back to it: "no data")."""

    frame: pd.DataFrame
    overlay: tuple[pd.DataFrame, object, str] | None = None


def _overlay_width(ctx: RequestContext) -> float:
    """The width of the comparison's dashed lines: as wide as the series' own at the wall's font (2.5 px at 20 px),
    legible from across the room."""
    return max(1.5, font_px(ctx) / 8)


def _map_px(ctx: RequestContext) -> tuple[int, int]:
    """The map panel's size in pixels, for fitting the city into it. Measured in Chromium at 1920 × 1080: the
    map 1054 px wide and 507-542 px high, as the KPI cards' texts above it wrap (English wraps more); its
    height here is the lowest less the room of another line of alarms in the ticker below it."""
    return round(1050 * ctx.scale), round(480 * ctx.scale)


def _name_col(ctx: RequestContext) -> str:
    return "name_en" if ctx.language == "en" else "name_zh"


def _map(ctx: RequestContext, layers: MapLayers, show_legend: bool = True):
    """A map in the wall's style: its font and the size it fits on the screen follow the context's scale."""
    return city_map(
        layers,
        ctx.language,
        ctx.theme,
        ctx.timezone,
        ctx.settings.map_style_url,
        show_legend=show_legend,
        font_size=font_px(ctx),
        fit_px=_map_px(ctx),
    )


def _city_map(ctx: RequestContext, _now: datetime, layers: MapLayers):
    return _map(ctx, layers, show_legend=False)


def _city_trend(ctx: RequestContext, _now: datetime, trend: Trend):
    return hourly_trend(
        trend.frame,
        ctx.language,
        ctx.theme,
        ctx.timezone,
        font_size=font_px(ctx),
        overlay=trend.overlay,
        overlay_width=_overlay_width(ctx),
    )


def _complaints_funnel(ctx: RequestContext, _now: datetime, steps: pd.DataFrame):
    return funnel(steps, ctx.language, ctx.theme, font_size=font_px(ctx))


def _complaints_categories(ctx: RequestContext, _now: datetime, frame: pd.DataFrame):
    names = labels(frame[_name_col(ctx)], ctx.language, "complaints.categories.none")
    return ranked_bars(names, list(frame["received"]), ctx.language, ctx.theme, font_size=font_px(ctx), limit=8)


def _area_map(ctx: RequestContext, _now: datetime, layers: MapLayers):
    return _map(ctx, layers)


def _trend(ctx: RequestContext, now: datetime, trend: Trend, series: dict, **options):
    """A time series of the 24 hours up to ``now`` in the wall's style, the comparison period's series dashed when
    the URL asks for it."""
    return time_lines(
        trend.frame,
        series,
        ctx.language,
        ctx.theme,
        ctx.timezone,
        font_size=font_px(ctx),
        span=day(now),
        overlay=trend.overlay,
        overlay_width=_overlay_width(ctx),
        **options,
    )


def _traffic_trend(ctx: RequestContext, now: datetime, trend: Trend):
    return _trend(ctx, now, trend, {"tpi": t("traffic.series.tpi", ctx.language)}, bands=TPI_BANDS)


def _environment_aqi(ctx: RequestContext, now: datetime, trend: Trend):
    return _trend(ctx, now, trend, {"aqi": "AQI"}, bands=AQI_BANDS)


def _halls_ranking(ctx: RequestContext, _now: datetime, stats: pd.DataFrame):
    stats = stats.sort_values("wait_min", ascending=False)
    return ranked_bars(
        list(stats[_name_col(ctx)]),
        list(stats["wait_min"]),
        ctx.language,
        ctx.theme,
        digits=1,
        unit=" " + t("unit.minutes", ctx.language),
        font_size=font_px(ctx),
        limit=8,
    )


def _halls_trend(ctx: RequestContext, now: datetime, trend: Trend):
    lang = ctx.language
    series = {"issued": t("halls.series.issued", lang), "wait_min": t("halls.series.wait", lang)}
    return _trend(ctx, now, trend, series, bars=("issued",))


def _alerts_list(ctx: RequestContext, _now: datetime, items: list[tuple[str, str]]):
    if not items:
        return html.Div(t("wall.ticker.none", ctx.language), className="wall-list-empty")
    return html.Ul(
        [html.Li(text, className=f"wall-list-item ticker-{level}") for level, text in items[:10]], className="wall-list"
    )


def _feeds_list(ctx: RequestContext, now: datetime, status: pd.DataFrame):
    lang, rows = ctx.language, []
    for row in status.itertuples(index=False):
        fresh = row_freshness(row, now, ctx.settings.stale_after_intervals)
        state = t("feeds.stale", lang) if fresh.stale else t("feeds.fresh", lang)
        rows.append(
            html.Li(
                [
                    html.Span(row.name, className="wall-feed-name"),
                    html.Span(local_time(fresh.as_of, ctx.timezone, lang=lang), className="wall-feed-time"),
                    html.Span(state, className="wall-feed-state"),
                ],
                className="wall-list-item " + ("ticker-warning" if fresh.stale else "ticker-ok"),
            )
        )
    return html.Ul(rows, className="wall-list wall-feeds")


@dataclass(frozen=True)
class Panel:
    """One panel of a scene: its title key, the feed domains of its data, and how it is drawn for a request at
    the wall's moment from the data its view model reads for it (``layouts.viewmodels.wall``)."""

    title: str
    domains: tuple[str, ...]
    draw: Callable[[RequestContext, datetime, Any], object]
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
