"""Complaint KPIs from rollup sums (DESIGN §6): closure, on-time closure, satisfaction, returns, redo, rates.

Every ratio is over one cohort so that it never exceeds 100%: closure over the tickets *received* in the
period (``received_closed``: of them, closed by now); on-time closure over the tickets whose *deadline* fell
in the period, overdue tickets still open included (``due_met`` / ``due``); satisfaction over the tickets
*rated* in the period; returns per ticket *received*; redo (重办) over the tickets *closed* in the period, those
of them that had been reopened after an earlier closure. Handling-time percentiles come from the duration
histograms (:mod:`dashboard.kpis.durations`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard.kpis.measure import Measure, count, ratio

#: Lifecycle stages of the funnel, in order, and the side steps counted next to it.
FUNNEL = ("received", "dispatched", "accepted", "closed", "revisited")
SIDE_STEPS = ("returned", "extended")
STATUS_KEYS = FUNNEL + SIDE_STEPS
#: The furthest funnel stage (its index in ``FUNNEL``) a lifecycle status shows a ticket got to: a return follows a
#: dispatch, an extension the department's acceptance (签收), a reopening (重办) a closure.
REACHES = {"received": 0, "dispatched": 1, "accepted": 2, "closed": 3, "revisited": 4, "returned": 1, "extended": 2,
           "reopened": 3}
#: What a ticket's own record shows it reached (a flag of :func:`funnel_counts`) -> the stage's index.
SHOWN_BY = {"assigned": 1, "closed": 3, "revisited": 4}
#: Rollup columns the complaint KPIs are computed from.
SUMS = (
    "received",
    "received_closed",
    "returned",
    "closed",
    "handling_seconds",
    "due",
    "due_met",
    "rated",
    "satisfied",
    "reopened",
)


def funnel_counts(groups: pd.DataFrame) -> pd.DataFrame:
    """The lifecycle funnel (``step``, ``tickets``), side steps last, from ``tickets`` counted by what shows how far
    they got: ``history`` and ``status`` (the furthest stage their events and their status reached, see
    ``REACHES``), the flags of ``SHOWN_BY`` (their own times: dispatched, closed, visited back or rated) and
    ``returned`` / ``extended`` (a side step in their history, status or counts).

    A ticket counts in every stage up to the furthest it reached (a closed ticket was dispatched and accepted),
    so that a source sending ticket states without their history counts as far as the states show."""
    furthest = groups[["history", "status"]].max(axis=1)
    for flag, stage in SHOWN_BY.items():
        furthest = furthest.where(groups[flag] == 0, np.maximum(furthest, stage))
    tickets = pd.to_numeric(groups["tickets"])
    counts = [int(tickets[furthest >= stage].sum()) for stage in range(len(FUNNEL))]
    counts += [int(tickets[groups[step] > 0].sum()) for step in SIDE_STEPS]
    return pd.DataFrame({"step": list(FUNNEL + SIDE_STEPS), "tickets": counts})


def _value(number: float) -> float | None:
    return None if math.isnan(number) else number


def on_time_rate(due_met: float | None, due: float | None, scale: float = 1.0) -> Measure:
    """On-time closure (DESIGN §6): tickets closed by their deadline / tickets whose deadline fell in the period,
    overdue open tickets included (``due_met`` / ``due``), × ``scale``."""
    return ratio(due_met, due, scale)


def on_time_rates(due_met: pd.Series, due: pd.Series, scale: float = 100) -> pd.Series:
    """On-time closure per row (a breakdown: department, category, district) from its ``due_met`` and ``due``
    (the deadline cohort), × ``scale``; NaN where nothing fell due: :func:`on_time_rate` for each row of a frame."""
    due = pd.to_numeric(due)
    return (pd.to_numeric(due_met) / due.where(due > 0) * scale).astype(float)


def per_10k_a_day(received, days: float, population):
    """Complaints per 10,000 residents a day (the one meaning of "per 10k" on every surface): received / days /
    population × 10⁴, for a scalar or per row (arrays or Series); NaN where the population is unknown or not
    positive or the period is empty."""
    if np.ndim(received) == 0 and np.ndim(population) == 0:  # one period's figure: no arrays to build
        people = float("nan") if population is None or pd.isna(population) else float(population)
        return float(received) / days / people * 10_000 if people > 0 and days > 0 else float("nan")
    count = np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(received))), dtype=float)
    people = np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(population), dtype=object)), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where((people > 0) & (days > 0), count / days / people * 10_000, np.nan)
    return rate


def complaint_measures(sums: Mapping[str, float], days: float, population: float | None) -> dict[str, Measure]:
    """KPI id → measure, from the period's rollup sums, its length in days and the population served."""
    closed = float(sums.get("closed") or 0)
    mean_hours = ratio(sums.get("handling_seconds"), closed, 1 / 3600)
    received = float(sums.get("received") or 0)
    per_day = received / days if days > 0 else None
    return {
        "complaints_received": count(received),
        "complaint_closure_rate": ratio(sums.get("received_closed"), received),
        "complaint_on_time_rate": on_time_rate(sums.get("due_met"), sums.get("due")),
        "complaint_satisfaction": ratio(sums.get("satisfied"), sums.get("rated")),
        "complaint_return_rate": ratio(sums.get("returned"), received),
        "complaint_redo_rate": ratio(sums.get("reopened"), closed),
        "complaint_handling_hours": Measure(mean_hours.value, closed, closed),
        "complaints_per_10k": Measure(
            _value(per_10k_a_day(received, days, population)), float(per_day or 0), float(population or 0)
        ),
    }

