"""The wall's view model: what its panels are given (their context and the data each draws, the trends with their
comparison period when the URL asks for one), the KPI strip, each panel's freshness and the alarms of the alerts
panel and the ticker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from dashboard.context import request_context
from dashboard.kpis.compare import Change, covered
from dashboard.kpis.freshness import Freshness, row_freshness
from dashboard.kpis.periods import local_day
from dashboard.kpis.timespan import CUSTOM, TimeSelection, comparison, resolve
from dashboard.queries import alerts, complaints, environment, feeds, halls, reference, traffic
from dashboard.queries.complaints import ComplaintFilter
from dashboard.queries.kpis import data_hours, kpi_registry
from layouts.components.timepicker import selection_for
from layouts.components.wall_panels import PANELS, TREND_HOURS, Context, Trend
from layouts.data import snapshot_time
from layouts.figures.city_map import MapLayers
from layouts.i18n import t
from layouts.viewmodels.city_map import map_layers
from layouts.viewmodels.domain import freshness_of
from layouts.viewmodels.overview import KpiValue, headline_changes, overview_kpis


@dataclass(frozen=True)
class WallView:
    """The panel builders' context, the overview KPIs and the freshness of each panel's feeds."""

    context: Context
    kpis: list[KpiValue]
    freshness: dict[str, Freshness]
    changes: dict[str, Change] = field(default_factory=dict)
    compare: str | None = None


def wall_view(
    panels: list[str], lang: str, theme: str, font: int, scale: float, time: Mapping | None = None
) -> WallView:
    """The wall's data for ``panels`` now (or at the URL's ``as_of`` in ``time``: the city as it was then), its
    figures' base font ``font`` px for a screen ``scale`` × 1920 px; the KPI strip's changes against the day
    before or a year before when ``time`` has ``compare``."""
    request = request_context()
    engine, settings = request.engine, request.settings
    tz, factor = settings.city_timezone, settings.stale_after_intervals
    selection = selection_for("wall", time or {})[0]
    now = resolve(selection, snapshot_time(), tz).as_of
    status = feeds.feed_status(engine)
    registry = kpi_registry(engine, settings.kpi_targets_file)
    kpis = overview_kpis(engine, now, tz, factor, registry)
    return WallView(
        context=Context(engine, now, tz, lang, theme, font, settings.map_style_url, scale, selection.compare),
        kpis=kpis,
        freshness={p: freshness_of(engine, status, PANELS[p].domains, now, factor) for p in panels},
        changes=headline_changes(engine, kpis, now, tz, factor, selection.compare, registry),
        compare=selection.compare,
    )


def trend(ctx: Context, hours: int, domain: str, read: Callable[[Any, datetime, datetime], pd.DataFrame]) -> Trend:
    """A trend panel's series over the last ``hours`` (``read(engine, start, end)``) and, when the wall's URL asks for a
    comparison, the same read over the comparison period (the hours before, or the same hours a year earlier),
    moved onto this period's axis; empty (the panel says "no data") where ``domain``'s data does not reach back
    to it."""
    frame = read(ctx.engine, ctx.now - timedelta(hours=hours), ctx.now)
    if ctx.compare is None:
        return Trend(frame)
    selection = TimeSelection(CUSTOM, ctx.now - timedelta(hours=hours), ctx.now, compare=ctx.compare)
    span = resolve(selection, ctx.now, ctx.tz)
    base = comparison(span, ctx.tz)
    known = covered(*data_hours(ctx.engine).get(domain, (None, None)), base.start)
    before = read(ctx.engine, base.start, base.end) if known else frame.iloc[0:0]
    shift = pd.DateOffset(years=1) if ctx.compare == "year" else pd.Timedelta(span.start - base.start)
    return Trend(frame, (before, shift, t(f"time.compare.{ctx.compare}", ctx.lang)))


#: What each panel draws, read for the panel's context: the last 24 hours unless said (the trends: with their
#: comparison period's).
READS: dict[str, Callable[[Context], Any]] = {
    "city_map": lambda ctx: map_layers(ctx.now, with_points=False),
    "city_trend": lambda ctx: trend(ctx, 2 * TREND_HOURS, "complaints", complaints.hourly_counts),
    "complaints_funnel": lambda ctx: complaints.funnel(
        ctx.engine, ComplaintFilter(ctx.now - timedelta(days=7), ctx.now)
    ),
    "complaints_categories": lambda ctx: complaints.by_category(
        ctx.engine, ComplaintFilter(ctx.now - timedelta(hours=24), ctx.now), ctx.now
    ),
    "traffic_map": lambda ctx: MapLayers(
        districts=reference.districts(ctx.engine), roads=traffic.rated_segments(ctx.engine)
    ),
    "traffic_trend": lambda ctx: trend(ctx, TREND_HOURS, "traffic", traffic.traffic_trend),
    "environment_map": lambda ctx: MapLayers(
        districts=reference.districts(ctx.engine), stations=environment.station_aqi(ctx.engine, ctx.tz, ctx.now)
    ),
    "environment_aqi": lambda ctx: trend(
        ctx, TREND_HOURS, "environment", lambda engine, a, b: environment.air_trend(engine, a, b, ctx.tz)
    ),
    "halls_ranking": lambda ctx: halls.hall_stats(ctx.engine, local_day(ctx.now, ctx.tz)[0], ctx.now),
    "halls_trend": lambda ctx: trend(ctx, TREND_HOURS, "halls", halls.hall_trend),
    "alerts_list": lambda ctx: alarms(ctx),
    "feeds_list": lambda ctx: feeds.feed_status(ctx.engine),
}


def panel_body(panel: str, ctx: Context) -> object:
    """The panel's figure or list, drawn from what it reads."""
    return PANELS[panel].draw(ctx, READS[panel](ctx))


def alarms(ctx: Context) -> list[tuple[str, str]]:
    """Alerts open at the wall's moment first (unacknowledged and most severe first: they include long hall
    waits, AQI and TPI rules), then feed problems seen directly (stale feeds, failed runs, quarantined records)."""
    settings = request_context().settings
    factor = settings.stale_after_intervals
    items = []
    for row in alerts.open_alerts(ctx.engine, at=ctx.now).itertuples(index=False):
        level = {"critical": "danger", "warning": "warning"}.get(row.severity, "info")
        items.append((level, row.message_en if ctx.lang == "en" else row.message_zh))
    for row in feeds.feed_status(ctx.engine).itertuples(index=False):
        if row.enabled and row_freshness(row, ctx.now, factor).stale:
            items.append(("warning", t("wall.ticker.stale", ctx.lang, feed=row.name)))
    for row in feeds.recent_problems(ctx.engine, ctx.now - timedelta(hours=1), until=ctx.now).itertuples(index=False):
        if row.failed_runs:
            items.append(("danger", t("wall.ticker.feed_failed", ctx.lang, feed=row.feed, count=row.failed_runs)))
        if row.quarantined:
            items.append(("warning", t("wall.ticker.quarantine", ctx.lang, feed=row.feed, count=row.quarantined)))
    return items
