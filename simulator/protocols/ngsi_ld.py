"""NGSI-LD (ETSI GS CIM 009) ``/ngsi-ld/v1``: entity and temporal queries over the same observations as the
NGSI v2 endpoint, in linked-data form, as Orion-LD, Scorpio and Stellio serve them.

``GET /entities?type&q&limit&offset&count=true&options=keyValues`` answers normalized entities (Property,
GeoProperty, Relationship, ``observedAt``, ``unitCode``) with ``NGSILD-Results-Count``;
``GET /temporal/entities?type&timerel&timeAt&endTimeAt`` answers one entity per station or road segment whose
properties are arrays of instances. Every response carries the ``@context`` in a ``Link`` header: the one the
request linked, else the core context. (The ledger of served records counts the NGSI v2 feeds only.)
"""

from __future__ import annotations

import json

import numpy as np
from flask import Blueprint, Response, request

from simulator.protocols.common import BadRequest, int_param, json_response
from simulator.protocols.ngsi import UNIT_CODES, _as_array, _entity_types, _parse_query, _select
from simulator.state import SimState

CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
#: Most observations one temporal query may gather (narrower time ranges beyond).
MAX_TEMPORAL_ROWS = 20_000
_STATIC = ("location", "address", "typeOfLocation", "laneDirection")


def _problem(status: int, kind: str, detail: str) -> Response:
    """An error body as NGSI-LD's ProblemDetails (RFC 7807)."""
    body = {"type": f"https://uri.etsi.org/ngsi-ld/errors/{kind}", "title": kind, "detail": detail}
    return json_response(body, status)


def _context_link() -> str:
    """The ``Link`` header of a response: the request's @context, else the core context."""
    link = request.headers.get("Link", "")
    if CONTEXT_REL in link and link.strip().startswith("<"):
        return link
    return f'<{CORE_CONTEXT}>; rel="{CONTEXT_REL}"; type="application/ld+json"'


def _attribute(name: str, value: object, observed_at: str) -> dict:
    """One attribute of a key-value record as an NGSI-LD attribute."""
    if name == "location":
        return {"type": "GeoProperty", "value": value}
    if name.startswith("ref"):
        return {"type": "Relationship", "object": value}
    if name.startswith("date"):
        return {"type": "Property", "value": {"@type": "DateTime", "@value": value}}
    attribute = {"type": "Property", "value": value}
    if name not in _STATIC:
        attribute["observedAt"] = observed_at
    if name in UNIT_CODES:
        attribute["unitCode"] = UNIT_CODES[name]
    return attribute


def to_ld(record: dict, time_attribute: str) -> dict:
    """A key-value record as a normalized NGSI-LD entity."""
    observed = record.get(time_attribute)
    return {
        name: value if name in ("id", "type") else _attribute(name, value, observed)
        for name, value in record.items()
    }


def create_blueprint(state: SimState, prefix: str = "/ngsi-ld/v1") -> Blueprint:
    """The NGSI-LD entity and temporal endpoints."""
    bp = Blueprint("ngsi_ld", __name__, url_prefix=prefix)
    types = _entity_types(state)

    def records(kind, rows) -> list[dict]:
        table = state.world.tables[kind.table]
        fragments = kind.render(table, rows, 0)
        names = list(fragments)
        return [
            json.loads("{" + ",".join(f'"{a}":{v}' for a, v in zip(names, values, strict=True)) + "}")
            for values in zip(*(fragments[a] for a in names), strict=True)
        ]

    def select(kind, q: str) -> np.ndarray:
        table = state.world.tables[kind.table]
        columns, ordered = kind.query_columns(table)
        n_visible = int(np.searchsorted(columns[kind.time_column], state.world.now(), side="right"))
        return _as_array(_select(_parse_query(q, columns, kind.refs), columns, ordered, n_visible))

    def kind_of(args):
        kind = types.get(args.get("type", ""))
        if kind is None:
            raise BadRequest("type must be TrafficFlowObserved or AirQualityObserved")
        return kind

    @bp.get("/entities")
    def entities():
        args = request.args
        try:
            kind = kind_of(args)
            limit = int_param(args, "limit", 20, 1, 1000)
            offset = int_param(args, "offset", 0, 0)
            rows = select(kind, args.get("q", ""))
        except BadRequest as exc:
            return _problem(400, "BadRequestData", str(exc))
        headers = {"Link": _context_link()}
        if args.get("count") == "true":
            headers["NGSILD-Results-Count"] = str(len(rows))
        page = rows[offset : offset + limit]
        found = records(kind, page)
        if "keyValues" not in args.get("options", ""):
            found = [to_ld(r, kind.time_column) for r in found]
        return json_response(found, headers=headers)

    @bp.get("/temporal/entities")
    def temporal():
        args = request.args
        try:
            kind = kind_of(args)
        except BadRequest as exc:
            return _problem(400, "BadRequestData", str(exc))
        timerel, at, end = args.get("timerel"), args.get("timeAt"), args.get("endTimeAt")
        bounds = {"before": [f"<{at}"], "after": [f">={at}"], "between": [f">={at}", f"<{end}"]}.get(timerel or "")
        if bounds is None or at is None or (timerel == "between" and end is None):
            return _problem(
                400, "BadRequestData", "give timerel (before, after or between), timeAt and, for between, endTimeAt"
            )
        q = ";".join(f"{kind.time_column}{bound}" for bound in bounds)
        try:
            rows = select(kind, ";".join(filter(None, (q, args.get("q", "")))))
        except BadRequest as exc:
            return _problem(400, "BadRequestData", str(exc))
        if len(rows) > MAX_TEMPORAL_ROWS:
            return _problem(413, "TooManyResults", f"{len(rows)} observations: narrow the time range")
        entities: dict[str, dict] = {}
        for record in records(kind, rows):
            entity_id = record["id"].rsplit(":", 1)[0]  # one entity per station or segment, not per observation
            entity = entities.setdefault(entity_id, {"id": entity_id, "type": record["type"]})
            observed = record[kind.time_column]
            for name, value in record.items():
                if name in ("id", "type") or name.startswith("date"):
                    continue
                if name in _STATIC or name.startswith("ref"):
                    entity.setdefault(name, _attribute(name, value, observed))
                else:
                    entity.setdefault(name, []).append(_attribute(name, value, observed))
        return json_response(list(entities.values()), headers={"Link": _context_link()})

    return bp
