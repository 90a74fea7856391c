"""The alert rules (DESIGN §6): each opens above one threshold and closes only below a lower one (hysteresis).

A rule is data: which observation it watches (see ``dashboard.queries.alerts.observe``), the open and close
thresholds and its severity; its message, a template with ``{name}`` and ``{value}``, is in the ``alerts``
catalogue of :mod:`dashboard.i18n` under ``alert_rule.<id>``. ``transitions`` is the whole decision, pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.i18n import t


@dataclass(frozen=True)
class Rule:
    """Open when a subject's value ≥ ``open_at``; close an open alert when its value < ``close_below``."""

    id: str
    severity: str
    open_at: float
    close_below: float

    def message(self, lang: str) -> str:
        """The message template in ``lang`` (fields ``name`` and ``value``)."""
        return t(f"alert_rule.{self.id}", lang)

    @property
    def message_zh(self) -> str:
        """The Chinese message template."""
        return self.message("zh")

    @property
    def message_en(self) -> str:
        """The English message template."""
        return self.message("en")


RULES: tuple[Rule, ...] = (
    Rule("station_aqi", "critical", 151, 131),
    Rule("segment_tpi", "warning", 8.0, 6.0),
    Rule("hall_wait", "warning", 30.0, 20.0),
    Rule("complaint_spike", "warning", 1.0, 0.5),
    Rule("feed_stale", "critical", 1.0, 1.0),
    Rule("published_aqi", "warning", 5.0, 5.0),
)


def rule(rule_id: str) -> Rule:
    """The rule named ``rule_id``."""
    return next(r for r in RULES if r.id == rule_id)


@dataclass(frozen=True)
class Transitions:
    """Subjects to open (with their value) and open subjects to close."""

    open: dict[str, float]
    close: set[str]


def transitions(rule_: Rule, values: Mapping[str, float], open_subjects: set[str]) -> Transitions:
    """What changes given the subjects' current ``values`` and the subjects with an open alert.

    A subject without a current value keeps its state: no data is not a recovery (feed_stale reports it).
    """
    opening = {s: v for s, v in values.items() if v >= rule_.open_at and s not in open_subjects}
    closing = {s for s in open_subjects if s in values and values[s] < rule_.close_below}
    return Transitions(opening, closing)
