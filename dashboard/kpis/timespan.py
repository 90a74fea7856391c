"""The one time model of the product: what a user selects (:class:`TimeSelection`) and what queries read
(:class:`Span`, UTC ``[start, end)`` bounds with a grain), with the comparisons 环比 (:func:`previous`) and 同比
(:func:`year_before`), and the query-string form shared by page URLs and the API.

A selection is one of
- a calendar period of the city's time zone (``CALENDAR``: today … last_year; weeks start on Monday),
- a rolling window ending at the as-of moment (``ROLLING``: 24h, 7d, 30d),
- ``custom``: local dates ``start``..``end`` (both included), or local date-times ``[start, end)`` for hours;
and an optional as-of moment (the city as it was then; default now) and an optional comparison.

Pure: no database, no clock. ``now`` and the time zone are arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Calendar periods, each with its unit and how many units back from the one holding the as-of moment.
CALENDAR: dict[str, tuple[str, int]] = {
    "today": ("day", 0),
    "yesterday": ("day", 1),
    "this_week": ("week", 0),
    "last_week": ("week", 1),
    "this_month": ("month", 0),
    "last_month": ("month", 1),
    "this_quarter": ("quarter", 0),
    "last_quarter": ("quarter", 1),
    "this_year": ("year", 0),
    "last_year": ("year", 1),
}
#: Rolling windows ending at the as-of moment.
ROLLING: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
CUSTOM = "custom"
#: Every period name a selection takes.
PERIOD_NAMES: tuple[str, ...] = (*CALENDAR, *ROLLING, CUSTOM)
#: Comparisons: 环比 (the previous period) and 同比 (the same dates a year earlier).
COMPARISONS: tuple[str, ...] = ("previous", "year")
#: The longest custom range a selection may span (three years, one of them leap).
MAX_RANGE = timedelta(days=3 * 365 + 1)
#: Grain limits: hourly up to two days (50 h leaves room for a DST day), daily up to a quarter and a day.
HOURLY_UPTO, DAILY_UPTO = timedelta(hours=50), timedelta(days=93)

#: Period names of older links (the overview's calendar periods), read as today's names.
ALIASES = {"day": "today", "week": "this_week", "month": "this_month", "quarter": "this_quarter"}

#: The query-string parameters of a selection, in pages' URLs and the API.
QUERY_KEYS = ("period", "from", "to", "as_of", "compare")

Moment = date | datetime


@dataclass(frozen=True)
class TimeSelection:
    """What a user picked. ``start``/``end`` only for ``custom``: dates (end included) or date-times (end excluded;
    naive ones are city-local time). ``as_of``: aware, naive (city-local) or a date (the end of that local day)."""

    period: str = "24h"
    start: Moment | None = None
    end: Moment | None = None
    as_of: Moment | None = None
    compare: str | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIOD_NAMES:
            raise ValueError(f"period must be one of {', '.join(PERIOD_NAMES)}; got {self.period!r}")
        if self.compare is not None and self.compare not in COMPARISONS:
            raise ValueError(f"compare must be one of {', '.join(COMPARISONS)}; got {self.compare!r}")
        if self.period != CUSTOM:
            if self.start is not None or self.end is not None:
                raise ValueError(f"from/to go with period=custom, not period={self.period}")
            return
        if self.start is None or self.end is None:
            raise ValueError("a custom period needs both from and to")
        if _is_hours(self.start) != _is_hours(self.end):
            raise ValueError("from and to must both be dates or both date-times")
        if _is_hours(self.start):
            if _naive(self.start) >= _naive(self.end):
                raise ValueError(f"from ({self.start.isoformat()}) must be before to ({self.end.isoformat()})")
            length = _naive(self.end) - _naive(self.start)
        else:
            if self.start > self.end:
                raise ValueError(f"from ({self.start.isoformat()}) is after to ({self.end.isoformat()})")
            length = self.end - self.start + timedelta(days=1)
        if length > MAX_RANGE:
            raise ValueError(f"the range from {self.start} to {self.end} is longer than {MAX_RANGE.days} days")

    @property
    def kind(self) -> str:
        return "calendar" if self.period in CALENDAR else "rolling" if self.period in ROLLING else "custom"


@dataclass(frozen=True)
class Span:
    """A resolved selection: UTC ``[start, end)`` (``end`` clipped to the as-of moment), the unclipped end of the
    period (``full_end``), the as-of moment, the grain of series over it and what a label needs."""

    start: datetime
    end: datetime
    full_end: datetime
    as_of: datetime
    grain: str  # "hour", "day" or "month"
    timezone: str
    kind: str  # "calendar", "rolling" or "custom"
    period: str  # the selection's period name; "custom" for comparison spans of rolling/custom selections
    unit: str | None = None  # calendar unit: day, week, month, quarter, year
    hours: bool = False  # bounds fall on hours, not on local midnights (rolling windows, custom hour ranges)
    compare: str | None = None

    @property
    def partial(self) -> bool:
        """Whether the period is still running at the as-of moment (its end is clipped)."""
        return self.end < self.full_end

    @property
    def first_day(self) -> date:
        """The local date of the start."""
        return self.start.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def last_day(self) -> date:
        """The local date of the last moment of the (unclipped) period."""
        return (self.full_end - timedelta(microseconds=1)).astimezone(ZoneInfo(self.timezone)).date()

    @property
    def length(self) -> timedelta:
        return self.end - self.start


# --- calendar arithmetic in local wall-clock time ------------------------------------------------------------------


def _is_hours(value: Moment) -> bool:
    return isinstance(value, datetime)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _local(naive: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall-clock time ``naive`` (a time skipped by DST moves forward by the gap)."""
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _to_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _unit_start(wall: datetime, unit: str) -> datetime:
    day = datetime.combine(wall.date(), time())
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown calendar unit {unit!r}")


