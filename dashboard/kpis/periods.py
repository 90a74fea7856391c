"""Reporting periods, as UTC bounds for queries: calendar periods of the city (``PERIODS``: local days, weeks,
months, quarters) and rolling windows ending now (``WINDOWS``: the last 24 hours, 7 or 30 days).

The product's time model (any period, custom ranges, an as-of moment, comparisons) is
:mod:`dashboard.kpis.timespan`; these helpers are its fixed special cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.kpis.timespan import unit_bounds


def local_day(now: datetime, timezone: str, days_back: int = 0) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local calendar day containing ``now``, or ``days_back`` days before it."""
    return unit_bounds(now, timezone, "day", days_back)


def floor_time(now: datetime, seconds: int) -> datetime:
    """``now`` (aware) rounded down to a multiple of ``seconds`` since the epoch, in UTC."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


#: Calendar periods of the city's reporting (local time).
PERIODS = ("day", "week", "month", "quarter")
#: Rolling windows ending now, by the name pages and the API take in their ``period`` parameter.
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def period_bounds(now: datetime, timezone: str, period: str, back: int = 0) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local day/week (Monday)/month/quarter containing ``now``, ``back`` periods ago."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; known: {', '.join(PERIODS)}")
    return unit_bounds(now, timezone, period, back)


def local_days(start: datetime, end: datetime, timezone: str) -> list[tuple[datetime, datetime]]:
    """The UTC bounds of each local day overlapping [start, end)."""
    days, cursor = [], period_bounds(start, timezone, "day")[0]
    while cursor < end:
        following = period_bounds(cursor, timezone, "day")[1]
        days.append((cursor, following))
        cursor = following
    return days
