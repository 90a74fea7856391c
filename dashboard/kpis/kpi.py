"""One key performance indicator: what it measures, its target and RAG thresholds, and its city score.

Declared in :mod:`dashboard.kpis.definitions`, collected with a city's overrides by :mod:`dashboard.kpis.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher", "lower"]
Period = Literal["hour", "day", "week", "month", "quarter", "now"]
#: The fixed window of a headline KPI: today so far, the last 30 local days, the latest observation interval,
#: the latest hour.
Window = Literal["today", "last_30_days", "latest_interval", "latest_hour"]
Scope = Literal["city", "district", "sub-district", "department", "hall", "segment", "station"]

#: Most a KPI contributes to the city score (Boston's CityScore cap).
SCORE_CAP = 1.25


@dataclass(frozen=True)
class Kpi:
    """One key performance indicator.

    ``thresholds`` are the (green, red) boundaries: higher-is-better KPIs are green at or above the first and
    red below the second; lower-is-better KPIs are green at or below the first and red above the second;
    amber in between. Rates are fractions (0–1); the UI shows them as percentages. A KPI without a target
    (a volume, a backlog) is shown but neither coloured nor scored.

    A *headline* KPI (``headline``: the overview's and the wall's top cards) is the period KPI ``measure`` taken
    over its own fixed ``window`` rather than over the page's period: one formula, the period KPI's.
    """

    id: str
    domain: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    unit_zh: str
    unit_en: str
    formula: str
    direction: Direction
    target: float | None
    thresholds: tuple[float, float] | None
    period: Period
    scope: tuple[Scope, ...]
    feeds: tuple[str, ...]
    percent: bool = False
    scored: bool = False
    page: str = "/"
    denominator_zh: str = ""
    denominator_en: str = ""
    headline: bool = False
    measure: str | None = None
    window: Window | None = None

    def rag(self, value: float | None) -> str | None:
        """``green``, ``amber`` or ``red`` for ``value``; None without a value."""
        if value is None or self.thresholds is None:
            return None
        green, red = self.thresholds
        if self.direction == "higher":
            return "green" if value >= green else "red" if value < red else "amber"
        return "green" if value <= green else "red" if value > red else "amber"

    def score(self, value: float | None) -> float | None:
        """CityScore of ``value``: actual/target (target/actual when lower is better), capped at 1.25."""
        if value is None or self.target is None:
            return None
        if self.direction == "higher":
            ratio = value / self.target if self.target else SCORE_CAP
        else:
            ratio = self.target / value if value > 0 else SCORE_CAP
        return min(max(ratio, 0.0), SCORE_CAP)