def _shift_units(wall: datetime, unit: str, steps: int) -> datetime:
    """``wall`` (a unit start) moved by ``steps`` units."""
    if unit in ("day", "week"):
        return wall + timedelta(days=steps * (1 if unit == "day" else 7))
    months = steps * {"month": 1, "quarter": 3, "year": 12}[unit]
    index = wall.year * 12 + wall.month - 1 + months
    return wall.replace(year=index // 12, month=index % 12 + 1)


def unit_bounds(moment: datetime, timezone: str, unit: str, back: int = 0) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local calendar ``unit`` (day, week from Monday, month, quarter, year) holding
    ``moment``, or ``back`` units before it."""
    zone = ZoneInfo(timezone)
    wall = _shift_units(_unit_start(_to_wall(moment, zone), unit), unit, -back)
    return _local(wall, zone), _local(_shift_units(wall, unit, 1), zone)


def _minus_year(wall: datetime) -> datetime:
    """The same local wall-clock time a year earlier; 29 February becomes 28 February."""
    if wall.month == 2 and wall.day == 29:
        return wall.replace(year=wall.year - 1, day=28)
    return wall.replace(year=wall.year - 1)


def grain_of(length: timedelta) -> str:
    """The grain of series over a range of ``length``: hours up to two days, days up to a quarter, else months."""
    if length <= HOURLY_UPTO:
        return "hour"
    return "day" if length <= DAILY_UPTO else "month"


def as_of_moment(value: Moment | None, now: datetime, timezone: str) -> datetime:
    """The as-of moment in UTC, never after ``now``: a date means the end of that local day."""
    zone = ZoneInfo(timezone)
    if value is None:
        moment = now
    elif not isinstance(value, datetime):
        moment = _local(datetime.combine(value + timedelta(days=1), time()), zone)
    elif value.tzinfo is None:
        moment = _local(value, zone)
    else:
        moment = value
    return min(moment.astimezone(UTC), now.astimezone(UTC))


# --- resolving and comparing ---------------------------------------------------------------------------------------


def resolve(selection: TimeSelection, now: datetime, timezone: str) -> Span:
    """The UTC bounds of ``selection`` seen at its as-of moment (default ``now``) in the city's ``timezone``."""
    zone = ZoneInfo(timezone)
    as_of = as_of_moment(selection.as_of, now, timezone)
    common = {"as_of": as_of, "timezone": timezone, "period": selection.period, "compare": selection.compare}
    if selection.period in CALENDAR:
        unit, back = CALENDAR[selection.period]
        start, full_end = unit_bounds(as_of, timezone, unit, back)
        return _span(start, full_end, kind="calendar", unit=unit, **common)
    if selection.period in ROLLING:
        return _span(as_of - ROLLING[selection.period], as_of, kind="rolling", hours=True, **common)
    if _is_hours(selection.start):
        start, full_end = (_local(_naive_local(m, zone), zone) for m in (selection.start, selection.end))
        return _span(start, full_end, kind="custom", hours=True, **common)
    start = _local(datetime.combine(selection.start, time()), zone)
    full_end = _local(datetime.combine(selection.end + timedelta(days=1), time()), zone)
    return _span(start, full_end, kind="custom", **common)


def _naive_local(value: datetime, zone: ZoneInfo) -> datetime:
    return value if value.tzinfo is None else _to_wall(value, zone)


def _span(start: datetime, full_end: datetime, *, as_of: datetime, **fields) -> Span:
    end = max(start, min(full_end, as_of))
    return Span(start=start, end=end, full_end=full_end, as_of=as_of, grain=grain_of(full_end - start), **fields)


def previous(span: Span, timezone: str) -> Span:
    """环比: the calendar period before a calendar span, or the same length just before a rolling/custom one.

    A partial current period compares with the same elapsed part (in local wall-clock time) of the previous one.
    """
    zone = ZoneInfo(timezone)
    if span.kind == "calendar":
        wall = _to_wall(span.start, zone)
        before = _shift_units(wall, span.unit, -1)
        full_end = _local(wall, zone)
        if not span.partial:
            return _compared(span, _local(before, zone), full_end, full_end)
        elapsed = _to_wall(span.end, zone) - wall
        end = min(_local(before + elapsed, zone), full_end)
        return _compared(span, _local(before, zone), end, full_end)
    if span.hours:
        length = span.full_end - span.start
        return _compared(span, span.start - length, span.start - length + span.length, span.start)
    wall_start, wall_full_end = _to_wall(span.start, zone), _to_wall(span.full_end, zone)
    before = wall_start - (wall_full_end - wall_start)
    end = _local(before + (_to_wall(span.end, zone) - wall_start), zone)
    return _compared(span, _local(before, zone), end, span.start)


def year_before(span: Span, timezone: str) -> Span:
    """同比: the same local dates and times one year earlier (29 February becomes 28 February)."""
    zone = ZoneInfo(timezone)
    start, end, full_end = (_local(_minus_year(_to_wall(m, zone)), zone) for m in (span.start, span.end, span.full_end))
    if span.kind == "rolling":  # a fixed duration: keep it whole even where 29 February falls out
        start = end - span.length
    return _compared(span, start, end, full_end)


def _compared(span: Span, start: datetime, end: datetime, full_end: datetime) -> Span:
    period = span.period if span.kind == "calendar" else CUSTOM
    return Span(
        start=start,
        end=end,
        full_end=full_end,
        as_of=end,
        grain=span.grain,
        timezone=span.timezone,
        kind=span.kind,
        period=period,
        unit=span.unit,
        hours=span.hours,
        compare=None,
    )


def comparison(span: Span, timezone: str) -> Span | None:
    """The span the selection compares with (its ``compare``), or None."""
    if span.compare == "previous":
        return previous(span, timezone)
    if span.compare == "year":
        return year_before(span, timezone)
    return None


def on_history(selection: TimeSelection, newest: datetime | None, now: datetime, timezone: str) -> TimeSelection | None:
    """For a database whose newest fact (``newest``) is older than the start of ``selection`` seen now: the same
    selection seen at the end of the newest fact's minute, so that the page opens on the data (and on its feeds as
    they were then); else None."""
    if newest is None or selection.as_of is not None:
        return None
    if newest >= resolve(selection, now, timezone).start:
        return None
    end_of_minute = datetime.fromtimestamp(newest.timestamp() // 60 * 60 + 60, UTC)
    return TimeSelection(selection.period, selection.start, selection.end, end_of_minute, selection.compare)


# --- the query-string form -----------------------------------------------------------------------------------------


def _first(mapping: Mapping, key: str) -> str | None:
    value = mapping.get(key)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _parse_moment(name: str, text: str) -> Moment:
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{name} must be a date (2026-03-31) or a date-time (2026-03-31T08:00); got {text!r}"
        ) from None


def selection_from_query(mapping: Mapping, default: str = "24h") -> TimeSelection:
    """The selection named by query parameters ``period``, ``from``, ``to``, ``as_of`` and ``compare``.

    Raises ValueError naming the parameter at fault. ``from``/``to`` without ``period`` mean ``custom``.
    """
    period, start_text, end_text = _first(mapping, "period"), _first(mapping, "from"), _first(mapping, "to")
    period = ALIASES.get(period, period)
    if period is not None and period not in PERIOD_NAMES:
        raise ValueError(f"period must be one of {', '.join(PERIOD_NAMES)}; got {period!r}")
    if start_text or end_text:
        if period not in (None, CUSTOM):
            raise ValueError(f"from/to go with period=custom, not period={period}")
        if not (start_text and end_text):
            raise ValueError(f"{'to' if start_text else 'from'} is required with {'from' if start_text else 'to'}")
        period = CUSTOM
    elif period == CUSTOM:
        raise ValueError("period=custom needs from and to")
    as_of_text, compare = _first(mapping, "as_of"), _first(mapping, "compare")
    if compare is not None and compare not in COMPARISONS:
        raise ValueError(f"compare must be one of {', '.join(COMPARISONS)}; got {compare!r}")
    as_of = None if as_of_text is None else _parse_moment("as_of", as_of_text)
    start = None if start_text is None else _parse_moment("from", start_text)
    end = None if end_text is None else _parse_moment("to", end_text)
    return TimeSelection(period=period or default, start=start, end=end, as_of=as_of, compare=compare)


def _format_moment(value: Moment) -> str:
    if isinstance(value, datetime):
        text = value.isoformat(timespec="minutes" if not (value.second or value.microsecond) else "seconds")
        return text.replace("+00:00", "Z")
    return value.isoformat()


def selection_to_query(selection: TimeSelection) -> dict[str, str]:
    """The query parameters of ``selection`` (the inverse of :func:`selection_from_query`)."""
    query = {"period": selection.period} if selection.period != CUSTOM else {}
    if selection.period == CUSTOM:
        query.update({"from": _format_moment(selection.start), "to": _format_moment(selection.end)})
    if selection.as_of is not None:
        query["as_of"] = _format_moment(selection.as_of)
    if selection.compare is not None:
        query["compare"] = selection.compare
    return query
