"""FIWARE NGSI v2 ``/entities`` for TrafficFlowObserved and AirQualityObserved, as Orion serves them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from flask import Blueprint, Response, request
from shapely.geometry import mapping

from simulator.city.names import CITY_ZH
from simulator.faults import RecordSpec
from simulator.protocols.common import BadRequest, int_param, json_response, request_faults
from simulator.state import SimState
from simulator.timefmt import compact_utc, iso_utc, parse_instant

STATEMENT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
UNIT_CODES = {"pm25": "GQ", "pm10": "GQ", "no2": "GQ", "so2": "GQ", "o3": "GQ", "co": "GP"}


def _attribute_type(name: str, value: object) -> str:
    if name.startswith("date"):
        return "DateTime"
    if name == "location":
        return "geo:json"
    if name == "refRoadSegment":
        return "Relationship"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Number"
    if isinstance(value, dict):
        return "StructuredValue"
    return "Text"


def normalize(entity: dict) -> dict:
    """The normalized NGSI v2 representation of a key-value entity."""
    out = {"id": entity.get("id"), "type": entity.get("type")}
    for name, value in entity.items():
        if name in ("id", "type"):
            continue
        metadata = {"unitCode": {"value": UNIT_CODES[name]}} if name in UNIT_CODES else {}
        out[name] = {"type": _attribute_type(name, value), "value": value, "metadata": metadata}
    return out


def orion_error(status: int, error: str, description: str) -> Response:
    """An error body shaped like Orion's."""
    return json_response({"error": error, "description": description}, status)


@dataclass
class EntityType:
    """How one entity type maps onto a generated table."""

    name: str
    table: str
    feed: str
    spec: RecordSpec
    time_column: str
    columns: Callable[[object], dict[str, np.ndarray]]
    refs: dict[str, tuple[str, dict[str, int]]]
    render: Callable[[object, np.ndarray, int], list[dict]]


def _parse_query(
    q: str, columns: dict[str, np.ndarray], refs: dict[str, tuple[str, dict[str, int]]]
) -> np.ndarray | None:
    """The row mask of the simple query language (statements joined by ``;``), or None when there is no query."""
    mask = None
    for statement in filter(None, (s.strip() for s in q.split(";"))):
        match = STATEMENT.match(statement)
        if not match:
            raise BadRequest(f"invalid query statement: {statement!r}")
        attr, op, raw = match.groups()
        values = [v.strip().strip("'\"") for v in raw.split(",")]
        if attr in refs:
            column_name, codes = refs[attr]
            if op not in ("==", "!="):
                raise BadRequest(f"operator {op} is not supported for {attr}")
            wanted = [codes[v] for v in values if v in codes]
            hit = np.isin(columns[column_name], wanted)
            hit = hit if op == "==" else ~hit
        elif attr in columns:
            column = columns[attr]
            try:
                if attr.startswith("date"):
                    operands = [parse_instant(v) for v in values]
                elif column.dtype == bool:
                    operands = [{"true": True, "false": False}[v.lower()] for v in values]
                else:
                    operands = [float(v) for v in values]
            except (ValueError, KeyError):
                raise BadRequest(f"invalid value in query statement: {statement!r}") from None
            if op == "==":
                hit = np.isin(column, operands)
            elif op == "!=":
                hit = ~np.isin(column, operands)
            else:
                if len(operands) != 1:
                    raise BadRequest(f"a list is not allowed with {op}: {statement!r}")
                hit = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}[op](
                    column, operands[0]
                )
        else:
            raise BadRequest(f"unknown attribute in query: {attr!r}")
        mask = hit if mask is None else mask & hit
    return mask


