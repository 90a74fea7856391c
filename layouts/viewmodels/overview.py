"""The overview's view model. Its headline KPIs (the registry's, each a period KPI over its own window: see
:func:`dashboard.queries.kpis.headline_values`): each value with its unit, denominator facts and freshness
(DESIGN §6), shown by the overview page and the wall and served by the API; the city score's registry values,
trend, ranking, alerts and map for a calendar period.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine

from dashboard.context import RequestContext
from dashboard.kpis.aqi import level_of
from dashboard.kpis.cityscore import city_score
from dashboard.kpis.compare import LATEST_WINDOWS, Change, Reading, change, covered, latest_change, same_moment
from dashboard.kpis.freshness import Freshness
from dashboard.kpis.periods import local_day
from dashboard.kpis.registry import Registry, load_registry
from dashboard.kpis.timespan import CUSTOM, Span, TimeSelection, comparison, resolve
from dashboard.kpis.traffic import tpi_level
from dashboard.queries import feeds
from dashboard.queries.alerts import open_alerts
from dashboard.queries.kpis import (
    LAST_DAYS,
    comparison_values,
    data_hours,
    department_ranking,
    headline_values,
    kpi_registry,
    kpi_trend,
    kpi_values,
)
from layouts.figures.city_map import MapLayers
from layouts.viewmodels.city_map import map_layers
from layouts.viewmodels.domain import freshness_of

#: What the overview compares with when its URL names nothing: the previous period (环比).
DEFAULT_COMPARE = "previous"


@dataclass(frozen=True)
class KpiValue:
    """One KPI card: value (None: no data), the level's key and colour, facts for its explanation line."""

    id: str
    value: float | None
    freshness: Freshness
    level: str | None = None
    color: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    read_at: datetime | None = None  # a latest reading's window end


def _level(kpi_id: str, value: float | None) -> tuple[str | None, str | None]:
    """The level (key, colour) of a traffic index or an AQI."""
    if value is None or kpi_id not in ("network_tpi", "city_aqi"):
        return None, None
    level = tpi_level(value) if kpi_id == "network_tpi" else level_of(value)
    return level.key, level.color


def overview_kpis(
    engine: Engine, now: datetime, timezone: str, stale_factor: float, registry: Registry | None = None
) -> list[KpiValue]:
    """The registry's headline KPIs at ``now``, in display order (rates in per cent)."""
    status = feeds.feed_status(engine)
    freshness: dict[tuple[str, ...], Freshness] = {}  # by the feeds of a card: cards share them
    cards = []
    for headline in headline_values(engine, registry or load_registry(), now, timezone):
        kpi, value = headline.kpi, headline.measure.value
        value = value * 100 if kpi.percent and value is not None else value
        level, color = _level(kpi.id, value)
        if kpi.feeds not in freshness:
            freshness[kpi.feeds] = freshness_of(engine, status, kpi.feeds, now, stale_factor)
        cards.append(
            KpiValue(
                kpi.id, value, freshness[kpi.feeds], level, color, headline.facts if value is not None else {},
                headline.read_at,
            )
        )
    return cards


#: The headline windows that honour their moment (so far today, the local days up to it) and their local days:
#: their cards compare with the same moment of the day before or a year before. The latest interval's TPI and
#: hour's AQI compare with the latest interval or hour at that moment (``LATEST_WINDOWS``).
COMPARABLE_DAYS = {"today": 1, "last_30_days": LAST_DAYS}


def headline_changes(
    engine: Engine,
    kpis: list[KpiValue],
    now: datetime,
    timezone: str,
    stale_factor: float,
    compare: str | None,
    registry: Registry | None = None,
) -> dict[str, Change]:
    """The headline KPIs' changes against the same moment of the previous day (``compare`` "previous") or of the
    same day a year earlier ("year"), by id; none without ``compare``. The values there are the same headline
    KPIs' at that moment, judged by the direction of the KPI each is a reading of; no data where the domain's
    data does not reach back to its window, or where a latest reading (TPI, AQI) on either side is not its
    moment's own."""
    if compare is None:
        return {}
    registry = registry or load_registry()
    moment = same_moment(now, timezone, compare)
    before = {k.id: k for k in overview_kpis(engine, moment, timezone, stale_factor, registry)}
    hours = data_hours(engine)
    headlines = {k.id: k for k in registry.headline}
    changes = {}
    for card in kpis:
        kpi, then = headlines[card.id], before[card.id]
        direction = registry[kpi.measure].direction
        if kpi.window in COMPARABLE_DAYS:
            start = local_day(moment, timezone, days_back=COMPARABLE_DAYS[kpi.window] - 1)[0]
            changes[card.id] = change(card.value, then.value if covered(*hours[kpi.domain], start) else None,
                                      direction)
        elif kpi.window in LATEST_WINDOWS:
            changes[card.id] = latest_change(Reading(card.value, card.read_at, now),
                                             Reading(then.value, then.read_at, moment),
                                             LATEST_WINDOWS[kpi.window], direction)
    return changes


#: Local days of the city score's trend.
TREND_DAYS = 14


