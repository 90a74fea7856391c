"""SensorThings Datastreams (with expanded Thing and ObservedProperty) and Observations as sensor readings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from urllib.parse import quote

from collectors.contract import SourceRecord
from collectors.fields import FieldError, number, required, text
from collectors.timeparse import parse_period

#: Longest stored quality flag (``sensor_reading.quality``).
MAX_QUALITY_CHARS = 32


@dataclass(frozen=True)
class Stream:
    """What every observation of one datastream shares."""

    id: str
    observed_property: str
    station_code: str
    quantity: str
    unit: str | None
    path: str  # Datastreams(<id>), the id quoted (and percent-encoded) when it is a string


def describe(datastream: Any, station_property: str, quantities: dict[str, str]) -> Stream:
    """The station, quantity and unit of a datastream.

    The station is ``Thing.properties[station_property]``, else the Thing's name (else the
    FeatureOfInterest's name); the quantity is the ObservedProperty's name (else the datastream's name)
    mapped through ``quantities``; the unit is ``unitOfMeasurement.symbol``.
    """
    if not isinstance(datastream, dict):
        raise FieldError(None, f"expected a Datastream object, got {type(datastream).__name__}")
    raw_id = datastream.get("@iot.id")
    stream_id = required(raw_id, "@iot.id")
    quoted = stream_id if isinstance(raw_id, int) else quote("'{}'".format(stream_id.replace("'", "''")), safe="'")
    path = f"Datastreams({quoted})"
    thing = datastream.get("Thing") or {}
    properties = thing.get("properties") or {}
    station = (
        text(properties.get(station_property))
        or text(thing.get("name"))
        or text((datastream.get("FeatureOfInterest") or {}).get("name"))
    )
    if station is None:
        raise FieldError("Thing", f"has neither properties.{station_property} nor a name")
    observed = text((datastream.get("ObservedProperty") or {}).get("name")) or text(datastream.get("name"))
    if observed is None:
        raise FieldError("ObservedProperty", "has no name")
    unit = datastream.get("unitOfMeasurement") or {}
    symbol = text(unit.get("symbol")) or text(unit.get("name"))
    return Stream(stream_id, observed, station, quantities.get(observed, observed), symbol, path)


def _quality(value: Any) -> str | None:
    """``resultQuality`` in string form (a DQ element's ``quality``/``status`` when it is an object)."""
    if isinstance(value, dict):
        value = value.get("quality", value.get("status", json.dumps(value, ensure_ascii=False, sort_keys=True)))
    elif isinstance(value, list):
        value = ";".join(str(v) for v in value)
    result = text(value)
    return None if result is None else result[:MAX_QUALITY_CHARS]


def map_observation(observation: Any, stream: Stream, tz: tzinfo) -> list[SourceRecord]:
    """One Observation as a reading at the end of its ``phenomenonTime``."""
    if not isinstance(observation, dict):
        raise FieldError(None, f"expected an Observation object, got {type(observation).__name__}")
    observation_id = required(observation.get("@iot.id"), "@iot.id")
    try:
        _, observed_at = parse_period(observation.get("phenomenonTime"), tz)
    except ValueError as exc:
        raise FieldError("phenomenonTime", str(exc)) from None
    data = {
        "station_code": stream.station_code,
        "quantity": stream.quantity,
        "observed_at": observed_at,
        "value": number(observation.get("result"), "result"),
        "unit": stream.unit,
        "quality": _quality(observation.get("resultQuality")),
    }
    return [SourceRecord(f"{stream.id}:{observation_id}", data, observation)]
