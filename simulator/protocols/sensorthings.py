"""OGC SensorThings API v1.1: Things, Locations, ObservedProperties, Datastreams and Observations."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import numpy as np
from flask import Blueprint, request

from simulator.dynamics.observations import OBSERVED_PROPERTIES, Datastream
from simulator.faults import RecordSpec
from simulator.protocols.common import BadRequest, json_response, request_faults
from simulator.state import SimState
from simulator.timefmt import iso_utc_millis, parse_instant

PREFIX = "/sta/v1.1"
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
KIND_ZH = {"air": "空气质量监测站", "noise": "声环境监测点", "water": "地表水水质监测断面"}
TIME_CLAUSE = re.compile(r"^phenomenonTime\s+(ge|gt|le|lt|eq)\s+'?([0-9T:.\-+Z]+)'?$")
DATASTREAM_CLAUSE = re.compile(r"^Datastream/@iot\.id\s+eq\s+(\d+)$")
SPEC = RecordSpec(
    "@iot.id",
    ("@iot.id", "phenomenonTime", "result"),
    times=("phenomenonTime", "resultTime"),
    numbers=("result",),
    bad_time="2026-02-30T25:61:00.000Z",
)
DEFAULT_TOP, MAX_TOP = 100, 1000


def _error(status: int, message: str):
    return json_response({"code": status, "type": "error", "message": message}, status)


def _paging(args) -> tuple[int, int, bool]:
    try:
        top = min(int(args.get("$top", DEFAULT_TOP)), MAX_TOP)
        skip = int(args.get("$skip", 0))
    except ValueError:
        raise BadRequest("$top and $skip must be integers") from None
    if top < 0 or skip < 0:
        raise BadRequest("$top and $skip must not be negative")
    return top, skip, args.get("$count", "false").lower() == "true"


def _expansions(args) -> set[str]:
    return {part.strip() for part in args.get("$expand", "").split(",") if part.strip()}


class SensorThings:
    """Renders the catalogue and the observation table as SensorThings entities."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.catalogue = state.world.catalogue
        self.properties = {q[0]: i + 1 for i, q in enumerate(OBSERVED_PROPERTIES)}

    @property
    def base(self) -> str:
        return request.host_url.rstrip("/") + PREFIX

    def thing(self, thing_id: int, expand: set[str]) -> dict:
        station = self.catalogue.things[thing_id - 1]
        link = f"{self.base}/Things({thing_id})"
        out = {
            "@iot.id": thing_id,
            "@iot.selfLink": link,
            "name": station["name_zh"],
            "description": f"{KIND_ZH[str(station['kind'])]} {station['name_en']}",
            "properties": {
                "station_code": station["code"],
                "kind": station["kind"],
                "district_code": station["district_code"],
                "name_en": station["name_en"],
            },
            "Locations@iot.navigationLink": f"{link}/Locations",
            "Datastreams@iot.navigationLink": f"{link}/Datastreams",
        }
        if "Locations" in expand:
            out["Locations"] = [self.location(thing_id)]
        return out

    def location(self, thing_id: int) -> dict:
        station = self.catalogue.things[thing_id - 1]
        return {
            "@iot.id": thing_id,
            "@iot.selfLink": f"{self.base}/Locations({thing_id})",
            "name": station["name_zh"],
            "description": f"{station['name_en']} ({station['code']})",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [station["lon"], station["lat"]]},
        }

    def observed_property(self, quantity: str) -> dict:
        index = self.properties[quantity]
        _, label, unit, symbol, _ = OBSERVED_PROPERTIES[index - 1]
        return {
            "@iot.id": index,
            "@iot.selfLink": f"{self.base}/ObservedProperties({index})",
            "name": label,
            "definition": f"urn:cityops:quantity:{quantity}",
            "description": f"{label} in {unit} ({symbol})",
        }

    def datastream(self, ds: Datastream, expand: set[str]) -> dict:
        link = f"{self.base}/Datastreams({ds.id})"
        out = {
            "@iot.id": ds.id,
            "@iot.selfLink": link,
            "name": f"{ds.station['name_zh']} {ds.label}",
            "description": f"{ds.label} at {ds.station['name_en']} ({ds.station['code']})",
            "observationType": OM_MEASUREMENT,
            "unitOfMeasurement": {"name": ds.unit_name, "symbol": ds.unit_symbol, "definition": ds.unit_definition},
            "properties": {"station_code": ds.station["code"], "quantity": ds.quantity},
            "Thing@iot.navigationLink": f"{link}/Thing",
            "ObservedProperty@iot.navigationLink": f"{link}/ObservedProperty",
            "Observations@iot.navigationLink": f"{link}/Observations",
        }
        if "Thing" in expand or "Thing/Locations" in expand:
            out["Thing"] = self.thing(ds.thing_id, {"Locations"} if "Thing/Locations" in expand else set())
        if "ObservedProperty" in expand:
            out["ObservedProperty"] = self.observed_property(ds.quantity)
        return out

    def observations(self, args, datastream_id: int | None) -> tuple[list[dict], np.ndarray, int]:
        table = self.state.world.tables["observations"]
        n_visible = int(np.searchsorted(table["time"], self.state.world.now(), side="right"))
        times, ids, ds = table["time"][:n_visible], table["id"][:n_visible], table["datastream"][:n_visible]
        mask = np.ones(n_visible, dtype=bool) if datastream_id is None else ds == datastream_id
        text = args.get("$filter", "").strip()
        for clause in filter(None, (c.strip() for c in re.split(r"\s+and\s+", text))):
            if match := TIME_CLAUSE.match(clause):
                op, value = match.groups()
                try:
                    instant = parse_instant(value)
                except ValueError:
                    raise BadRequest(f"invalid time in $filter: {value}") from None
                mask &= {"ge": np.greater_equal, "gt": np.greater, "le": np.less_equal, "lt": np.less, "eq": np.equal}[
                    op
                ](times, instant)
            elif match := DATASTREAM_CLAUSE.match(clause):
                mask &= ds == int(match.group(1))
            else:
                raise BadRequest(f"unsupported $filter clause: {clause!r}")
        rows = np.flatnonzero(mask)
        order = args.get("$orderby", "phenomenonTime asc").strip().split()
        if not order or order[0] not in ("phenomenonTime", "@iot.id") or order[1:] not in ([], ["asc"], ["desc"]):
            raise BadRequest("$orderby supports phenomenonTime or @iot.id, asc or desc")
        keys = times[rows] if order[0] == "phenomenonTime" else ids[rows]
        rows = rows[np.lexsort((ids[rows], keys))]
        if order[1:] == ["desc"]:
            rows = rows[::-1]
        top, skip, _ = _paging(args)
        total = len(rows)
        page = rows[skip : skip + top]
        expand = _expansions(args)
        skew = request_faults().skew
        stamps = iso_utc_millis(times[page] + skew)
        out = []
        for i, row in enumerate(page.tolist()):
            oid = int(ids[row])
            record = {
                "@iot.id": oid,
                "@iot.selfLink": f"{self.base}/Observations({oid})",
                "phenomenonTime": stamps[i],
                "resultTime": stamps[i],
                "result": float(table["result"][row]),
                "resultQuality": {"status": "valid", "quality": "Good"},
                "Datastream@iot.navigationLink": f"{self.base}/Observations({oid})/Datastream",
            }
            if "Datastream" in expand:
                record["Datastream"] = self.datastream(self.catalogue.datastreams[int(ds[row]) - 1], set())
            out.append(record)
        return out, page, total