def _entity_types(state: SimState) -> dict[str, EntityType]:
    world = state.world
    city = world.city
    interval = world.config.traffic_interval_minutes * 60
    roads = [r.properties for r in city.roads]
    road_codes = [str(p["code"]) for p in roads]
    lines = [mapping(r.geometry) for r in city.roads]
    air = city.stations_of("air")
    air_codes = [str(s["code"]) for s in air]
    segment_index = {c: i for i, c in enumerate(road_codes)}
    segment_index.update({f"urn:ngsi-ld:RoadSegment:{c}": i for i, c in enumerate(road_codes)})

    def traffic_columns(t) -> dict[str, np.ndarray]:
        return {
            "dateObservedFrom": t["start"],
            "dateObservedTo": t["start"] + interval,
            "dateObserved": t["start"] + interval,
            "averageVehicleSpeed": t["speed"],
            "intensity": t["intensity"],
            "occupancy": t["occupancy"],
            "congested": t["congested"],
            "segment": t["segment"],
        }

    def traffic_render(t, rows: np.ndarray, skew: int) -> list[dict]:
        starts = t["start"][rows]
        begin, end = iso_utc(starts + skew), iso_utc(starts + interval + skew)
        stamps = compact_utc(starts)
        out = []
        for i, row in enumerate(rows.tolist()):
            seg = int(t["segment"][row])
            code = road_codes[seg]
            out.append(
                {
                    "id": f"urn:ngsi-ld:TrafficFlowObserved:{code}:{stamps[i]}",
                    "type": "TrafficFlowObserved",
                    "dateObserved": f"{begin[i]}/{end[i]}",
                    "dateObservedFrom": begin[i],
                    "dateObservedTo": end[i],
                    "averageVehicleSpeed": float(t["speed"][row]),
                    "intensity": int(t["intensity"][row]),
                    "occupancy": float(t["occupancy"][row]),
                    "congested": bool(t["congested"][row]),
                    "refRoadSegment": f"urn:ngsi-ld:RoadSegment:{code}",
                    "laneDirection": "forward",
                    "address": {
                        "streetAddress": roads[seg]["name_zh"],
                        "addressLocality": CITY_ZH,
                        "addressCountry": "CN",
                    },
                    "location": lines[seg],
                }
            )
        return out

    def air_columns(t) -> dict[str, np.ndarray]:
        cols = {k: t[k] for k in ("pm25", "pm10", "no2", "so2", "o3", "co")}
        cols.update({"dateObserved": t["time"], "station": t["station"]})
        return cols

    def air_render(t, rows: np.ndarray, skew: int) -> list[dict]:
        times = t["time"][rows]
        stamps, observed = compact_utc(times), iso_utc(times + skew)
        out = []
        for i, row in enumerate(rows.tolist()):
            station = air[int(t["station"][row])]
            entity = {
                "id": f"urn:ngsi-ld:AirQualityObserved:{station['code']}:{stamps[i]}",
                "type": "AirQualityObserved",
                "dateObserved": observed[i],
            }
            entity.update({k: float(t[k][row]) for k in ("pm25", "pm10", "no2", "so2", "o3", "co")})
            entity.update(
                {
                    "refPointOfInterest": str(station["code"]),
                    "location": {"type": "Point", "coordinates": [station["lon"], station["lat"]]},
                    "address": {
                        "streetAddress": station["name_zh"],
                        "addressLocality": CITY_ZH,
                        "addressCountry": "CN",
                    },
                    "reliability": 0.9,
                    "typeOfLocation": "outdoor",
                }
            )
            out.append(entity)
        return out

    traffic_spec = RecordSpec(
        "id",
        ("id", "type", "dateObserved", "averageVehicleSpeed", "refRoadSegment", "location"),
        times=("dateObserved", "dateObservedFrom", "dateObservedTo"),
        numbers=("averageVehicleSpeed", "intensity", "occupancy"),
        geometry="location",
        bad_time="2026-02-30T25:61:00Z",
    )
    air_spec = RecordSpec(
        "id",
        ("id", "type", "dateObserved", "pm25", "refPointOfInterest", "location"),
        times=("dateObserved",),
        numbers=("pm25", "pm10", "no2", "so2", "o3", "co"),
        geometry="location",
        bad_time="2026-02-30T25:61:00Z",
    )
    return {
        "TrafficFlowObserved": EntityType(
            "TrafficFlowObserved",
            "traffic",
            "ngsi:TrafficFlowObserved",
            traffic_spec,
            "dateObservedTo",
            traffic_columns,
            {"refRoadSegment": ("segment", segment_index)},
            traffic_render,
        ),
        "AirQualityObserved": EntityType(
            "AirQualityObserved",
            "air",
            "ngsi:AirQualityObserved",
            air_spec,
            "dateObserved",
            air_columns,
            {"refPointOfInterest": ("station", {c: i for i, c in enumerate(air_codes)})},
            air_render,
        ),
    }


def create_blueprint(state: SimState, prefix: str = "/ngsi/v2") -> Blueprint:
    """The ``/ngsi/v2/entities`` endpoint."""
    bp = Blueprint("ngsi", __name__, url_prefix=prefix)
    types = _entity_types(state)

    @bp.get("/entities")
    def entities():
        args = request.args
        options = {o.strip() for o in args.get("options", "").split(",") if o.strip()}
        unknown = options - {"keyValues", "count", "values"}
        if unknown:
            return orion_error(400, "BadRequest", f"Invalid value for URI param /options/: {','.join(unknown)}")
        try:
            limit = int_param(args, "limit", 20, 1, 1000)
            offset = int_param(args, "offset", 0, 0)
        except BadRequest as exc:
            return orion_error(400, "BadRequest", f"Bad pagination: {exc}")
        name = args.get("type")
        if not name:
            return orion_error(
                400, "BadRequest", "this server needs type=TrafficFlowObserved or type=AirQualityObserved"
            )
        headers = {}
        kind = types.get(name)
        if kind is None:
            if "count" in options:
                headers["Fiware-Total-Count"] = "0"
            return json_response([], headers=headers)
        table = state.world.tables[kind.table]
        columns = kind.columns(table)
        n_visible = int(np.searchsorted(columns[kind.time_column], state.world.now(), side="right"))
        columns = {k: v[:n_visible] for k, v in columns.items()}
        try:
            mask = _parse_query(args.get("q", ""), columns, kind.refs)
        except BadRequest as exc:
            return orion_error(400, "BadRequest", str(exc))
        rows = np.arange(n_visible) if mask is None else np.flatnonzero(mask)
        order_by = args.get("orderBy", "")
        if order_by:
            attr = order_by.lstrip("!")
            if attr not in ("dateObserved", "dateObservedFrom", "dateObservedTo") or attr not in columns:
                return orion_error(400, "BadRequest", f"orderBy is supported on the observation time only: {order_by}")
            keys = columns[attr][rows]
            rows = rows[np.lexsort((rows, keys))] if not order_by.startswith("!") else rows[np.lexsort((-rows, -keys))]
        if "count" in options:
            headers["Fiware-Total-Count"] = str(len(rows))
        rows = rows[offset : offset + limit]
        faults = request_faults()
        records, malformed = faults.apply(kind.render(table, rows, faults.skew), kind.spec)
        state.ledger.mark(kind.feed, rows, malformed=malformed)
        if "keyValues" not in options:
            records = [normalize(r) for r in records]
        return json_response(records, headers=headers)

    return bp
