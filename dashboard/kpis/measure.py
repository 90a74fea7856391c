"""A KPI value with the numerator and denominator it came from (the UI states the denominator)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """``value`` (None: no data or a zero denominator) = ``numerator`` / ``denominator`` when a ratio."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None


def ratio(numerator: float | None, denominator: float | None, scale: float = 1.0) -> Measure:
    """numerator / denominator × scale; no value when the denominator is missing or zero."""
    num = float(numerator or 0)
    den = float(denominator or 0)
    value = num / den * scale if den > 0 and not math.isnan(den) else None
    return Measure(value, num, den)


def count(value: float | None) -> Measure:
    """A plain count (its own denominator is meaningless)."""
    return Measure(float(value or 0))
