"""Open311 GeoReport v2: services and service requests (JSON and XML), with vendor extended attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from flask import Blueprint, Response, request

from simulator.dynamics import texts
from simulator.dynamics.complaints import (
    CHANNELS,
    EVENTS,
    EXTENDED,
    RECLOSED,
    REOPENED,
    REVISITED,
    SATISFACTION,
    SATISFACTION_ZH,
    STATUS_ZH,
    is_closed,
    latest_event,
)
from simulator.faults import RecordSpec
from simulator.protocols.common import BadRequest, int_param, json_response, request_faults
from simulator.state import SimState
from simulator.timefmt import DAY_S, MISSING, iso_local, parse_instant

CHANNEL_ZH = {"phone": "12345热线电话", "app": "政务APP", "wechat": "微信公众号", "web": "政务网站"}
SPEC = RecordSpec(
    id_field="service_request_id",
    required=("service_request_id", "status", "service_code", "requested_datetime", "updated_datetime", "lat", "long"),
    times=("requested_datetime", "updated_datetime", "expected_datetime"),
    numbers=("lat", "long"),
    lat_lon=("lat", "long"),
)


def _error(status: int, message: str, fmt: str) -> Response:
    if fmt == "xml":
        root = ET.Element("errors")
        error = ET.SubElement(root, "error")
        ET.SubElement(error, "code").text = str(status)
        ET.SubElement(error, "description").text = message
        return _xml(root, status)
    return json_response([{"code": status, "description": message}], status)


def _xml_value(parent: ET.Element, name: str, value: object) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(node, key, inner)
    elif isinstance(value, list):
        for item in value:
            _xml_value(node, name.removesuffix("s"), item)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def _xml(root: ET.Element, status: int = 200) -> Response:
    ET.indent(root)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def _records_xml(root_name: str, item_name: str, records: list[dict]) -> Response:
    root = ET.Element(root_name)
    for record in records:
        item = ET.SubElement(root, item_name)
        for key, value in record.items():
            _xml_value(item, key, value)
    return _xml(root)


class Open311:
    """Builds GeoReport v2 documents from the complaint table at the simulator's current time."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        city = state.world.city
        self.types = city.service_types
        self.departments = city.departments
        self.subdistricts = [s.properties for s in city.subdistricts]
        self.district_index = {d.properties["code"]: i for i, d in enumerate(city.districts)}

    def services(self) -> list[dict]:
        return [
            {
                "service_code": t["service_code"],
                "service_name": t["name_zh"],
                "description": f"{t['name_zh']}（{t['name_en']}），承办单位："
                f"{next(d['name_zh'] for d in self.departments if d['code'] == t['department_code'])}",
                "metadata": False,
                "type": "realtime",
                "keywords": str(t["name_en"]).lower(),
                "group": t["group"],
            }
            for t in self.types
        ]

    def _notes(self, page: dict, i: int, latest: int, dept_names: list[str], dept_codes: list[str]) -> list[dict]:
        events, times = page["events"][i], page["times"][i]
        notes = []
        for column in range(latest + 1):
            if events[column] == MISSING:
                continue
            status = EVENTS[column]
            summary = self._summary(page, i, column, dept_names[column], latest)
            notes.append(
                {
                    "datetime": times[column],
                    "type": "status_change",
                    "status": status,
                    "status_zh": STATUS_ZH[status],
                    "department_code": dept_codes[column],
                    "summary": summary,
                }
            )
        return notes

    def _summary(self, page: dict, i: int, column: int, name: str, latest: int) -> str:
        if column == 0:
            return f"市民通过{CHANNEL_ZH[CHANNELS[page['channel'][i]]]}反映诉求，已受理"
        if column in (1, 4):
            return f"{'派单至' if column == 1 else '改派至'}{name}"
        if column in (2, 5):
            return f"{name}已签收"
        if column == 3:
            return f"{name}退回：{texts.RETURN_REASONS[page['reason'][i]]}"
        if column == 6:
            return f"{name}申请延期，办结时限延至{page['final_deadline_text'][i][:10]}"
        if column == 7:
            return f"{name}已办结：{texts.RESULTS[page['result'][i]]}"
        if column == REOPENED:
            return f"回访不满意，重办：再次派至{name}"
        if column == RECLOSED:
            return f"{name}重办后已办结"
        return f"回访：{SATISFACTION_ZH.get(self._satisfaction(page['satisfaction'][i], latest) or '', '')}"

    @staticmethod
    def _satisfaction(value: int, latest: int) -> str | None:
        return SATISFACTION[value] if latest >= REVISITED and value >= 0 else None

    def records(self, table, rows: np.ndarray, latest: np.ndarray, skew: int, extensions: bool) -> list[dict]:
        """The GeoReport records of ``rows`` at their ``latest`` event (columns converted once per page)."""
        n = len(rows)
        if n == 0:
            return []
        events = table["events"][rows]
        latest_list = latest.tolist()
        closed_list = is_closed(latest).tolist()
        updated = events[np.arange(n), latest]
        extended = (latest >= EXTENDED) & (events[:, EXTENDED] <= updated)
        deadline = np.where(extended, table["final_deadline"][rows], table["deadline"][rows])
        stamps = iso_local(np.column_stack([events[:, 0], updated, deadline]).ravel() + skew)
        page = {
            name: table[name][rows].tolist()
            for name in ("id", "category", "sub", "lat", "lon", "result", "address", "description", "channel",
                         "satisfaction", "reason")
        }
        dept = table["dept"][rows].tolist()
        if extensions:
            page["events"] = events.tolist()
            visible = np.where(events == MISSING, 0, events) + skew
            page["times"] = np.reshape(iso_local(visible.ravel()), events.shape).tolist()
            page["final_deadline_text"] = iso_local(table["final_deadline"][rows] + skew)
        out = []
        for i in range(n):
            last = latest_list[i]
            kind = self.types[page["category"][i]]
            department = self.departments[dept[i][last]]
            sub = self.subdistricts[page["sub"][i]]
            closed = closed_list[i]
            record = {
                "service_request_id": str(page["id"][i]),
                "status": "closed" if closed else "open",
                "status_notes": f"已办结：{texts.RESULTS[page['result'][i]]}" if closed else "",
                "service_name": kind["name_zh"],
                "service_code": kind["service_code"],
                "description": str(page["description"][i]),
                "agency_responsible": department["name_zh"],
                "service_notice": f"办结时限{kind['deadline_days']}天",
                "requested_datetime": stamps[3 * i],
                "updated_datetime": stamps[3 * i + 1],
                "expected_datetime": stamps[3 * i + 2],
                "address": str(page["address"][i]),
                "address_id": str(sub["code"]),
                "zipcode": f"3140{self.district_index[sub['parent_code']] + 1:02d}",
                "lat": page["lat"][i],
                "long": page["lon"][i],
                "media_url": "",
            }
            if extensions:
                status = EVENTS[last]
                departments = [self.departments[d] for d in dept[i]]
                record["extended_attributes"] = {
                    "lifecycle_status": status,
                    "status_zh": STATUS_ZH[status],
                    "channel": CHANNELS[page["channel"][i]],
                    "department_code": department["code"],
                    "satisfaction": self._satisfaction(page["satisfaction"][i], last),
                    "notes": self._notes(
                        page, i, last, [d["name_zh"] for d in departments], [d["code"] for d in departments]
                    ),
                }
            out.append(record)
        return out

    def query(self, args) -> tuple[list[dict], np.ndarray, np.ndarray]:
        """Requests matching the GeoReport parameters: (records, table rows, latest event per row)."""
        now = self.state.world.now()
        table = self.state.world.tables["complaints"]
        try:
            end = parse_instant(args["end_date"]) if args.get("end_date") else now
            start = parse_instant(args["start_date"]) if args.get("start_date") else end - 90 * DAY_S
        except ValueError as exc:
            raise BadRequest(f"start_date/end_date must be ISO 8601 date-times: {exc}") from None
        page = int_param(args, "page", 1, 1)
        size = int_param(args, "page_size", 100, 1, 1000)
        latest = latest_event(table["events"], now)
        updated = table["events"][np.arange(len(latest)), np.maximum(latest, 0)]
        keep = (latest >= 0) & (updated >= start) & (updated < end)
        if args.get("status"):
            wanted = {s.strip() for s in args["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                raise BadRequest("status must be open, closed or both")
            closed = is_closed(latest)
            keep &= (closed & ("closed" in wanted)) | (~closed & ("open" in wanted))
        if args.get("service_code"):
            codes = [t["service_code"] for t in self.types]
            wanted_codes = [codes.index(c) for c in args["service_code"].split(",") if c in codes]
            keep &= np.isin(table["category"], wanted_codes)
        rows = np.flatnonzero(keep)
        rows = rows[np.lexsort((rows, updated[rows]))][(page - 1) * size : page * size]
        return self._render(table, rows, latest[rows], args)

    def one(self, request_id: str, args) -> tuple[list[dict], np.ndarray, np.ndarray]:
        table = self.state.world.tables["complaints"]
        rows = np.flatnonzero(table["id"] == request_id)
        latest = latest_event(table["events"][rows], self.state.world.now())
        rows, latest = rows[latest >= 0], latest[latest >= 0]
        return self._render(table, rows, latest, args)

    def _render(self, table, rows, latest, args):
        extensions = args.get("extensions", "").lower() == "true"
        return self.records(table, rows, latest, request_faults().skew, extensions), rows, latest


def create_blueprint(state: SimState) -> Blueprint:
    """The ``/open311/v2`` endpoints."""
    bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
    api = Open311(state)
    state.ledger.identify("open311", lambda rows: state.world.tables["complaints"]["id"][rows].astype(str).tolist())

    def serve(records: list[dict], rows: np.ndarray, latest: np.ndarray, fmt: str) -> Response:
        out, malformed = request_faults().apply(records, SPEC)
        times = state.world.tables["complaints"]["events"][rows, latest]
        state.ledger.mark("open311", rows, latest, width=len(EVENTS), malformed=malformed, times=times)
        return _records_xml("service_requests", "request", out) if fmt == "xml" else json_response(out)

    @bp.get("/services.<fmt>")
    def services(fmt: str):
        if fmt not in ("json", "xml"):
            return _error(404, f"unknown format {fmt}", "json")
        return _records_xml("services", "service", api.services()) if fmt == "xml" else json_response(api.services())

    @bp.get("/requests.<fmt>")
    def requests(fmt: str):
        if fmt not in ("json", "xml"):
            return _error(404, f"unknown format {fmt}", "json")
        try:
            return serve(*api.query(request.args), fmt)
        except BadRequest as exc:
            return _error(400, str(exc), fmt)

    @bp.get("/requests/<request_id>.<fmt>")
    def one(request_id: str, fmt: str):
        if fmt not in ("json", "xml"):
            return _error(404, f"unknown format {fmt}", "json")
        records, rows, latest = api.one(request_id, request.args)
        if not records:
            return _error(404, f"service request {request_id} not found", fmt)
        return serve(records, rows, latest, fmt)

    return bp
