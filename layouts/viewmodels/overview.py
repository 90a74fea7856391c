"""The overview's view model. Its headline KPIs (the registry's, each a period KPI over its own window: see
:func:`dashboard.queries.kpis.headline_values`): each value with its unit, denominator facts and freshness
(DESIGN §6), shown by the overview page and the wall and served by the API; the city score's registry values,
trend, ranking, alerts and map for a calendar period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard.context import request_context
from dashboard.kpis.aqi import level_of
from dashboard.kpis.cityscore import city_score
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.kpis.periods import period_bounds
from dashboard.kpis.registry import Registry, load_registry
from dashboard.kpis.traffic import tpi_level
from dashboard.queries import feeds
from dashboard.queries.alerts import open_alerts
from dashboard.queries.kpis import (
    department_ranking,
    headline_values,
    kpi_registry,
    kpi_trend,
    kpi_values,
)
from layouts.data import map_layers, snapshot_time
from layouts.figures.city_map import MapLayers


@dataclass(frozen=True)
class KpiValue:
    """One KPI card: value (None: no data), the level's key and colour, facts for its explanation line."""

    id: str
    value: float | None
    freshness: Freshness
    level: str | None = None
    color: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)


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
    cards = []
    for headline in headline_values(engine, registry or load_registry(), now, timezone):
        kpi, value = headline.kpi, headline.measure.value
        value = value * 100 if kpi.percent and value is not None else value
        level, color = _level(kpi.id, value)
        cards.append(
            KpiValue(
                kpi.id, value, domain_freshness(status, kpi.feeds, now, stale_factor), level, color,
                headline.facts if value is not None else {},
            )
        )
    return cards


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
    registry: Registry
    table: pd.DataFrame
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
        """The KPI's value in the previous period (None: none)."""
        value = self.before.get(kpi_id)
        return None if value is None or value != value else float(value)

    def scored(self) -> tuple[int, int]:
        """How many of the KPIs counted in the city score have a score, and how many are counted."""
        scored = self.table[self.table["scored"].astype(bool)]
        return int(scored["score"].notna().sum()), len(scored)


def overview_view(period: str) -> OverviewView:
    """The overview page's data for the calendar ``period`` (see ``dashboard.kpis.periods.PERIODS``)."""
    context = request_context()
    engine, settings = context.engine, context.settings
    registry = kpi_registry(engine, settings.kpi_targets_file)
    now, tz = snapshot_time(), settings.city_timezone
    current = period_bounds(now, tz, period)
    previous = period_bounds(now, tz, period, back=1)
    table = kpi_values(engine, registry, *current, now, tz)
    status = feeds.feed_status(engine)
    return OverviewView(
        now=now,
        timezone=tz,
        map_style_url=settings.map_style_url,
        kpis=overview_kpis(engine, now, tz, settings.stale_after_intervals, registry),
        registry=registry,
        table=table,
        before=kpi_values(engine, registry, *previous, previous[1], tz).set_index("id")["value"],
        trend=kpi_trend(engine, registry, now, tz, TREND_DAYS),
        freshness=[domain_freshness(status, k.feeds, now, settings.stale_after_intervals) for k in registry],
        score=city_score(table),
        ranking=department_ranking(engine, registry, *current, tz),
        alerts=open_alerts(engine),
        city=map_layers(now, with_points=False),
    )


def kpi_link(kpi_id: str, lang: str) -> str:
    """The page of a registry KPI, opened on that KPI."""
    context = request_context()
    kpi = kpi_registry(context.engine, context.settings.kpi_targets_file)[kpi_id]
    return f"{kpi.page}?kpi={kpi.id}&lang={lang}"
