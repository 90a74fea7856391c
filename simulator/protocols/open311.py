"""Open311 GeoReport v2: services and service requests (JSON and XML), with vendor extended attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from flask import Blueprint, Response, request

from simulator.dynamics import texts
from simulator.dynamics.complaints import (
    CHANNELS,
    CLOSED,
    EVENTS,
    EXTENDED,
    REVISITED,
    SATISFACTION,
    SATISFACTION_ZH,
    STATUS_ZH,
    latest_event,
)
from simulator.faults import RecordSpec
from simulator.protocols.common import BadRequest, int_param, json_response, request_faults
from simulator.state import SimState
from simulator.timefmt import DAY_S, iso_local, parse_instant

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

    def _notes(self, table, row: int, latest: int, skew: int) -> list[dict]:
        events, dept = table["events"][row], table["dept"][row]
        times = iso_local(events[: latest + 1] + skew)
        notes = []
        for column in range(latest + 1):
            if events[column] == np.iinfo(np.int64).max:
                continue
            status = EVENTS[column]
            name = self.departments[int(dept[column])]["name_zh"]
            summary = {
                0: f"市民通过{CHANNEL_ZH[CHANNELS[int(table['channel'][row])]]}反映诉求，已受理",
                1: f"派单至{name}",
                2: f"{name}已签收",
                3: f"{name}退回：{texts.RETURN_REASONS[int(table['reason'][row])]}",
                4: f"改派至{name}",
                5: f"{name}已签收",
                6: f"{name}申请延期，办结时限延至{iso_local(table['final_deadline'][row : row + 1] + skew)[0][:10]}",
                7: f"{name}已办结：{texts.RESULTS[int(table['result'][row])]}",
                8: f"回访：{SATISFACTION_ZH.get(self._satisfaction(table, row, latest) or '', '')}",
            }[column]
            notes.append(
                {
                    "datetime": times[column],
                    "type": "status_change",
                    "status": status,
                    "status_zh": STATUS_ZH[status],
                    "department_code": self.departments[int(dept[column])]["code"],
                    "summary": summary,
                }
            )
        return notes

    @staticmethod
    def _satisfaction(table, row: int, latest: int) -> str | None:
        value = int(table["satisfaction"][row])
        return SATISFACTION[value] if latest >= REVISITED and value >= 0 else None

    def record(self, table, row: int, latest: int, now_skew: int, extensions: bool) -> dict:
        kind = self.types[int(table["category"][row])]
        dept = self.departments[int(table["dept"][row][latest])]
        sub = self.subdistricts[int(table["sub"][row])]
        events = table["events"][row]
        deadline = (
            table["final_deadline"][row]
            if latest >= EXTENDED and events[EXTENDED] <= events[latest]
            else table["deadline"][row]
        )
        requested, updated, expected = iso_local(np.array([events[0], events[latest], deadline]) + now_skew)
        closed = latest >= CLOSED
        record = {
            "service_request_id": str(table["id"][row]),
            "status": "closed" if closed else "open",
            "status_notes": f"已办结：{texts.RESULTS[int(table['result'][row])]}" if closed else "",
            "service_name": kind["name_zh"],
            "service_code": kind["service_code"],
            "description": str(table["description"][row]),
            "agency_responsible": dept["name_zh"],
            "service_notice": f"办结时限{kind['deadline_days']}天",
            "requested_datetime": requested,
            "updated_datetime": updated,
            "expected_datetime": expected,
            "address": str(table["address"][row]),
            "address_id": str(sub["code"]),
            "zipcode": f"3140{self.district_index[sub['parent_code']] + 1:02d}",
            "lat": float(table["lat"][row]),
            "long": float(table["lon"][row]),
            "media_url": "",
        }
        if extensions:
            status = EVENTS[latest]
            record["extended_attributes"] = {
                "lifecycle_status": status,
                "status_zh": STATUS_ZH[status],
                "channel": CHANNELS[int(table["channel"][row])],
                "department_code": dept["code"],
                "satisfaction": self._satisfaction(table, row, latest),
                "notes": self._notes(table, row, latest, now_skew),
            }
        return record

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
            closed = latest >= CLOSED
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
        skew = request_faults().skew
        return (
            [self.record(table, int(r), int(v), skew, extensions) for r, v in zip(rows, latest, strict=True)],
            rows,
            latest,
        )


def create_blueprint(state: SimState) -> Blueprint:
    """The ``/open311/v2`` endpoints."""
    bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
    api = Open311(state)

    def serve(records: list[dict], rows: np.ndarray, latest: np.ndarray, fmt: str) -> Response:
        out, malformed = request_faults().apply(records, SPEC)
        state.ledger.mark("open311", rows, latest, width=len(EVENTS), malformed=malformed)
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
