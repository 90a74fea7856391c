"""One GeoReport v2 service request, in any of the dialects real servers speak, as a complaint record.

Notes (the request's history) are read from the top level (``notes[]``) or from the vendor's
``extended_attributes.notes[]``; each note's kind is its ``status`` or its ``type`` and becomes a lifecycle
step through :data:`NOTE_TYPES` (a feed's ``note_types`` option overrides or extends it). A note of a kind
the table does not know is kept in the record's details and counted as unread. Spec fields no complaint
column holds (``status_notes``, ``service_notice``, ``media_url``, ``address_id``, parent and duplicate
references, vendor attributes) are kept in the record's ``details`` (JSON).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import tzinfo
from functools import cached_property, lru_cache
from typing import Any, Literal

from jsonpath_ng.ext import parse as parse_jsonpath
from pydantic import BaseModel, ConfigDict, Field, field_validator

from collectors.contract import SourceRecord
from collectors.fields import FieldError, coordinates, instant, required, text
from collectors.records import LIFECYCLE
from collectors.unread import ReadPaths, path_of

#: Note kinds (a note's ``status`` or ``type``, normalised: lower case, spaces and hyphens as ``_``) ->
#: lifecycle step; "" reads the note without making it a step. Lifecycle codes stand for themselves.
NOTE_TYPES: dict[str, str] = {
    **{code: code for code in LIFECYCLE},
    "open": "received",
    "opened": "received",
    "created": "received",
    "submitted": "received",
    "new": "received",
    "assigned": "dispatched",
    "transferred": "dispatched",
    "follow_on_created": "dispatched",  # a follow-on work order for a department: the request is dispatched
    "acknowledged": "accepted",
    "in_progress": "accepted",
    "activity": "accepted",  # a department worked on it
    "resolved": "closed",
    "completed": "closed",
    "reopen": "reopened",
    "follow_on_closed": "",  # the follow-on order closed, not the request
    "comment": "",
    "note": "",
    "status_change": "",  # a generic kind: the note's status says which step
}

#: Which key of a note gives its kind, in order.
NOTE_KIND_KEYS = ("status", "type")

#: Satisfaction as vendors write it -> stored code.
SATISFACTION = {
    "satisfied": "satisfied",
    "满意": "satisfied",
    "basically_satisfied": "basically_satisfied",
    "基本满意": "basically_satisfied",
    "unsatisfied": "unsatisfied",
    "dissatisfied": "unsatisfied",
    "不满意": "unsatisfied",
}

#: Complaint field -> where GeoReport servers put it (the first present wins); ``fields`` overrides one.
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "category": ("service_code",),
    "category_name": ("service_name",),
    "channel": ("extended_attributes.channel",),
    "status": ("extended_attributes.lifecycle_status", "status"),
    "description": ("description",),
    "address": ("address",),
    "department_code": ("extended_attributes.department_code", "agency_responsible"),
    "lon": ("long",),
    "lat": ("lat",),
    "requested_at": ("requested_datetime",),
    "updated_at": ("updated_datetime",),
    "due_at": ("expected_datetime",),
    "satisfaction": ("extended_attributes.satisfaction",),
}

#: Detail -> where servers put it; kept in the record's ``details`` when present.
DETAIL_PATHS: dict[str, tuple[str, ...]] = {
    "status_notes": ("status_notes",),
    "service_notice": ("service_notice",),
    "media_url": ("media_url", "media_urls"),
    "address_id": ("address_id",),
    "zipcode": ("zipcode",),
    "parent_request_id": ("parent_service_request_id", "extended_attributes.parent_service_request_id"),
    "duplicate_of": ("duplicate", "duplicate_of", "extended_attributes.duplicate_of"),
    "attributes": ("attributes",),
    "vendor": ("extended_attributes",),
}

#: Extended attributes read into complaint fields (the rest are vendor details).
_EXTENDED_FIELDS = frozenset({"lifecycle_status", "channel", "department_code", "satisfaction", "notes"})

_KIND_SEPARATORS = re.compile(r"[\s\-]+")


@lru_cache(maxsize=1024)
def kind_key(value: str) -> str:
    """A note kind or status word normalised: ``"Follow-on Created "`` -> ``follow_on_created``."""
    return _KIND_SEPARATORS.sub("_", value.strip().lower())


class Open311Options(BaseModel):
    """``options`` of an ``open311`` feed (see docs/feeds.md)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "xml"] = "json"
    jurisdiction_id: str | None = None
    services: bool = Field(False, description="Read GET services first to name categories given only by code.")
    notes: str | None = Field(None, description="Notes list path (default: notes, else extended_attributes.notes).")
    note_kind: list[str] = Field(list(NOTE_KIND_KEYS), min_length=1, description="Keys of a note giving its kind.")
    note_types: dict[str, str] = Field(default_factory=dict, description="Note kind -> lifecycle step ('' = none).")
    fields: dict[str, str] = Field(default_factory=dict, description="Complaint field -> key or JSONPath.")

    @field_validator("note_types")
    @classmethod
    def _steps(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, step in value.items():
            if step and step not in LIFECYCLE:
                raise ValueError(f"{kind}: {step!r} is not a lifecycle step ({', '.join(LIFECYCLE)} or '')")
        return {kind_key(k): v for k, v in value.items()}

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for name, path in value.items():
            if name not in FIELD_PATHS:
                raise ValueError(f"{name}: not a mappable complaint field (known: {', '.join(FIELD_PATHS)})")
            _compile(path)
        return value

    @cached_property
    def table(self) -> dict[str, str]:
        return {**NOTE_TYPES, **self.note_types}


def _compile(path: str):
    try:
        return parse_jsonpath(path if path.startswith("$") else f"$.{path}")
    except Exception as exc:  # jsonpath-ng raises JsonPathParserError and bare Exceptions
        raise ValueError(f"invalid JSONPath {path!r}: {exc}") from None


def _get(item: dict, dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


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


class RequestMapper:
    """Maps requests of one feed (its options fixed) and counts what it does not read."""

    def __init__(self, options: Open311Options, tz: tzinfo) -> None:
        self.options, self.tz = options, tz
        self.unread: Counter = Counter()
        self._overrides = {name: _compile(path) for name, path in options.fields.items()}
        read = {p for paths in (*FIELD_PATHS.values(), *DETAIL_PATHS.values()) for p in paths}
        read |= {"service_request_id", "notes"} | {path_of(p) for p in options.fields.values()}
        if options.notes:
            read.add(path_of(options.notes))
        self._read = ReadPaths(read)
        self._paths = {name: [tuple(p.split(".")) for p in paths] for name, paths in FIELD_PATHS.items()}

    def value(self, item: dict, name: str) -> Any:
        """The raw value of complaint field ``name``: the feed's override, else the first default present."""
        if name in self._overrides:
            found = self._overrides[name].find(item)
            return found[0].value if found else None
        for path in self._paths[name]:
            value = item
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None and value != "" and value != [] and value != {}:
                return value
        return None

    def _notes(self, item: dict) -> tuple[str, list]:
        if self.options.notes:
            found = _compile(self.options.notes).find(item)
            value = found[0].value if found else None
            return self.options.notes, _as_list(value, self.options.notes)
        if item.get("notes") not in (None, "", [], {}):
            return "notes", _as_list(item["notes"], "notes")
        extended = item.get("extended_attributes")
        notes = extended.get("notes") if isinstance(extended, dict) else None
        return "extended_attributes.notes", _as_list(notes, "extended_attributes.notes")

    def _kind(self, note: dict) -> str | None:
        for key in self.options.note_kind:
            kind = text(note.get(key))
            if kind is not None and self.options.table.get(kind_key(kind)) != "":
                return kind
        return next((k for k in (text(note.get(key)) for key in self.options.note_kind) if k is not None), None)

    def _events(self, item: dict) -> tuple[list[dict], list[dict], list[str]]:
        """Lifecycle events, notes of unknown kinds (kept), and follow-on request ids."""
        where, notes = self._notes(item)
        events, unknown, follow_ons = [], [], []
        for index, note in enumerate(notes):
            field = f"{where}[{index}]"
            if not isinstance(note, dict):
                raise FieldError(field, "expected an object")
            kind = self._kind(note)
            step = self.options.table.get(kind_key(kind)) if kind is not None else None
            note_ext = note.get("extended_attributes") if isinstance(note.get("extended_attributes"), dict) else {}
            if note_ext.get("service_request_id") is not None:
                follow_ons.append(str(note_ext["service_request_id"]))
            summary = " — ".join(t for t in (text(note.get("summary")), text(note.get("description"))) if t)
            if step is None:
                self.unread[f"{where.split('[')[0]} of kind {kind or '(none)'!r}"] += 1
                unknown.append({"kind": kind, "datetime": text(note.get("datetime")), "note": summary or None})
                continue
            if not step:
                continue
            events.append(
                {
                    "status": step,
                    "occurred_at": instant(note.get("datetime"), f"{field}.datetime", self.tz, required=True),
                    "department_code": text(note.get("department_code") or note_ext.get("agency_responsible")),
                    "note": (summary or None) and summary[:4000],
                }
            )
        events.sort(key=lambda e: e["occurred_at"])
        return events, unknown, follow_ons

    def _status(self, item: dict, events: list[dict]) -> str:
        word = text(self.value(item, "status"))
        if word is None:
            raise FieldError("status", "is missing")
        status = self.options.table.get(kind_key(word)) or word
        if status == "received" and events and events[-1]["status"] != "closed":
            return events[-1]["status"]  # an open request is as far as its history went
        return status

    def _details(self, item: dict, unknown: list[dict], follow_ons: list[str]) -> str | None:
        details: dict[str, Any] = {}
        for name, paths in DETAIL_PATHS.items():
            for path in paths:
                value = item.get(path) if "." not in path else _get(item, path)
                if name == "vendor" and isinstance(value, dict):
                    value = {k: v for k, v in value.items() if k not in _EXTENDED_FIELDS and v not in (None, "")}
                if value not in (None, "", [], {}) and (not isinstance(value, str) or text(value)):
                    details[name] = text(value) if isinstance(value, str) else value
                    break
        if follow_ons:
            details["follow_on_requests"] = follow_ons
        if unknown:
            details["unmapped_notes"] = unknown
        return json.dumps(details, ensure_ascii=False, default=str) if details else None

    def map(self, item: Any) -> list[SourceRecord]:
        """The complaint record of one request; raises :class:`FieldError` naming the field it cannot read."""
        if not isinstance(item, dict):
            raise FieldError(None, f"expected a request object, got {type(item).__name__}")
        ref = required(item.get("service_request_id"), "service_request_id")
        extended = item.get("extended_attributes")
        if extended not in (None, "") and not isinstance(extended, dict):
            raise FieldError("extended_attributes", "expected an object")
        events, unknown, follow_ons = self._events(item)
        status = self._status(item, events)
        updated_at = instant(self.value(item, "updated_at"), "updated_datetime", self.tz, required=True)
        closed_at = _closed_at(events)
        if closed_at is None and status == "closed" and not any(e["status"] == "closed" for e in events):
            closed_at = updated_at  # plain Open311 says when it last changed; a closed request changed last by closing
        satisfaction = text(self.value(item, "satisfaction"))
        lon, lat = coordinates(self.value(item, "lon"), self.value(item, "lat"), "long", "lat")
        department = text(self.value(item, "department_code"))
        data = {
            "category": text(self.value(item, "category")),
            "category_name": text(self.value(item, "category_name")),
            "channel": text(self.value(item, "channel")),
            "status": status,
            "description": text(self.value(item, "description")),
            "address": text(self.value(item, "address")),
            "department_code": department,
            "lon": lon,
            "lat": lat,
            "requested_at": instant(self.value(item, "requested_at"), "requested_datetime", self.tz, required=True),
            "assigned_at": _first(events, "dispatched"),
            "closed_at": closed_at,
            "due_at": instant(self.value(item, "due_at"), "expected_datetime", self.tz),
            "revisited_at": _last(events, "revisited"),
            "updated_at": updated_at,
            "satisfaction": SATISFACTION.get(kind_key(satisfaction), satisfaction) if satisfaction else None,
            "returned_count": sum(e["status"] == "returned" for e in events),
            "extended_count": sum(e["status"] == "extended" for e in events),
            "reopened_count": sum(e["status"] == "reopened" for e in events),
            "events": events,
            "details": self._details(item, unknown, follow_ons),
        }
        unread = self._read.unread(item)
        if unread:
            self.unread.update(unread)
        return [SourceRecord(ref, data, item)]


def _first(events: list[dict], status: str):
    return next((e["occurred_at"] for e in events if e["status"] == status), None)


def _last(events: list[dict], status: str):
    return next((e["occurred_at"] for e in reversed(events) if e["status"] == status), None)


def _closed_at(events: list[dict]):
    """The last closure, unless the ticket was reopened (重办) after it: then it is open again."""
    closed, reopened = _last(events, "closed"), _last(events, "reopened")
    return None if closed is None or (reopened is not None and reopened > closed) else closed


#: The options of a feed that sets none (the built-in tables and paths).
DEFAULT_OPTIONS = Open311Options()


def map_request(item: Any, tz: tzinfo) -> list[SourceRecord]:
    """One request read with the default dialect table (for other protocols carrying Open311 requests)."""
    return RequestMapper(DEFAULT_OPTIONS, tz).map(item)
