"""The periods of a report: a local day or a Monday-to-Sunday week of the city, the period before it (环比) and
the same period a year earlier (同比: the same calendar day; for a week, the week 52 weeks before, so that the
weekdays line up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dashboard.kpis.periods import period_bounds

#: Report kinds and the calendar period each covers.
KINDS = {"daily": "day", "weekly": "week"}


@dataclass(frozen=True)
class ReportPeriod:
    """A report's period [start, end) in UTC, its first and last local dates, and its two comparisons."""

    kind: str
    first: date
    last: date
    start: datetime
    end: datetime
    previous: tuple[datetime, datetime]
    year_before: tuple[datetime, datetime]
    timezone: str

    @property
    def key(self) -> str:
        """The period's identity in file names and the index: ``daily-2026-11-20``, ``weekly-2026-11-16``."""
        return f"{self.kind}-{self.first.isoformat()}"


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(timezone))


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def report_period(kind: str, day: date, timezone: str) -> ReportPeriod:
    """The daily report's day, or the weekly report's week containing ``day``, with its comparisons."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; known: {', '.join(KINDS)}")
    period = KINDS[kind]
    noon = _local_midnight(day, timezone)
    start, end = period_bounds(noon, timezone, period)
    previous = period_bounds(noon, timezone, period, back=1)
    if kind == "daily":
        year_before = period_bounds(_local_midnight(_year_earlier(day), timezone), timezone, "day")
    else:
        year_before = period_bounds(noon - timedelta(weeks=52), timezone, "week")
    zone = ZoneInfo(timezone)
    first = start.astimezone(zone).date()
    last = (end - timedelta(seconds=1)).astimezone(zone).date()
    return ReportPeriod(kind, first, last, start, end, previous, year_before, timezone)


def latest_complete(kind: str, now: datetime, timezone: str) -> date:
    """The first local date of the newest period of ``kind`` that has ended by ``now``."""
    period = KINDS[kind]
    start = period_bounds(now.astimezone(UTC), timezone, period, back=1)[0]
    return start.astimezone(ZoneInfo(timezone)).date()
