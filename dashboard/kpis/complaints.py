"""Complaint KPIs from hourly rollup sums (DESIGN §6): closure, on-time closure, satisfaction, returns, rates.

Every ratio is over one cohort so that it never exceeds 100%: closure over the tickets *received* in the
period (``received_closed``: of them, closed by now); on-time closure over the tickets whose *deadline* fell
in the period, overdue tickets still open included (``due_met`` / ``due``); satisfaction over the tickets
*rated* in the period; returns per ticket *received*. Handling-time percentiles come from the facts of the
tickets closed in the period (see ``dashboard.queries.kpis.handling_hours``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dashboard.kpis.measure import Measure, count, ratio

#: Rollup columns the complaint KPIs are computed from.
SUMS = ("received", "received_closed", "returned", "closed", "handling_seconds", "due", "due_met", "rated", "satisfied")


def complaint_measures(sums: Mapping[str, float], days: float, population: float | None) -> dict[str, Measure]:
    """KPI id → measure, from the period's rollup sums, its length in days and the population served."""
    closed = float(sums.get("closed") or 0)
    mean_hours = ratio(sums.get("handling_seconds"), closed, 1 / 3600)
    received = float(sums.get("received") or 0)
    per_day = received / days if days > 0 else None
    return {
        "complaints_received": count(received),
        "complaint_closure_rate": ratio(sums.get("received_closed"), received),
        "complaint_on_time_rate": ratio(sums.get("due_met"), sums.get("due")),
        "complaint_satisfaction": ratio(sums.get("satisfied"), sums.get("rated")),
        "complaint_return_rate": ratio(sums.get("returned"), received),
        "complaint_handling_hours": Measure(mean_hours.value, closed, closed),
        "complaints_per_10k": ratio(per_day, population, 10_000),
    }


def percentile_hours(seconds, q: float) -> Measure:
    """The ``q``-th percentile (0–100) of handling durations in seconds, in hours, over how many tickets."""
    values = np.asarray(seconds, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return Measure(None, 0, 0)
    return Measure(float(np.percentile(values, q)) / 3600, values.size, values.size)
