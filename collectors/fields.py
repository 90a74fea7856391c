"""Reading one record's fields: coercions that name the field they fail on, and per-record error capture.

A feed maps each upstream item with a function that raises :class:`FieldError`; :func:`map_items` turns
such failures (and malformed items) into :class:`Rejected` entries, so one bad record never stops a run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any

from collectors.config import FeedConfig
from collectors.contract import Rejected, SourceRecord
from collectors.timeparse import parse_instant
from dashboard.geo.crs import normalize_crs, to_wgs84

#: Cell values that mean "no value" in exports and vendor APIs.
EMPTY_MARKERS = frozenset({"", "-", "--", "NA", "N/A", "n/a", "null", "NULL", "None"})
#: Longest record reference and message a quarantine reason quotes (what arrived may be megabytes).
MAX_REF_CHARS = 200
MAX_MESSAGE_CHARS = 1000


class FieldError(ValueError):
    """A field of one record could not be read."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def text(value: Any) -> str | None:
    """A trimmed string without NUL characters (PostgreSQL refuses them), or None for missing and empty markers."""
    if value is None:
        return None
    if value.__class__ is not str:
        value = str(value)
    if "\x00" in value:
        value = value.replace("\x00", "")
    value = value.strip()
    return None if value in EMPTY_MARKERS else value


def number(value: Any, field: str) -> float | None:
    """A float from a number or numeric string; None when missing."""
    if value.__class__ is float:  # the common case first
        return value
    if isinstance(value, bool):
        raise FieldError(field, f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            raise FieldError(field, "number out of range") from None
    value = text(value)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise FieldError(field, f"expected a number, got {value!r}") from None


def integer(value: Any, field: str) -> int | None:
    """An integer from an integral number or string; None when missing."""
    result = number(value, field)
    if result is None:
        return None
    if not result.is_integer():
        raise FieldError(field, f"expected an integer, got {value!r}")
    return int(result)


def instant(value: Any, field: str, tz: tzinfo, required: bool = False) -> datetime | None:
    """An ISO 8601 time (naive ones in ``tz``); None when missing unless ``required``."""
    if text(value) is None:
        if required:
            raise FieldError(field, "is missing")
        return None
    try:
        return parse_instant(value, tz)
    except ValueError as exc:
        raise FieldError(field, str(exc)) from None


def required(value: Any, field: str) -> str:
    """A non-empty string form of ``value``."""
    result = text(value)
    if result is None:
        raise FieldError(field, "is missing")
    return result


def coordinates(lon: Any, lat: Any, lon_field: str, lat_field: str) -> tuple[float | None, float | None]:
    """A point's longitude and latitude, both or neither (the missing one is named)."""
    x, y = number(lon, lon_field), number(lat, lat_field)
    if (x is None) != (y is None):
        missing, given = (lon_field, lat_field) if x is None else (lat_field, lon_field)
        raise FieldError(missing, f"is missing while {given} is given")
    return x, y


def _clip(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters (marked) when longer."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def reject_reason(feed: FeedConfig, ref: str | None, message: str) -> str:
    """A quarantine reason naming the feed and the record; bounded, whatever arrived."""
    return f"feed {feed.name}, record {_clip(ref or '(unknown)', MAX_REF_CHARS)}: {_clip(message, MAX_MESSAGE_CHARS)}"


def rejected(feed: FeedConfig, ref: str | None, field: str | None, message: str, raw: Any) -> Rejected:
    """A quarantine entry whose reason names the feed, the record and the field."""
    where = f"{field}: " if field else ""
    return Rejected(ref, field, reject_reason(feed, ref, f"{where}{message}"), raw)


def map_items(
    feed: FeedConfig,
    items: Iterable[Any],
    mapper: Callable[[Any], list[SourceRecord]],
    ref_of: Callable[[Any], str | None],
) -> tuple[list[SourceRecord], list[Rejected]]:
    """Map every item; a failing item becomes a :class:`Rejected` naming its field."""
    records: list[SourceRecord] = []
    failures: list[Rejected] = []
    for item in items:
        try:
            records.extend(mapper(item))
        except FieldError as exc:
            failures.append(rejected(feed, ref_of(item), exc.field, exc.message, item))
        except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError, RecursionError) as exc:
            failures.append(rejected(feed, ref_of(item), None, f"malformed record ({type(exc).__name__}: {exc})", item))
    return records, failures


def item_ref(*keys: str) -> Callable[[Any], str | None]:
    """A ``ref_of`` for dict items: the first of ``keys`` present (never raises)."""

    def ref_of(item: Any) -> str | None:
        if isinstance(item, dict):
            for key in keys:
                if item.get(key) not in (None, ""):
                    return str(item[key])
        return None

    return ref_of


def reproject(records: list[SourceRecord], crs: str) -> None:
    """Convert the ``lon``/``lat`` of ``records`` from ``crs`` to WGS-84 in place (one vectorised call)."""
    located = [r for r in records if r.data.get("lon") is not None and r.data.get("lat") is not None]
    if not located or normalize_crs(crs) == "WGS84":
        return
    lons, lats = to_wgs84([r.data["lon"] for r in located], [r.data["lat"] for r in located], crs)
    for record, lon, lat in zip(located, lons.tolist(), lats.tolist(), strict=True):
        record.data["lon"], record.data["lat"] = lon, lat
