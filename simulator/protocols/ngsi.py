"""FIWARE NGSI v2 ``/entities`` for TrafficFlowObserved and AirQualityObserved, as Orion serves them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import chain

import numpy as np
from flask import Blueprint, Response, request
from shapely.geometry import mapping

from simulator.city.names import CITY_ZH
from simulator.faults import RecordSpec
from simulator.protocols.common import BadRequest, int_param, json_response, json_response_text, request_faults
from simulator.state import SimState
from simulator.timefmt import compact_utc, iso_utc, parse_instant

STATEMENT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
UNIT_CODES = {"pm25": "GQ", "pm10": "GQ", "no2": "GQ", "so2": "GQ", "o3": "GQ", "co": "GP"}
POLLUTANTS = ("pm25", "pm10", "no2", "so2", "o3", "co")


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


def _json(value: object) -> str:
    """Compact JSON text of ``value``, as :func:`json_response` writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _floats(values: np.ndarray) -> list[str]:
    return [repr(v) for v in values.tolist()]


@dataclass
class EntityType:
    """How one entity type maps onto a generated table.

    ``render`` gives, per attribute in entity order, the JSON text of each row's value (records are assembled
    from these fragments, so a page costs no dict building or encoding per record).
    """

    name: str
    table: str
    feed: str
    spec: RecordSpec
    time_column: str
    columns: Callable[[object], dict[str, np.ndarray]]
    refs: dict[str, tuple[str, dict[str, int]]]
    render: Callable[[object, np.ndarray, int], dict[str, list[str]]]
    _cached: tuple[object, dict[str, np.ndarray], frozenset[str]] | None = None

    def query_columns(self, table) -> tuple[dict[str, np.ndarray], frozenset[str]]:
        """The queryable columns of ``table`` and the names of those sorted ascending (cached per table)."""
        cached = self._cached
        if cached is None or cached[0] is not table:
            columns = self.columns(table)
            ordered = frozenset(
                k for k, v in columns.items() if k.startswith("date") and bool(np.all(v[1:] >= v[:-1]))
            )
            cached = self._cached = (table, columns, ordered)
        return cached[1], cached[2]


@dataclass(frozen=True)
class _Statement:
    attr: str
    op: str
    operands: list


def _parse_query(q: str, columns: dict[str, np.ndarray], refs: dict[str, tuple[str, dict[str, int]]]) -> list:
    """The statements of the simple query language (joined by ``;``), operands converted to column values."""
    statements = []
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
            statements.append(_Statement(column_name, op, [codes[v] for v in values if v in codes]))
            continue
        if attr not in columns:
            raise BadRequest(f"unknown attribute in query: {attr!r}")
        try:
            if attr.startswith("date"):
                operands = [parse_instant(v) for v in values]
            elif columns[attr].dtype == bool:
                operands = [{"true": True, "false": False}[v.lower()] for v in values]
            else:
                operands = [float(v) for v in values]
        except (ValueError, KeyError):
            raise BadRequest(f"invalid value in query statement: {statement!r}") from None
        if op not in ("==", "!=") and len(operands) != 1:
            raise BadRequest(f"a list is not allowed with {op}: {statement!r}")
        statements.append(_Statement(attr, op, operands))
    return statements


def _select(
    statements: list, columns: dict[str, np.ndarray], ordered: frozenset[str], n: int
) -> range | np.ndarray:
    """Rows (of the first ``n``) matching every statement: bounds on sorted columns by binary search, the
    rest as a mask over the remaining range only; a plain ``range`` when every statement was a bound."""
    lo, hi, rest = 0, n, []
    for s in statements:
        if s.attr in ordered and (s.op in (">=", ">", "<=", "<") or (s.op == "==" and len(s.operands) == 1)):
            column, value = columns[s.attr][:n], s.operands[0]
            if s.op in (">=", "==", ">"):
                lo = max(lo, int(np.searchsorted(column, value, side="right" if s.op == ">" else "left")))
            if s.op in ("<=", "==", "<"):
                hi = min(hi, int(np.searchsorted(column, value, side="left" if s.op == "<" else "right")))
        else:
            rest.append(s)
    hi = max(hi, lo)
    mask = None
    for s in rest:
        column = columns[s.attr][lo:hi]
        if s.op in ("==", "!="):
            hit = np.isin(column, s.operands)
            hit = hit if s.op == "==" else ~hit
        else:
            compare = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}[s.op]
            hit = compare(column, s.operands[0])
        mask = hit if mask is None else mask & hit
    return range(lo, hi) if mask is None else lo + np.flatnonzero(mask)


def _as_array(rows: range | np.ndarray) -> np.ndarray:
    return np.arange(rows.start, rows.stop, rows.step, dtype=np.int64) if isinstance(rows, range) else rows


