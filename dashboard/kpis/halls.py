"""Service-hall KPIs from rollup sums: waits, long waits, service time, online, one visit, ratings (the wait
P90 comes from the duration histograms, :mod:`dashboard.kpis.durations`)."""

from __future__ import annotations

from collections.abc import Mapping

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


def hall_measures(sums: Mapping[str, float]) -> dict[str, Measure]:
    """KPI id → measure, from the period's hall rollup sums (tickets by their hour of issue)."""
    return {
        "hall_wait_minutes": ratio(sums.get("wait_seconds"), sums.get("called"), 1 / 60),
        "hall_long_wait_share": ratio(sums.get("waited_over_30min"), sums.get("called")),
        "hall_handling_minutes": ratio(sums.get("handling_seconds"), sums.get("finished"), 1 / 60),
        "hall_online_rate": ratio(sums.get("online"), sums.get("issued")),
        "hall_one_visit_rate": ratio(sums.get("single_visit"), sums.get("with_visits")),
        "hall_good_rating_rate": ratio(sums.get("rated_good"), sums.get("rated")),
    }

