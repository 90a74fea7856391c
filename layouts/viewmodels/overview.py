"""The overview KPIs: each value with its unit, denominator facts and freshness (DESIGN §6), shown by the
overview page and the wall and served by the API.


Counts and the hall wait are read from the rollups (:func:`dashboard.queries.kpis.period_sums`, so the page's
other KPI reads of the same periods share them through the cache), the 30-day on-time closure from the complaint
rollup alone; the network TPI and the city AQI are those of the latest observation interval and hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from dashboard.kpis.complaints import on_time_rate
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.kpis.measure import ratio
from dashboard.kpis.periods import local_day
from dashboard.queries import environment, feeds, traffic
from dashboard.queries.kpis import domain_sums, period_sums

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
    tpi = traffic.network(engine)
    air = environment.city_aqi(engine, timezone)

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