def _collection(items: list[dict], args, total: int, skip: int, top: int, count: bool) -> dict:
    body: dict = {}
    if count:
        body["@iot.count"] = total
    if skip + top < total:
        params = {k: v for k, v in args.items()}
        params["$skip"] = str(skip + top)
        params["$top"] = str(top)
        body["@iot.nextLink"] = f"{request.base_url}?{urlencode(params, safe='$/:,()')}"
    body["value"] = items
    return body


def create_blueprint(state: SimState) -> Blueprint:
    """The ``/sta/v1.1`` endpoints."""
    bp = Blueprint("sensorthings", __name__, url_prefix=PREFIX)
    api = SensorThings(state)
    state.ledger.identify(
        "sta:Observations", lambda rows: state.world.tables["observations"]["id"][rows].astype(str).tolist()
    )
    catalogue = state.world.catalogue

    def listing(build, n: int):
        try:
            top, skip, count = _paging(request.args)
        except BadRequest as exc:
            return _error(400, str(exc))
        ids = range(skip + 1, min(n, skip + top) + 1)
        return json_response(_collection([build(i) for i in ids], request.args, n, skip, top, count))

    def observations(datastream_id: int | None):
        try:
            items, rows, total = api.observations(request.args, datastream_id)
            top, skip, count = _paging(request.args)
        except BadRequest as exc:
            return _error(400, str(exc))
        out, malformed = request_faults().apply(items, SPEC)
        state.ledger.mark("sta:Observations", rows, malformed=malformed)
        return json_response(_collection(out, request.args, total, skip, top, count))

    @bp.get("")
    @bp.get("/")
    def root():
        names = ["Things", "Locations", "Datastreams", "ObservedProperties", "Observations"]
        return json_response(
            {
                "value": [{"name": n, "url": f"{api.base}/{n}"} for n in names],
                "serverSettings": {"conformance": ["http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel"]},
            }
        )

    @bp.get("/Things")
    def things():
        expand = _expansions(request.args)
        return listing(lambda i: api.thing(i, expand), len(catalogue.things))

    @bp.get("/Things(<int:thing_id>)")
    def thing(thing_id: int):
        if not 1 <= thing_id <= len(catalogue.things):
            return _error(404, f"no Thing {thing_id}")
        return json_response(api.thing(thing_id, _expansions(request.args)))

    @bp.get("/Things(<int:thing_id>)/Datastreams")
    def thing_datastreams(thing_id: int):
        streams = [ds for ds in catalogue.datastreams if ds.thing_id == thing_id]
        expand = _expansions(request.args)
        return json_response({"value": [api.datastream(ds, expand) for ds in streams]})

    @bp.get("/Things(<int:thing_id>)/Locations")
    def thing_locations(thing_id: int):
        if not 1 <= thing_id <= len(catalogue.things):
            return _error(404, f"no Thing {thing_id}")
        return json_response({"value": [api.location(thing_id)]})

    @bp.get("/Locations")
    def locations():
        return listing(api.location, len(catalogue.things))

    @bp.get("/ObservedProperties")
    def observed_properties():
        return listing(lambda i: api.observed_property(OBSERVED_PROPERTIES[i - 1][0]), len(OBSERVED_PROPERTIES))

    @bp.get("/Datastreams")
    def datastreams():
        expand = _expansions(request.args)
        return listing(lambda i: api.datastream(catalogue.datastreams[i - 1], expand), len(catalogue.datastreams))

    @bp.get("/Datastreams(<int:ds_id>)")
    def datastream(ds_id: int):
        if not 1 <= ds_id <= len(catalogue.datastreams):
            return _error(404, f"no Datastream {ds_id}")
        return json_response(api.datastream(catalogue.datastreams[ds_id - 1], _expansions(request.args)))

    @bp.get("/Datastreams(<int:ds_id>)/Observations")
    def datastream_observations(ds_id: int):
        if not 1 <= ds_id <= len(catalogue.datastreams):
            return _error(404, f"no Datastream {ds_id}")
        return observations(ds_id)

    @bp.get("/Observations")
    def all_observations():
        return observations(None)

    return bp
