"""The overview's view model. Its KPIs: each value with its unit, denominator facts and freshness (DESIGN §6),
shown by the overview page and the wall and served by the API; the city score's registry values, trend,
ranking, alerts and map for a calendar period.

Counts and the hall wait are read from the rollups (:func:`dashboard.queries.kpis.period_sums`, so the page's
other KPI reads of the same periods share them through the cache), the 30-day on-time closure from the complaint
rollup alone; the network TPI and the city AQI are those of the latest observation interval and hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard.context import request_context
from dashboard.kpis.cityscore import city_score
from dashboard.kpis.compare import Change, change, covered
from dashboard.kpis.complaints import on_time_rate
from dashboard.kpis.definitions import DEFAULT_KPIS
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.kpis.measure import ratio
from dashboard.kpis.periods import local_day
from dashboard.kpis.registry import Registry
from dashboard.kpis.timespan import Span, TimeSelection, comparison, resolve
from dashboard.queries import environment, feeds, traffic
from dashboard.queries.alerts import open_alerts
from dashboard.queries.kpis import (
    comparison_values,
    data_hours,
    department_ranking,
    domain_sums,
    kpi_registry,
    kpi_trend,
    kpi_values,
    period_sums,
)
from layouts.figures.city_map import MapLayers
from layouts.viewmodels.city_map import map_layers

#: The feed domains each overview KPI is computed from (its freshness comes from their feeds).
KPI_DOMAINS: dict[str, tuple[str, ...]] = {
    "complaints_today": ("complaints",),
    "on_time_closure": ("complaints",),
    "hall_wait": ("halls",),
    "network_tpi": ("traffic",),
    "city_aqi": ("sensors",),
}

#: Local days (today so far and the whole days before it) over which the on-time closure rate is computed.
ON_TIME_DAYS = 30


@dataclass(frozen=True)
class KpiValue:
    """One KPI card: value (None: no data), the level's key and colour, facts for its explanation line."""

    id: str
    value: float | None
    freshness: Freshness
    level: str | None = None
    color: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def overview_kpis(engine: Engine, now: datetime, timezone: str, stale_factor: float) -> list[KpiValue]:
    """The five overview KPIs at ``now``, in display order."""
    status = feeds.feed_status(engine)

    def fresh(kpi: str) -> Freshness:
        return domain_freshness(status, KPI_DOMAINS[kpi], now, stale_factor)

    today = period_sums(engine, local_day(now, timezone)[0], now, timezone)
    yesterday = period_sums(engine, *local_day(now, timezone, days_back=1), timezone)
    window = domain_sums(engine, local_day(now, timezone, days_back=ON_TIME_DAYS - 1)[0], now, timezone, "complaints")
    closure = on_time_rate(window["due_met"], window["due"], 100)
    wait = ratio(today["halls"]["wait_seconds"], today["halls"]["called"], 1 / 60)
    tpi = traffic.network(engine, now)
    air = environment.city_aqi(engine, timezone, now)

    cards = [
        KpiValue(
            "complaints_today",
            int(today["complaints"]["received"]),
            fresh("complaints_today"),
            facts={"yesterday": int(yesterday["complaints"]["received"])},
        ),
        KpiValue(
            "on_time_closure",
            closure.value,
            fresh("on_time_closure"),
            facts={"on_time": int(window["due_met"]), "due": int(window["due"]), "days": ON_TIME_DAYS},
        ),
        KpiValue("hall_wait", wait.value, fresh("hall_wait"), facts={"called": int(today["halls"]["called"])}),
    ]
    if tpi is None:
        cards.append(KpiValue("network_tpi", None, fresh("network_tpi")))
    else:
        cards.append(
            KpiValue(
                "network_tpi",
                tpi.tpi,
                fresh("network_tpi"),
                level=tpi.level.key,
                color=tpi.level.color,
                facts={"tti": tpi.tti, "segments": tpi.segments, "length_km": tpi.length_km},
            )
        )
    if air is None:
        cards.append(KpiValue("city_aqi", None, fresh("city_aqi")))
    else:
        cards.append(
            KpiValue(
                "city_aqi",
                air.result.aqi,
                fresh("city_aqi"),
                level=air.result.level.key,
                color=air.result.level.color,
                facts={"primary": air.result.primary, "stations": air.stations},
            )
        )
    return cards


