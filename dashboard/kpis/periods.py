"""Reporting periods, as UTC bounds for queries: calendar periods of the city (``PERIODS``: local days, weeks,
months, quarters) and rolling windows ending now (``WINDOWS``: the last 24 hours, 7 or 30 days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def local_day(now: datetime, timezone: str, days_back: int = 0) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local calendar day containing ``now``, or ``days_back`` days before it."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone) - timedelta(days=days_back)
    end = start + timedelta(days=1)
    return start.astimezone(UTC), end.astimezone(UTC)


def floor_time(now: datetime, seconds: int) -> datetime:
    """``now`` (aware) rounded down to a multiple of ``seconds`` since the epoch, in UTC."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


#: Calendar periods of the city's reporting (local time).
PERIODS = ("day", "week", "month", "quarter")
#: Rolling windows ending now, by the name pages and the API take in their ``period`` parameter.
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def _local_start(local: datetime, period: str) -> datetime:
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"unknown period {period!r}; known: {', '.join(PERIODS)}")


def _shift(start: datetime, period: str, steps: int) -> datetime:
    """The local start ``steps`` periods after ``start`` (negative: before); wall-clock arithmetic."""
    if period in ("day", "week"):
        naive = start.replace(tzinfo=None) + timedelta(days=steps * (1 if period == "day" else 7))
        return naive.replace(tzinfo=start.tzinfo)
    months = steps * (1 if period == "month" else 3)
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1)


def period_bounds(now: datetime, timezone: str, period: str, back: int = 0) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local day/week (Monday)/month/quarter containing ``now``, ``back`` periods ago."""
    zone = ZoneInfo(timezone)
    start = _shift(_local_start(now.astimezone(zone), period), period, -back)
    end = _shift(start, period, 1)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_days(start: datetime, end: datetime, timezone: str) -> list[tuple[datetime, datetime]]:
    """The UTC bounds of each local day overlapping [start, end)."""
    days, cursor = [], period_bounds(start, timezone, "day")[0]
    while cursor < end:
        following = period_bounds(cursor, timezone, "day")[1]
        days.append((cursor, following))
        cursor = following
    return days
