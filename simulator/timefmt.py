"""Time arithmetic and the timestamp formats each simulated vendor writes.

Times are handled as int64 epoch seconds (UTC). The city is in Asia/Shanghai, which has kept UTC+08:00 without
daylight saving since 1991, so local time is a fixed offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np

LOCAL_OFFSET_S = 8 * 3600
CITY_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
DAY_S = 86400
MISSING = np.iinfo(np.int64).max


def to_epoch(moment: datetime) -> int:
    """Epoch seconds of an aware datetime (naive ones are taken as city local time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_TZ)
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    """Aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(int(seconds), UTC)


def local_day(seconds: int) -> date:
    """The city-local calendar date containing the instant."""
    return date.fromordinal(local_day_number(seconds))


def local_day_number(seconds: int) -> int:
    """Proleptic ordinal of the city-local date containing the instant."""
    return (int(seconds) + LOCAL_OFFSET_S) // DAY_S + date(1970, 1, 1).toordinal()


def day_start(day_number: int) -> int:
    """Epoch seconds of local midnight starting the given local date ordinal."""
    return (day_number - date(1970, 1, 1).toordinal()) * DAY_S - LOCAL_OFFSET_S


def local_hours(seconds: np.ndarray) -> np.ndarray:
    """Local fractional hour of day (0-24) of each instant."""
    return ((seconds + LOCAL_OFFSET_S) % DAY_S) / 3600.0


def local_weekday(seconds: np.ndarray) -> np.ndarray:
    """Local weekday of each instant, Monday = 0."""
    return ((seconds + LOCAL_OFFSET_S) // DAY_S + 3) % 7


def _strings(seconds: np.ndarray, shift: int) -> np.ndarray:
    return np.datetime_as_string((np.asarray(seconds, dtype=np.int64) + shift).astype("datetime64[s]"), unit="s")


def iso_local(seconds: np.ndarray) -> list[str]:
    """ISO 8601 with the city offset, e.g. ``2026-11-21T09:30:12+08:00``."""
    return [s + "+08:00" for s in _strings(seconds, LOCAL_OFFSET_S)]


def iso_utc(seconds: np.ndarray) -> list[str]:
    """ISO 8601 in UTC with ``Z``, e.g. ``2026-11-21T01:30:12Z``."""
    return [s + "Z" for s in _strings(seconds, 0)]


def iso_utc_millis(seconds: np.ndarray) -> list[str]:
    """ISO 8601 in UTC with milliseconds, as FROST writes it: ``2026-11-21T01:30:12.000Z``."""
    return [s + ".000Z" for s in _strings(seconds, 0)]


def naive_local(seconds: np.ndarray) -> list[str]:
    """Naive local time ``YYYY-MM-DD HH:MM:SS`` (the hall vendor's format)."""
    return [s.replace("T", " ") for s in _strings(seconds, LOCAL_OFFSET_S)]


def slash_local(seconds: np.ndarray) -> list[str]:
    """Local ``YYYY/MM/DD HH:MM`` (the hotline export format)."""
    return [s[:16].replace("-", "/").replace("T", " ") for s in _strings(seconds, LOCAL_OFFSET_S)]


def compact_utc(seconds: np.ndarray) -> list[str]:
    """UTC ``YYYYMMDDHHMM`` used inside entity ids."""
    return [s[:16].replace("-", "").replace("T", "").replace(":", "") for s in _strings(seconds, 0)]


def parse_instant(text: str) -> int:
    """Epoch seconds of an ISO 8601 instant; a value without offset is city local time."""
    text = text.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    return to_epoch(datetime.fromisoformat(text))
