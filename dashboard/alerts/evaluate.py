"""Evaluating every rule once: observe its subjects, decide the transitions, store them in one transaction.

Run by a job of the collector process (collectors/scheduler.py) and on demand (``python -m dashboard alerts
evaluate``); never inside web workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from dashboard.alerts import store
from dashboard.alerts.rules import RULES, transitions
from dashboard.queries.alerts import observe


@dataclass(frozen=True)
class Evaluation:
    """How many alerts each run opened and closed."""

    opened: int
    closed: int


def evaluate(engine: Engine, now: datetime, timezone: str, stale_factor: float) -> Evaluation:
    """Evaluate every rule at ``now``."""
    opened = closed = 0
    for rule in RULES:
        observed = observe(engine, rule.id, now, timezone, stale_factor)
        values = dict(zip(observed["subject"], observed["value"].astype(float), strict=True))
        with engine.begin() as conn:
            changes = transitions(rule, values, store.open_subjects(conn, rule))
            store.apply(conn, rule, changes, observed, now)
        opened += len(changes.open)
        closed += len(changes.close)
    return Evaluation(opened, closed)
