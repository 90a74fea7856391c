"""Reporting periods: local calendar days of the city, as UTC bounds for queries."""

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
