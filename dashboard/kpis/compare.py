"""Comparisons of a KPI's value with the same measure over another period: the previous period (环比) or the
same period a year earlier (同比).

The change is absolute (current − base) and relative (in percent of the base). Either side without data gives
no change at all ("no data", never 0); the relative change is undefined when the base is 0. The arrow follows
the sign of the change, and whether the change is good or bad follows the KPI's direction ("higher" or "lower"
is better; None: neither, e.g. a count of complaints received). A comparison period before a domain's first
data has no data (:func:`covered`): a city whose history starts this year has no 同比, not a 同比 of 0. A
latest reading (the traffic index of the latest interval, the AQI of the latest hour) compares with the latest
reading at the comparison moment, and only when both are their moment's own (:func:`current_reading`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.kpis.timespan import TimeSelection, comparison, resolve


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


#: The length of each latest-reading headline window: the traffic index's observation interval (15 minutes) and
#: the AQI's clock hour.
LATEST_WINDOWS = {"latest_interval": timedelta(minutes=15), "latest_hour": timedelta(hours=1)}


def current_reading(ended: datetime | None, moment: datetime, window: timedelta) -> bool:
    """Whether a latest reading whose window ended at ``ended`` (None: no reading) is the reading of ``moment``:
    it ended at most two windows before it (the window itself, and one of collection lag). An older reading is
    another moment's: compared with it, a card would not compare like with like."""
    return ended is not None and moment - 2 * window <= ended <= moment


@dataclass(frozen=True)
class Reading:
    """A latest reading taken ``at`` a moment: its value (None: none) and when its window ended (None: no
    reading)."""

    value: float | None
    ended: datetime | None
    at: datetime


def latest_change(now: Reading, then: Reading, window: timedelta, direction: str | None) -> Change:
    """The change of a latest reading (``window`` long) from the reading at the comparison moment, judged by
    ``direction``: no data unless each is its own moment's reading (:func:`current_reading`)."""
    own = current_reading(now.ended, now.at, window) and current_reading(then.ended, then.at, window)
    return change(now.value, then.value if own else None, direction)


def same_moment(now: datetime, timezone: str, compare: str) -> datetime:
    """The moment ``now`` compares with: the same local time the day before (``compare`` "previous") or the same
    day a year before ("year")."""
    return comparison(resolve(TimeSelection("today", compare=compare), now, timezone), timezone).end
