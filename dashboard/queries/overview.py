"""The overview KPIs: each value with its unit, denominator facts and freshness (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.kpis.periods import local_day
from dashboard.queries import complaints, environment, feeds, halls, traffic

#: The feed domains each overview KPI is computed from (its freshness comes from their feeds).
KPI_DOMAINS: dict[str, tuple[str, ...]] = {
    "complaints_today": ("complaints",),
    "on_time_closure": ("complaints",),
    "hall_wait": ("halls",),
    "network_tpi": ("traffic",),
    "city_aqi": ("sensors",),
}

#: Days over which the on-time closure rate is computed.
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

    today = local_day(now, timezone)
    yesterday = local_day(now, timezone, days_back=1)
    received = complaints.count_received(engine, today[0], now)
    received_yesterday = complaints.count_received(engine, *yesterday)
    closure = complaints.on_time_closure(engine, now - timedelta(days=ON_TIME_DAYS), now)
    wait = halls.wait_stats(engine, today[0], now)
    tpi = traffic.network(engine)
    air = environment.city_aqi(engine, timezone)

    cards = [
        KpiValue(
            "complaints_today", received, fresh("complaints_today"), facts={"yesterday": received_yesterday}
        ),
        KpiValue(
            "on_time_closure",
            None if closure.rate is None else closure.rate * 100,
            fresh("on_time_closure"),
            facts={"on_time": closure.on_time, "due": closure.due, "days": ON_TIME_DAYS},
        ),
        KpiValue("hall_wait", wait.mean_minutes, fresh("hall_wait"), facts={"called": wait.called}),
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
