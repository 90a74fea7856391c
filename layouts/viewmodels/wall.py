"""The wall's view model: the moment it shows, the data each panel draws (the trends with their comparison period
when the URL asks for one), the KPI strip, each panel's freshness and the alarms of the alerts panel and the
ticker, for the request's context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from dashboard.context import RequestContext
from dashboard.kpis.compare import Change, covered
from dashboard.kpis.freshness import Freshness, row_freshness
from dashboard.kpis.periods import local_day
from dashboard.kpis.timespan import CUSTOM, TimeSelection, comparison, resolve
from dashboard.queries import alerts, complaints, environment, feeds, halls, reference, traffic
from dashboard.queries.complaints import ComplaintFilter
from dashboard.queries.kpis import data_hours, kpi_registry
from layouts.components.timepicker import selection_for
from layouts.components.wall_panels import PANELS, TREND_HOURS, Trend
from layouts.data import snapshot_time
from layouts.figures.city_map import MapLayers
from layouts.i18n import t
from layouts.viewmodels.city_map import map_layers
from layouts.viewmodels.domain import freshness_of
from layouts.viewmodels.overview import KpiValue, headline_changes, overview_kpis


@dataclass(frozen=True)
class WallView:
    """The request's context and the moment the wall shows (the panels are drawn for both), the overview KPIs
    and the freshness of each panel's feeds."""

    context: RequestContext
    now: datetime
    kpis: list[KpiValue]
    freshness: dict[str, Freshness]
    changes: dict[str, Change] = field(default_factory=dict)
    compare: str | None = None


def wall_view(context: RequestContext, panels: list[str]) -> WallView:
    """The wall's data for ``panels`` now (or at the ``as_of`` of the request's time: the city as it was then);
    the KPI strip's changes against the day before or a year before when its time has ``compare``."""
    engine, settings = context.engine, context.settings
    tz, factor = context.timezone, settings.stale_after_intervals
    selection = selection_for(context, "wall")[0]
    now = resolve(selection, snapshot_time(context), tz).as_of
    status = feeds.feed_status(engine)
    registry = kpi_registry(engine, settings.kpi_targets_file)
    kpis = overview_kpis(engine, now, tz, factor, registry)
    return WallView(
        context=context,
        now=now,
        kpis=kpis,
        freshness={p: freshness_of(engine, status, PANELS[p].domains, now, factor) for p in panels},
        changes=headline_changes(engine, kpis, now, tz, factor, selection.compare, registry),
        compare=selection.compare,
    )


def trend(
    ctx: RequestContext, now: datetime, hours: int, domain: str, read: Callable[[Any, datetime, datetime], pd.DataFrame]
) -> Trend:
    """A trend panel's series over the ``hours`` up to ``now`` (``read(engine, start, end)``) and, when the wall's
    URL asks for a comparison, the same read over the comparison period (the hours before, or the same hours a year
    earlier), moved onto this period's axis; empty (the panel says "no data") where ``domain``'s data does not
    reach back to it."""
    frame = read(ctx.engine, now - timedelta(hours=hours), now)
    compare = selection_for(ctx, "wall")[0].compare
    if compare is None:
        return Trend(frame)
    span = resolve(TimeSelection(CUSTOM, now - timedelta(hours=hours), now, compare=compare), now, ctx.timezone)
    base = comparison(span, ctx.timezone)
    known = covered(*data_hours(ctx.engine).get(domain, (None, None)), base.start)
    before = read(ctx.engine, base.start, base.end) if known else frame.iloc[0:0]
    shift = pd.DateOffset(years=1) if compare == "year" else pd.Timedelta(span.start - base.start)
    return Trend(frame, (before, shift, t(f"time.compare.{compare}", ctx.language)))


#: What each panel draws, read for the request at the wall's moment: the last 24 hours unless said (the trends:
#: with their comparison period's).
READS: dict[str, Callable[[RequestContext, datetime], Any]] = {
    "city_map": lambda ctx, now: map_layers(ctx, now, with_points=False),
    "city_trend": lambda ctx, now: trend(ctx, now, 2 * TREND_HOURS, "complaints", complaints.hourly_counts),
    "complaints_funnel": lambda ctx, now: complaints.funnel(ctx.engine, ComplaintFilter(now - timedelta(days=7), now)),
    "complaints_categories": lambda ctx, now: complaints.by_category(
        ctx.engine, ComplaintFilter(now - timedelta(hours=24), now), now
    ),
    "traffic_map": lambda ctx, now: MapLayers(
        districts=reference.districts(ctx.engine), roads=traffic.rated_segments(ctx.engine)
    ),
    "traffic_trend": lambda ctx, now: trend(ctx, now, TREND_HOURS, "traffic", traffic.traffic_trend),
    "environment_map": lambda ctx, now: MapLayers(
        districts=reference.districts(ctx.engine), stations=environment.station_aqi(ctx.engine, ctx.timezone, now)
    ),
    "environment_aqi": lambda ctx, now: trend(
        ctx, now, TREND_HOURS, "environment", lambda engine, a, b: environment.air_trend(engine, a, b, ctx.timezone)
    ),
    "halls_ranking": lambda ctx, now: halls.hall_stats(ctx.engine, local_day(now, ctx.timezone)[0], now),
    "halls_trend": lambda ctx, now: trend(ctx, now, TREND_HOURS, "halls", halls.hall_trend),
    "alerts_list": lambda ctx, now: alarms(ctx, now),
    "feeds_list": lambda ctx, now: feeds.feed_status(ctx.engine),
}


def panel_body(panel: str, ctx: RequestContext, now: datetime) -> object:
    """The panel's figure or list for the request at the wall's moment ``now``, drawn from what it reads."""
    return PANELS[panel].draw(ctx, now, READS[panel](ctx, now))


def alarms(ctx: RequestContext, now: datetime) -> list[tuple[str, str]]:
    """Alerts open at the wall's moment ``now`` first (unacknowledged and most severe first: they include long hall
    waits, AQI and TPI rules), then feed problems seen directly (stale feeds, failed runs, quarantined records),
    in the request's language."""
    factor, lang = ctx.settings.stale_after_intervals, ctx.language
    items = []
    for row in alerts.open_alerts(ctx.engine, at=now).itertuples(index=False):
        level = {"critical": "danger", "warning": "warning"}.get(row.severity, "info")
        items.append((level, row.message_en if lang == "en" else row.message_zh))
    for row in feeds.feed_status(ctx.engine).itertuples(index=False):
        if row.enabled and row_freshness(row, now, factor).stale:
            items.append(("warning", t("wall.ticker.stale", lang, feed=row.name)))
    for row in feeds.recent_problems(ctx.engine, now - timedelta(hours=1), until=now).itertuples(index=False):
        if row.failed_runs:
            items.append(("danger", t("wall.ticker.feed_failed", lang, feed=row.feed, count=row.failed_runs)))
        if row.quarantined:
            items.append(("warning", t("wall.ticker.quarantine", lang, feed=row.feed, count=row.quarantined)))
    return items
