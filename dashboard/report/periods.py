"""The periods of a report, in the product's one time model (:mod:`dashboard.kpis.timespan`): a local day or a
Monday-to-Sunday week of the city, the period before it (环比: the previous day or week) and the same dates a
year earlier (同比)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dashboard.kpis.timespan import TimeSelection, previous, resolve, unit_bounds, year_before

#: Report kinds and the calendar unit each covers.
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
        """The period's identity in file names and the index: ``daily-2026-11-16``, ``weekly-2026-11-09``."""
        return f"{self.kind}-{self.first.isoformat()}"


def report_period(kind: str, day: date, timezone: str) -> ReportPeriod:
    """The daily report's day, or the weekly report's week containing ``day``, whole, with its comparisons."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; known: {', '.join(KINDS)}")
    zone = ZoneInfo(timezone)
    noon = datetime.combine(day, time(12), zone)
    first, end = (moment.astimezone(zone).date() for moment in unit_bounds(noon, timezone, KINDS[kind]))
    last = date.fromordinal(end.toordinal() - 1)
    full_end = datetime.combine(end, time(), zone).astimezone(UTC)
    span = resolve(TimeSelection("custom", start=first, end=last), full_end, timezone)
    before, year = previous(span, timezone), year_before(span, timezone)
    return ReportPeriod(kind, first, last, span.start, span.end, (before.start, before.end), (year.start, year.end),
                        timezone)


def latest_complete(kind: str, now: datetime, timezone: str) -> date:
    """The first local date of the newest period of ``kind`` that has ended by ``now``."""
    start = unit_bounds(now.astimezone(UTC), timezone, KINDS[kind], back=1)[0]
    return start.astimezone(ZoneInfo(timezone)).date()
