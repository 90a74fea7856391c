"""One GeoReport v2 service request (with the vendor's ``extended_attributes``) as a complaint record."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from collectors.contract import SourceRecord
from collectors.fields import FieldError, coordinates, instant, required, text

#: Plain Open311 status (no extensions) -> lifecycle code.
PLAIN_STATUS = {"open": "received", "closed": "closed"}

#: Satisfaction as vendors write it -> stored code.
SATISFACTION = {
    "satisfied": "satisfied",
    "满意": "satisfied",
    "basically_satisfied": "basically_satisfied",
    "基本满意": "basically_satisfied",
    "unsatisfied": "unsatisfied",
    "不满意": "unsatisfied",
}


def _as_list(value: Any, field: str) -> list:
    """A JSON array as is; XML's ``<notes><note/>…</notes>`` wrapper unwrapped."""
    if value is None:
        return []
    if isinstance(value, dict) and len(value) == 1:
        (value,) = value.values()
        return value if isinstance(value, list) else [value]
    if not isinstance(value, list):
        raise FieldError(field, f"expected a list, got {type(value).__name__}")
    return value


def _events(notes: list, tz: tzinfo) -> list[dict]:
    events = []
    for index, note in enumerate(notes):
        field = f"extended_attributes.notes[{index}]"
        if not isinstance(note, dict):
            raise FieldError(field, "expected an object")
        events.append(
            {
                "status": required(note.get("status"), f"{field}.status"),
                "occurred_at": instant(note.get("datetime"), f"{field}.datetime", tz, required=True),
                "department_code": text(note.get("department_code")),
                "note": text(note.get("summary")),
            }
        )
    events.sort(key=lambda e: e["occurred_at"])
    return events


def _first(events: list[dict], status: str):
    return next((e["occurred_at"] for e in events if e["status"] == status), None)


def _last(events: list[dict], status: str):
    return next((e["occurred_at"] for e in reversed(events) if e["status"] == status), None)


def _closed_at(events: list[dict]):
    """The last closure, unless the ticket was reopened (重办) after it: then it is open again."""
    closed, reopened = _last(events, "closed"), _last(events, "reopened")
    return None if closed is None or (reopened is not None and reopened > closed) else closed


def map_request(item: Any, tz: tzinfo) -> list[SourceRecord]:
    """The complaint record of one request; raises :class:`FieldError` naming the field it cannot read."""
    if not isinstance(item, dict):
        raise FieldError(None, f"expected a request object, got {type(item).__name__}")
    ref = required(item.get("service_request_id"), "service_request_id")
    extended = item.get("extended_attributes") or {}
    if not isinstance(extended, dict):
        raise FieldError("extended_attributes", "expected an object")
    plain = text(item.get("status"))
    status = text(extended.get("lifecycle_status")) or PLAIN_STATUS.get((plain or "").lower(), plain)
    if status is None:
        raise FieldError("status", "is missing")
    events = _events(_as_list(extended.get("notes"), "extended_attributes.notes"), tz)
    updated_at = instant(item.get("updated_datetime"), "updated_datetime", tz, required=True)
    closed_at = _closed_at(events)
    if closed_at is None and not events and status == "closed":
        closed_at = updated_at  # plain Open311 says when it last changed, and a closed request changed last by closing
    satisfaction = text(extended.get("satisfaction"))
    lon, lat = coordinates(item.get("long"), item.get("lat"), "long", "lat")
    data = {
        "category": text(item.get("service_code")),
        "category_name": text(item.get("service_name")),
        "channel": text(extended.get("channel")),
        "status": status,
        "description": text(item.get("description")),
        "address": text(item.get("address")),
        "department_code": text(extended.get("department_code")),
        "lon": lon,
        "lat": lat,
        "requested_at": instant(item.get("requested_datetime"), "requested_datetime", tz, required=True),
        "assigned_at": _first(events, "dispatched"),
        "closed_at": closed_at,
        "due_at": instant(item.get("expected_datetime"), "expected_datetime", tz),
        "revisited_at": _last(events, "revisited"),
        "updated_at": updated_at,
        "satisfaction": SATISFACTION.get(satisfaction, satisfaction),
        "returned_count": sum(e["status"] == "returned" for e in events),
        "extended_count": sum(e["status"] == "extended" for e in events),
        "reopened_count": sum(e["status"] == "reopened" for e in events),
        "events": events,
    }
    return [SourceRecord(ref, data, item)]
