"""Timestamps as feeds write them: ISO 8601 instants and intervals, and vendors' naive local formats.

A time without an offset is read in the feed's zone (``FeedConfig.timezone``); every result is aware.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (cached)."""
    return ZoneInfo(name)


def _aware(value: datetime, tz: tzinfo) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def parse_instant(value: str, tz: tzinfo) -> datetime:
    """An ISO 8601 instant; naive ones are in ``tz``. Raises ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 time string, got {type(value).__name__}")
    return _parse_instant_text(value, tz)


@lru_cache(maxsize=8192)
def _parse_instant_text(value: str, tz: tzinfo) -> datetime:
    """:func:`parse_instant` of a string, memoized: a page of observations repeats the same few times."""
    try:
        return _aware(datetime.fromisoformat(value.strip()), tz)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from None


def parse_period(value: str, tz: tzinfo) -> tuple[datetime | None, datetime]:
    """An ISO 8601 instant or interval ``start/end``: ``(start, end)``, start None for an instant."""
    if isinstance(value, str) and "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = parse_instant(start_text, tz), parse_instant(end_text, tz)
        if end < start:
            raise ValueError(f"interval ends before it starts: {value!r}")
        return start, end
    return None, parse_instant(value, tz)


def parse_local(value: str, formats: tuple[str, ...], tz: tzinfo) -> datetime:
    """A vendor's naive local time in one of ``formats`` (strptime), read in ``tz``."""
    text = value.strip() if isinstance(value, str) else value
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except (TypeError, ValueError):
            continue
    raise ValueError(f"not a time in the format {' or '.join(formats)}: {value!r}")


def utc_z(value: datetime) -> str:
    """``value`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, the form every server accepts)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_second(value: datetime) -> datetime:
    """``value`` without its fraction of a second (window ends are sent and stored like this)."""
    return value.replace(microsecond=0)
