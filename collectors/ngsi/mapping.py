"""NGSI v2 entities (keyValues or normalized) as traffic and sensor records."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from collectors.contract import SourceRecord
from collectors.fields import FieldError, number, required, text
from collectors.timeparse import parse_instant, parse_period

#: AirQualityObserved attributes stored as readings, with the unit each is stored in.
POLLUTANTS = {"pm25": "µg/m³", "pm10": "µg/m³", "no2": "µg/m³", "so2": "µg/m³", "o3": "µg/m³", "co": "mg/m³"}

#: UN/CEFACT unit codes (``metadata.unitCode``) of concentrations, in mg/m³.
UNIT_CODES_MG_M3 = {"GQ": 0.001, "GP": 1.0}

#: Stored unit -> its size in mg/m³.
UNITS_MG_M3 = {"µg/m³": 0.001, "mg/m³": 1.0}


def attributes(entity: dict) -> tuple[dict[str, Any], dict[str, dict]]:
    """The entity's attribute values and metadata, whether it came in keyValues or normalized form."""
    values, metadata = {}, {}
    for name, attr in entity.items():
        if isinstance(attr, dict) and "value" in attr and "type" in attr:
            values[name] = attr["value"]
            metadata[name] = attr.get("metadata") or {}
        else:
            values[name] = attr
    return values, metadata


def last_part(reference: Any, field: str) -> str:
    """The code at the end of a reference (``urn:ngsi-ld:RoadSegment:R0001`` -> ``R0001``)."""
    if isinstance(reference, list) and reference:
        reference = reference[0]
    return required(reference, field).rsplit(":", 1)[-1]


def observation_time(values: dict, time_attribute: str, tz: tzinfo) -> tuple[datetime, int | None]:
    """When the observation ends and how long it lasted: ``dateObservedFrom``/``To``, else the instant or
    interval in ``time_attribute`` (or ``dateObserved``)."""
    if values.get("dateObservedTo") is not None:
        field = "dateObservedTo"
        try:
            end = parse_instant(values["dateObservedTo"], tz)
            field = "dateObservedFrom"
            start = parse_instant(values["dateObservedFrom"], tz) if values.get("dateObservedFrom") else None
        except ValueError as exc:
            raise FieldError(field, str(exc)) from None
    else:
        field = time_attribute if values.get(time_attribute) is not None else "dateObserved"
        if values.get(field) is None:
            raise FieldError(time_attribute, "is missing")
        try:
            start, end = parse_period(values[field], tz)
        except ValueError as exc:
            raise FieldError(field, str(exc)) from None
    period = None if start is None else int((end - start).total_seconds())
    return end, period or None


def _boolean(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise FieldError(field, f"expected true or false, got {value!r}")


def _source_id(entity_id: str, observed_at: datetime, per_observation: bool) -> str:
    """Entities created per observation are their own id; entities updated in place get the time appended."""
    return entity_id if per_observation else f"{entity_id}@{observed_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def map_traffic(entity: Any, time_attribute: str, tz: tzinfo, per_observation: bool) -> list[SourceRecord]:
    """One TrafficFlowObserved entity as a traffic record."""
    if not isinstance(entity, dict):
        raise FieldError(None, f"expected an entity object, got {type(entity).__name__}")
    entity_id = required(entity.get("id"), "id")
    values, _ = attributes(entity)
    observed_at, period_s = observation_time(values, time_attribute, tz)
    data = {
        "segment_code": last_part(values.get("refRoadSegment"), "refRoadSegment"),
        "observed_at": observed_at,
        "period_s": period_s,
        "speed_kmh": number(values.get("averageVehicleSpeed"), "averageVehicleSpeed"),
        "volume": number(values.get("intensity"), "intensity"),
        "occupancy": number(values.get("occupancy"), "occupancy"),
        "congested": _boolean(values.get("congested"), "congested"),
    }
    return [SourceRecord(_source_id(entity_id, observed_at, per_observation), data, entity)]


def map_air_quality(entity: Any, time_attribute: str, tz: tzinfo, per_observation: bool) -> list[SourceRecord]:
    """One AirQualityObserved entity as one sensor reading per pollutant present."""
    if not isinstance(entity, dict):
        raise FieldError(None, f"expected an entity object, got {type(entity).__name__}")
    entity_id = required(entity.get("id"), "id")
    values, metadata = attributes(entity)
    observed_at, _ = observation_time(values, time_attribute, tz)
    station = last_part(values.get("refPointOfInterest"), "refPointOfInterest")
    base_id = _source_id(entity_id, observed_at, per_observation)
    records = []
    for quantity, unit in POLLUTANTS.items():
        value = number(values.get(quantity), quantity)
        if value is None:
            continue
        code = text((metadata.get(quantity, {}).get("unitCode") or {}).get("value"))
        if code is not None:
            if code not in UNIT_CODES_MG_M3:
                raise FieldError(f"{quantity}.metadata.unitCode", f"unknown concentration unit {code!r}")
            value = value * UNIT_CODES_MG_M3[code] / UNITS_MG_M3[unit]
        data = {"station_code": station, "quantity": quantity, "observed_at": observed_at, "value": value, "unit": unit}
        records.append(SourceRecord(f"{base_id}:{quantity}", data, entity))
    if not records:
        raise FieldError("pollutants", f"none of {', '.join(POLLUTANTS)} is present")
    return records


MAPPERS = {"TrafficFlowObserved": map_traffic, "AirQualityObserved": map_air_quality}
