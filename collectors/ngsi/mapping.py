"""NGSI entities (keyValues or normalized) as traffic, sensor and complaint records.

TrafficFlowObserved -> traffic; AirQualityObserved, NoiseLevelObserved and QueueMonitor -> sensor readings
(a queue snapshot is a gauge of the queue, not a ticket); Open311ServiceRequest -> complaints.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from collectors.contract import SourceRecord
from collectors.fields import FieldError, number, required, text
from collectors.open311.mapping import map_request
from collectors.timeparse import parse_instant, parse_period

#: AirQualityObserved attributes stored as readings, with the unit each is stored in.
POLLUTANTS = {"pm25": "µg/m³", "pm10": "µg/m³", "no2": "µg/m³", "so2": "µg/m³", "o3": "µg/m³", "co": "mg/m³"}

#: UN/CEFACT unit codes (``metadata.unitCode``) of concentrations, in mg/m³.
UNIT_CODES_MG_M3 = {"GQ": 0.001, "GP": 1.0}

#: Stored unit -> its size in mg/m³.
UNITS_MG_M3 = {"µg/m³": 0.001, "mg/m³": 1.0}

#: NoiseLevelObserved attributes stored as readings (A-weighted levels, dB(A)).
NOISE_LEVELS = {"LAeq": "laeq", "LAmax": "lamax", "LAS": "las", "LAeq_d": "laeq_d"}

#: QueueMonitor attributes stored as readings of the queue (counts and ticket numbers).
QUEUE_GAUGES = {"ticketsToServe": "queue_waiting", "lastTicketIssued": "queue_issued", "ticketServed": "queue_served"}

#: Keys an attribute in normalized form may have (some publishers leave out ``type``).
NORMALIZED_KEYS = frozenset({"type", "value", "metadata"})


def attributes(entity: dict) -> tuple[dict[str, Any], dict[str, dict]]:
    """The entity's attribute values and metadata, whether it came in keyValues or normalized form (the values
    may be the entity itself: read them, never change them)."""
    for attr in entity.values():
        if attr.__class__ is dict:
            break
    else:  # keyValues with only scalar and list values (the common case): nothing to unwrap
        return entity, {}
    values, metadata = {}, {}
    for name, attr in entity.items():
        if isinstance(attr, dict) and "value" in attr and set(attr) <= NORMALIZED_KEYS:
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


def expect_type(entity: Any, entity_type: str) -> str:
    """The entity's id, once it is known to be an object of ``entity_type``."""
    if not isinstance(entity, dict):
        raise FieldError(None, f"expected an entity object, got {type(entity).__name__}")
    got = entity.get("type")
    if got is not None and got != entity_type:
        raise FieldError("type", f"expected {entity_type}, got {got!r}")
    return required(entity.get("id"), "id")


def station_of(values: dict) -> str:
    """The station an observation belongs to: ``refPointOfInterest``, else ``refDevice``."""
    for name in ("refPointOfInterest", "refDevice"):
        if values.get(name) is not None:
            return last_part(values[name], name)
    raise FieldError("refPointOfInterest", "is missing (and so is refDevice)")


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
    entity_id = expect_type(entity, "TrafficFlowObserved")
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
    entity_id = expect_type(entity, "AirQualityObserved")
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


def _readings(
    entity: dict,
    values: dict,
    names: dict[str, str],
    unit: str | None,
    station: str,
    observed_at: datetime,
    per_observation: bool,
) -> list[SourceRecord]:
    base_id = _source_id(entity["id"], observed_at, per_observation)
    records = []
    for attribute, quantity in names.items():
        value = number(values.get(attribute), attribute)
        if value is not None:
            data = {
                "station_code": station,
                "quantity": quantity,
                "observed_at": observed_at,
                "value": value,
                "unit": unit,
            }
            records.append(SourceRecord(f"{base_id}:{quantity}", data, entity))
    if not records:
        raise FieldError("attributes", f"none of {', '.join(names)} is present")
    return records


def map_noise(entity: Any, time_attribute: str, tz: tzinfo, per_observation: bool) -> list[SourceRecord]:
    """One NoiseLevelObserved entity as one reading per sound level present (dB(A))."""
    expect_type(entity, "NoiseLevelObserved")
    values, _ = attributes(entity)
    observed_at, _ = observation_time(values, time_attribute, tz)
    return _readings(entity, values, NOISE_LEVELS, "dB(A)", station_of(values), observed_at, per_observation)


def map_queue(entity: Any, time_attribute: str, tz: tzinfo, per_observation: bool) -> list[SourceRecord]:
    """One QueueMonitor snapshot as readings of its queue (the station is the code at the end of its id)."""
    entity_id = expect_type(entity, "QueueMonitor")
    values, _ = attributes(entity)
    observed_at, _ = observation_time(values, time_attribute, tz)
    station = last_part(entity_id, "id")
    return _readings(entity, values, QUEUE_GAUGES, None, station, observed_at, per_observation)


def map_service_request(entity: Any, time_attribute: str, tz: tzinfo, per_observation: bool) -> list[SourceRecord]:
    """One Open311ServiceRequest entity as a complaint (its attributes are GeoReport v2 fields)."""
    expect_type(entity, "Open311ServiceRequest")
    values, _ = attributes(entity)
    location = values.get("location")
    coordinates = location.get("coordinates") if isinstance(location, dict) else None
    if location is not None and not (isinstance(coordinates, list) and len(coordinates) == 2):
        raise FieldError("location", "expected a GeoJSON Point")
    request = {
        **{k: v for k, v in values.items() if k not in ("location", "attributes")},
        "address": values.get("address_string")
        or (values.get("address") if isinstance(values.get("address"), str) else None),
        "long": coordinates[0] if coordinates else None,
        "lat": coordinates[1] if coordinates else None,
    }
    (record,) = map_request(request, tz)
    record.raw = entity
    return [record]


MAPPERS = {
    "TrafficFlowObserved": map_traffic,
    "AirQualityObserved": map_air_quality,
    "NoiseLevelObserved": map_noise,
    "QueueMonitor": map_queue,
    "Open311ServiceRequest": map_service_request,
}

#: The domain each entity type's records belong to.
DOMAINS = {
    "TrafficFlowObserved": "traffic",
    "AirQualityObserved": "sensors",
    "NoiseLevelObserved": "sensors",
    "QueueMonitor": "sensors",
    "Open311ServiceRequest": "complaints",
}