def trend_before(
    engine: Engine, registry: Registry, end: datetime, timezone: str, compare: str
) -> tuple[pd.DataFrame, pd.DateOffset]:
    """The city score's trend over the days its trend up to ``end`` compares with: the :data:`TREND_DAYS` before
    (``compare`` "previous", up to the same moment of their last day) or the same days a year earlier ("year"),
    and what moves their days onto the trend's. Days before the first data of any domain have no score (a
    score of days without data would be that of whichever KPIs read 0 then), as the trend scores a day from the
    domains with data that day."""
    last = local_day(end, timezone)[0]
    first = local_day(end, timezone, days_back=TREND_DAYS - 1)[0]
    zone_days = [d.astimezone(ZoneInfo(timezone)).date() for d in (first, last)]
    span = resolve(TimeSelection(CUSTOM, *zone_days, as_of=end, compare=compare), end, timezone)
    base = comparison(span, timezone)
    frame = kpi_trend(engine, registry, base.end, timezone, TREND_DAYS)
    firsts = [hours[0] for hours in data_hours(engine).values() if hours[0] is not None]
    if not firsts:
        frame = frame.iloc[0:0]
    else:
        began = min(firsts).astimezone(ZoneInfo(timezone)).date()
        frame = frame[pd.to_datetime(frame["day"]) >= pd.Timestamp(began)]
    shift = pd.DateOffset(years=1) if compare == "year" else pd.DateOffset(days=TREND_DAYS)
    return frame, shift


@dataclass(frozen=True)
class OverviewView:
    """The overview page for a calendar period: the KPI cards, the registry's values now and in the previous
    period, their daily trend (and the trend's comparison days) and freshness, the city score, the department
    ranking, open alerts and the map."""

    now: datetime
    timezone: str
    map_style_url: str | None
    kpis: list[KpiValue]
    changes: dict[str, Change]
    registry: Registry
    table: pd.DataFrame
    compare: str
    span: Span
    base: Span
    before: pd.Series
    trend: pd.DataFrame
    trend_before: tuple[pd.DataFrame, pd.DateOffset]
    freshness: list[Freshness]
    score: float | None
    ranking: pd.DataFrame
    alerts: pd.DataFrame
    city: MapLayers

    def names(self, lang: str) -> dict[str, str]:
        """Each registry KPI's name in ``lang``, by id."""
        return {k.id: (k.name_zh if lang == "zh" else k.name_en) for k in self.registry}

    def previous(self, kpi_id: str) -> float | None:
        """The KPI's value in the comparison period (None: none)."""
        value = self.before.get(kpi_id)
        return None if value is None or value != value else float(value)

    def scored(self) -> tuple[int, int]:
        """How many of the KPIs counted in the city score have a score, and how many are counted."""
        scored = self.table[self.table["scored"].astype(bool)]
        return int(scored["score"].notna().sum()), len(scored)


def _registry_freshness(
    engine: Engine, status: pd.DataFrame, registry: Registry, now: datetime, stale_factor: float
) -> list[Freshness]:
    """The freshness of each registry KPI's feeds, in registry order (judged once per set of feeds: the KPIs of a
    domain share theirs)."""
    judged = {names: freshness_of(engine, status, names, now, stale_factor) for names in {k.feeds for k in registry}}
    return [judged[k.feeds] for k in registry]


def overview_view(context: RequestContext, span: Span) -> OverviewView:
    """The overview page's data, read in the request ``context``, for ``span`` (see
    :mod:`dashboard.kpis.timespan`): the registry over it and over
    the span it is compared with (its ``compare``; the previous period by default, 环比; the same part of the
    period a year earlier, 同比) read by the same measures, cards and freshness at its as-of moment, the trend of
    the days up to its end."""
    engine, settings = context.engine, context.settings
    registry = kpi_registry(engine, settings.kpi_targets_file)
    now, tz = span.as_of, context.timezone
    compare = span.compare or DEFAULT_COMPARE
    base = comparison(replace(span, compare=compare), tz)
    table = kpi_values(engine, registry, span.start, span.end, now, tz)
    status = feeds.feed_status(engine)
    kpis = overview_kpis(engine, now, tz, settings.stale_after_intervals, registry)
    return OverviewView(
        now=now,
        timezone=tz,
        map_style_url=settings.map_style_url,
        kpis=kpis,
        changes=headline_changes(engine, kpis, now, tz, settings.stale_after_intervals, compare, registry),
        registry=registry,
        table=table,
        compare=compare,
        span=span,
        base=base,
        before=comparison_values(engine, registry, base),
        trend=kpi_trend(engine, registry, span.end, tz, TREND_DAYS),
        trend_before=trend_before(engine, registry, span.end, tz, compare),
        freshness=_registry_freshness(engine, status, registry, now, settings.stale_after_intervals),
        score=city_score(table),
        ranking=department_ranking(engine, registry, span.start, span.end, tz),
        alerts=open_alerts(engine, at=now),
        city=map_layers(context, span.end, with_points=False, start=span.start),
    )


def kpi_link(context: RequestContext, kpi_id: str) -> str:
    """The page of a registry KPI, opened on that KPI in the request ``context``'s language."""
    kpi = kpi_registry(context.engine, context.settings.kpi_targets_file)[kpi_id]
    return f"{kpi.page}?kpi={kpi.id}&lang={context.language}"
