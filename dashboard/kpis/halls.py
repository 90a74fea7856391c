"""Service-hall KPIs from rollup sums: waits, long waits, service time, online, one visit, ratings (the wait
P90 comes from the duration histograms, :mod:`dashboard.kpis.durations`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dashboard.kpis.measure import Measure, ratio

#: Rollup columns the hall KPIs are computed from.
SUMS = (
    "issued",
    "called",
    "wait_seconds",
    "waited_over_30min",
    "finished",
    "handling_seconds",
    "online",
    "with_visits",
    "single_visit",
    "rated",
    "rated_good",
)


@dataclass(frozen=True)
class Rate:
    """A hall KPI: ``numerator`` / ``denominator`` × ``scale``, named ``kpi`` in the registry and ``column`` in
    the per-hall, per-item and per-interval tables (where shares are percentages)."""

    kpi: str
    column: str
    numerator: str
    denominator: str
    scale: float = 1.0
    percent: bool = False


RATES = (
    Rate("hall_wait_minutes", "wait_min", "wait_seconds", "called", 1 / 60),
    Rate("hall_long_wait_share", "over_30_pct", "waited_over_30min", "called", percent=True),
    Rate("hall_handling_minutes", "handling_min", "handling_seconds", "finished", 1 / 60),
    Rate("hall_online_rate", "online_pct", "online", "issued", percent=True),
    Rate("hall_one_visit_rate", "single_visit_pct", "single_visit", "with_visits", percent=True),
    Rate("hall_good_rating_rate", "good_pct", "rated_good", "rated", percent=True),
)


def hall_measures(sums: Mapping[str, float]) -> dict[str, Measure]:
    """KPI id → measure, from the period's hall rollup sums (tickets by their hour of issue)."""
    return {r.kpi: ratio(sums.get(r.numerator), sums.get(r.denominator), r.scale) for r in RATES}


def hall_rates(sums: pd.DataFrame) -> pd.DataFrame:
    """``sums`` (one row per hall, item or interval, columns :data:`SUMS`) with each rate's column added: the
    same ratios as :func:`hall_measures`, shares as percentages, NaN where the denominator is 0."""

    def rate(r: Rate) -> pd.Series:
        denominator = sums[r.denominator].astype(float)
        scale = r.scale * (100 if r.percent else 1)
        return sums[r.numerator].astype(float) / denominator.where(denominator > 0) * scale

    return sums.assign(**{r.column: rate(r) for r in RATES})