def _entity_types(state: SimState) -> dict[str, EntityType]:
    world = state.world
    city = world.city
    interval = world.config.traffic_interval_minutes * 60
    roads = [r.properties for r in city.roads]
    road_codes = [str(p["code"]) for p in roads]
    air = city.stations_of("air")
    air_codes = [str(s["code"]) for s in air]
    segment_index = {c: i for i, c in enumerate(road_codes)}
    segment_index.update({f"urn:ngsi-ld:RoadSegment:{c}": i for i, c in enumerate(road_codes)})

    def address(name: object) -> str:
        return _json({"streetAddress": name, "addressLocality": CITY_ZH, "addressCountry": "CN"})

    segment_refs = [_json(f"urn:ngsi-ld:RoadSegment:{c}") for c in road_codes]
    segment_addresses = [address(p["name_zh"]) for p in roads]
    segment_lines = [_json(mapping(r.geometry)) for r in city.roads]

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

    def traffic_render(t, rows: np.ndarray, skew: int) -> dict[str, list[str]]:
        starts = t["start"][rows]
        begin, end = iso_utc(starts + skew), iso_utc(starts + interval + skew)
        segments = t["segment"][rows].tolist()
        return {
            "id": [
                f'"urn:ngsi-ld:TrafficFlowObserved:{road_codes[s]}:{stamp}"'
                for s, stamp in zip(segments, compact_utc(starts), strict=True)
            ],
            "type": ['"TrafficFlowObserved"'] * len(segments),
            "dateObserved": [f'"{b}/{e}"' for b, e in zip(begin, end, strict=True)],
            "dateObservedFrom": [f'"{b}"' for b in begin],
            "dateObservedTo": [f'"{e}"' for e in end],
            "averageVehicleSpeed": _floats(t["speed"][rows]),
            "intensity": [str(v) for v in t["intensity"][rows].tolist()],
            "occupancy": _floats(t["occupancy"][rows]),
            "congested": ["true" if v else "false" for v in t["congested"][rows].tolist()],
            "refRoadSegment": [segment_refs[s] for s in segments],
            "laneDirection": ['"forward"'] * len(segments),
            "address": [segment_addresses[s] for s in segments],
            "location": [segment_lines[s] for s in segments],
        }

    station_refs = [_json(c) for c in air_codes]
    station_points = [_json({"type": "Point", "coordinates": [s["lon"], s["lat"]]}) for s in air]
    station_addresses = [address(s["name_zh"]) for s in air]

    def air_columns(t) -> dict[str, np.ndarray]:
        cols = {k: t[k] for k in POLLUTANTS}
        cols.update({"dateObserved": t["time"], "station": t["station"]})
        return cols

    def air_render(t, rows: np.ndarray, skew: int) -> dict[str, list[str]]:
        times = t["time"][rows]
        stations = t["station"][rows].tolist()
        out = {
            "id": [
                f'"urn:ngsi-ld:AirQualityObserved:{air_codes[s]}:{stamp}"'
                for s, stamp in zip(stations, compact_utc(times), strict=True)
            ],
            "type": ['"AirQualityObserved"'] * len(stations),
            "dateObserved": [f'"{v}"' for v in iso_utc(times + skew)],
        }
        out.update({k: _floats(t[k][rows]) for k in POLLUTANTS})
        out.update(
            {
                "refPointOfInterest": [station_refs[s] for s in stations],
                "location": [station_points[s] for s in stations],
                "address": [station_addresses[s] for s in stations],
                "reliability": ["0.9"] * len(stations),
                "typeOfLocation": ['"outdoor"'] * len(stations),
            }
        )
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


def _entity_ids(kind: EntityType, state: SimState, rows: np.ndarray) -> list[str]:
    """The entity id of each of ``rows`` of ``kind``'s table."""
    return [json.loads(text) for text in kind.render(state.world.tables[kind.table], rows, 0)["id"]]


def create_blueprint(state: SimState, prefix: str = "/ngsi/v2") -> Blueprint:
    """The ``/ngsi/v2/entities`` endpoint: ``type``, ``q``, ``attrs``, ``orderBy``, paging, ``options``."""
    bp = Blueprint("ngsi", __name__, url_prefix=prefix)
    types = _entity_types(state)
    for kind in types.values():
        state.ledger.identify(kind.feed, partial(_entity_ids, kind, state))

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
        columns, ordered = kind.query_columns(table)
        n_visible = int(np.searchsorted(columns[kind.time_column], state.world.now(), side="right"))
        try:
            rows = _select(_parse_query(args.get("q", ""), columns, kind.refs), columns, ordered, n_visible)
        except BadRequest as exc:
            return orion_error(400, "BadRequest", str(exc))
        order_by = args.get("orderBy", "")
        if order_by:
            attr = order_by.lstrip("!")
            if attr not in ("dateObserved", "dateObservedFrom", "dateObservedTo") or attr not in columns:
                return orion_error(400, "BadRequest", f"orderBy is supported on the observation time only: {order_by}")
            descending = order_by.startswith("!")
            if attr in ordered:  # rows ascend and so do their times: ties keep row order either way
                rows = rows[::-1] if descending else rows
            else:
                rows = _as_array(rows)
                keys = columns[attr][rows]
                rows = rows[np.lexsort((-rows, -keys))] if descending else rows[np.lexsort((rows, keys))]
        if "count" in options:
            headers["Fiware-Total-Count"] = str(len(rows))
        rows = _as_array(rows[offset : offset + limit])
        faults = request_faults()
        fragments = kind.render(table, rows, faults.skew)
        wanted = {a.strip() for a in args.get("attrs", "").split(",") if a.strip()}
        names = [a for a in fragments if not wanted or "*" in wanted or a in ("id", "type") or a in wanted]
        members = [[f'"{a}":{v}' for v in fragments[a]] for a in names]
        members[0] = ["{" + m for m in members[0]]
        members[-1] = [m + "}" for m in members[-1]]
        if "keyValues" in options and not faults.alters_records:
            state.ledger.mark(kind.feed, rows)
            body = "[" + ",".join(chain.from_iterable(zip(*members, strict=True))) + "]"
            return json_response_text(body, headers=headers)
        records = [json.loads(",".join(parts)) for parts in zip(*members, strict=True)]
        records, malformed = faults.apply(records, kind.spec.restricted_to(names))
        state.ledger.mark(kind.feed, rows, malformed=malformed)
        if "keyValues" not in options:
            records = [normalize(r) for r in records]
        return json_response(records, headers=headers)

    return bp
