"""Comparisons of a KPI's value with the same measure over another period: the previous period (环比) or the
same period a year earlier (同比).

The change is absolute (current − base) and relative (in percent of the base). Either side without data gives
no change at all ("no data", never 0); the relative change is undefined when the base is 0. The arrow follows
the sign of the change, and whether the change is good or bad follows the KPI's direction ("higher" or "lower"
is better; None: neither, e.g. a count of complaints received). A comparison period before a domain's first
data has no data (:func:`covered`): a city whose history starts this year has no 同比, not a 同比 of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Change:
    """A value against its comparison value. ``absolute`` and ``percent`` are None without data on either side
    (``percent`` also when the base is 0); ``arrow`` is "up", "down" or "flat" (None: no data); ``verdict`` is
    "better", "worse" or "same" (None: no data, or a KPI without a direction)."""

    current: float | None
    base: float | None
    absolute: float | None
    percent: float | None
    arrow: str | None
    verdict: str | None

    @property
    def known(self) -> bool:
        """Whether both sides have data."""
        return self.absolute is not None


def _value(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def change(current: float | None, base: float | None, direction: str | None = None) -> Change:
    """The change from ``base`` (the comparison period's value) to ``current``, judged by ``direction``
    ("higher" or "lower" is better, None: not judged). NaN counts as no data."""
    current, base = _value(current), _value(base)
    if current is None or base is None:
        return Change(current, base, None, None, None, None)
    absolute = current - base
    percent = absolute / abs(base) * 100 if base != 0 else None
    arrow = "up" if absolute > 0 else "down" if absolute < 0 else "flat"
    if direction not in ("higher", "lower"):
        verdict = None
    elif absolute == 0:
        verdict = "same"
    else:
        verdict = "better" if (absolute > 0) == (direction == "higher") else "worse"
    return Change(current, base, absolute, percent, arrow, verdict)


def covered(first: datetime | None, last: datetime | None, start: datetime) -> bool:
    """Whether a domain whose data spans the hours ``first``..``last`` (hour starts; None: no data) has data for
    a comparison period from ``start``: its data began at or before ``start`` and went on past it. A period
    before the first data (a year before the first import) has no data, which is not a value of 0."""
    return first is not None and last is not None and first <= start < last + timedelta(hours=1)