#: The headline KPIs whose value honours its moment (so far today, the 30 days to it), each with the registry
#: KPI it is a reading of (whose direction judges its change): they compare with the same moment of the day
#: before or a year before. The latest interval's TPI and hour's AQI are read as of now only.
COMPARABLE = {
    "complaints_today": "complaints_received",
    "on_time_closure": "complaint_on_time_rate",
    "hall_wait": "hall_wait_minutes",
}
DIRECTIONS = {k.id: k.direction for k in DEFAULT_KPIS}


def headline_changes(
    engine: Engine, kpis: list[KpiValue], now: datetime, timezone: str, stale_factor: float, compare: str | None
) -> dict[str, Change]:
    """The comparable headline KPIs' changes against the same moment of the previous day (``compare``
    "previous") or of the same day a year earlier ("year"), by id; none without ``compare``. The values there
    are the same functions' at that moment; no data where the domain's data does not reach back to its window."""
    if compare is None:
        return {}
    base = comparison(resolve(TimeSelection("today", compare=compare), now, timezone), timezone)
    before = {k.id: k.value for k in overview_kpis(engine, base.end, timezone, stale_factor)}
    hours = data_hours(engine)
    days = {"on_time_closure": ON_TIME_DAYS}
    changes = {}
    for kpi in kpis:
        if kpi.id in COMPARABLE:
            start = local_day(base.end, timezone, days_back=days.get(kpi.id, 1) - 1)[0]
            known = covered(*hours[KPI_DOMAINS[kpi.id][0]], start)
            direction = DIRECTIONS[COMPARABLE[kpi.id]]
            changes[kpi.id] = change(kpi.value, before[kpi.id] if known else None, direction)
    return changes


#: Local days of the city score's trend.
TREND_DAYS = 14


@dataclass(frozen=True)
class OverviewView:
    """The overview page for a calendar period: the KPI cards, the registry's values now and in the previous
    period, their daily trend and freshness, the city score, the department ranking, open alerts and the map."""

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


def overview_view(span: Span) -> OverviewView:
    """The overview page's data for ``span`` (see :mod:`dashboard.kpis.timespan`): the registry over it and over
    the span it is compared with (its ``compare``; the previous period by default, 环比; the same part of the
    period a year earlier, 同比) read by the same measures, cards and freshness at its as-of moment, the trend of
    the days up to its end."""
    context = request_context()
    engine, settings = context.engine, context.settings
    registry = kpi_registry(engine, settings.kpi_targets_file)
    now, tz = span.as_of, settings.city_timezone
    compare = span.compare or "previous"
    base = comparison(replace(span, compare=compare), tz)
    table = kpi_values(engine, registry, span.start, span.end, now, tz)
    status = feeds.feed_status(engine)
    kpis = overview_kpis(engine, now, tz, settings.stale_after_intervals)
    return OverviewView(
        now=now,
        timezone=tz,
        map_style_url=settings.map_style_url,
        kpis=kpis,
        changes=headline_changes(engine, kpis, now, tz, settings.stale_after_intervals, compare),
        registry=registry,
        table=table,
        compare=compare,
        span=span,
        base=base,
        before=comparison_values(engine, registry, base),
        trend=kpi_trend(engine, registry, span.end, tz, TREND_DAYS),
        freshness=[domain_freshness(status, k.feeds, now, settings.stale_after_intervals) for k in registry],
        score=city_score(table),
        ranking=department_ranking(engine, registry, span.start, span.end, tz),
        alerts=open_alerts(engine),
        city=map_layers(span.end, with_points=False, start=span.start),
    )


def kpi_link(kpi_id: str, lang: str) -> str:
    """The page of a registry KPI, opened on that KPI."""
    context = request_context()
    kpi = kpi_registry(context.engine, context.settings.kpi_targets_file)[kpi_id]
    return f"{kpi.page}?kpi={kpi.id}&lang={lang}"
