"""The service-hall queue vendor's REST API (naive local times) and its FIWARE QueueMonitor snapshots."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from flask import Blueprint, request

from simulator.city.names import CITY_ZH, HALL_ITEMS
from simulator.dynamics.halls import STATUSES, opening_hours
from simulator.faults import RecordSpec
from simulator.protocols.common import BadRequest, int_param, json_response, request_faults
from simulator.protocols.ngsi import normalize
from simulator.state import SimState
from simulator.timefmt import (
    MISSING,
    day_start,
    iso_utc,
    local_day_number,
    local_hours,
    local_weekday,
    naive_local,
    to_epoch,
)

EVENT_COLUMNS = ["issued", "called", "served", "finished", "abandoned"]
SPEC = RecordSpec(
    "ticket_id",
    ("ticket_id", "hall_id", "issued_at", "status", "updated_at"),
    times=("issued_at", "called_at", "served_at", "finished_at", "updated_at"),
    numbers=("visits", "rating"),
    bad_time="2026-02-30 25:61:00",
)


def _error(status: int, message: str):
    return json_response({"error": message}, status)


def ticket_state(table, now: int) -> tuple[np.ndarray, np.ndarray]:
    """Each ticket's status index (into STATUSES, -1 before issue) and update time at ``now``."""
    events = np.column_stack([table[c] for c in EVENT_COLUMNS])
    visible = events <= now
    status = np.where(visible[:, 0], 0, -1)
    for column in (1, 2, 3, 4):
        status = np.where(visible[:, column], column, status)
    updated = events[np.arange(len(status)), np.maximum(status, 0)]
    return status, updated


class HallsApi:
    """Renders tickets and queue snapshots at the simulator's current time."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.halls = state.world.city.halls
        self.district_names = {d.properties["code"]: d.properties["name_zh"] for d in state.world.city.districts}
        self._rank: tuple[int, np.ndarray] = (-1, np.empty(0, dtype=np.int64))

    def id_rank(self, table) -> np.ndarray:
        """Rank of each ticket id in lexical order (cached per table size)."""
        if self._rank[0] != len(table):
            rank = np.empty(len(table), dtype=np.int64)
            rank[np.argsort(table["id"].astype(str), kind="stable")] = np.arange(len(table))
            self._rank = (len(table), rank)
        return self._rank[1]

    def tickets(self, args) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
        """A page of tickets: (body, table rows, status index per row, time each row's status was reached)."""
        table = self.state.world.tables["halls"]
        now = self.state.world.now()
        limit = int_param(args, "limit", 500, 1, 1000)
        offset = int_param(args, "offset", 0, 0)
        status, updated = ticket_state(table, now)
        keep = status >= 0
        hall_id = args.get("hall_id")
        if hall_id:
            codes = [h["code"] for h in self.halls]
            if hall_id not in codes:
                raise BadRequest(f"unknown hall_id {hall_id!r}")
            keep &= table["hall"] == codes.index(hall_id)
        if args.get("updated_since"):
            try:
                since = to_epoch(datetime.fromisoformat(args["updated_since"].replace("T", " ")))
            except ValueError:
                raise BadRequest("updated_since must be local time 'YYYY-MM-DD HH:MM:SS'") from None
            keep &= updated >= since
        rows = np.flatnonzero(keep)
        rows = rows[np.lexsort((self.id_rank(table)[rows], updated[rows]))]
        total = len(rows)
        page = rows[offset : offset + limit]
        skew = request_faults().skew
        times = {
            c: naive_local(np.where(table[c][page] == MISSING, 0, table[c][page]) + skew)
            for c in ("issued", "called", "served", "finished")
        }
        present = {c: (table[c][page] != MISSING).tolist() for c in ("called", "served", "finished")}
        stamp = naive_local(updated[page] + skew)
        states = status[page].tolist()
        columns = {c: table[c][page].tolist() for c in ("id", "hall", "item", "online", "window", "rating", "visits")}
        out = []
        for i, s in enumerate(states):

            def at(column: str, index: int, i=i, s=s) -> str | None:
                return times[column][i] if index <= s < 4 and present[column][i] else None

            rating = columns["rating"][i] if s == 3 else 0
            out.append(
                {
                    "ticket_id": str(columns["id"][i]),
                    "hall_id": self.halls[columns["hall"][i]]["code"],
                    "service_item": HALL_ITEMS[columns["item"][i]][0],
                    "channel": "online" if columns["online"][i] else "offline",
                    "issued_at": times["issued"][i],
                    "called_at": at("called", 1),
                    "served_at": at("served", 2),
                    "finished_at": at("finished", 3),
                    "window": f"W{columns['window'][i] + 1:02d}" if s in (1, 2, 3) else None,
                    "status": STATUSES[s],
                    "rating": rating or None,
                    "visits": int(columns["visits"][i]),
                    "updated_at": stamp[i],
                }
            )
        next_offset = offset + limit if offset + limit < total else None
        return {"tickets": out, "total": total, "next_offset": next_offset}, page, status[page], updated[page]

    def queue_monitors(self) -> list[dict]:
        table = self.state.world.tables["halls"]
        now = self.state.world.now()
        today = day_start(local_day_number(now))
        status, _ = ticket_state(table, now)
        hour = float(local_hours(np.array([now]))[0])
        weekday = int(local_weekday(np.array([now]))[0])
        out = []
        for h, hall in enumerate(self.halls):
            mine = (table["hall"] == h) & (table["issued"] >= today) & (status >= 0)
            issued = np.flatnonzero(mine)
            called = np.flatnonzero(mine & (status >= 1) & (status <= 3))
            last_called = called[np.argmax(table["called"][called])] if len(called) else None
            hours = opening_hours(h, weekday)
            is_open = hours is not None and hours[0] <= hour < hours[1]
            out.append(
                {
                    "id": f"urn:ngsi-ld:QueueMonitor:{hall['code']}",
                    "type": "QueueMonitor",
                    "dateModified": iso_utc(np.array([now]))[0],
                    "name": hall["name_zh"],
                    "alternateName": hall["name_en"],
                    "description": f"{hall['name_zh']}综合排队叫号系统",
                    "location": {"type": "Point", "coordinates": [hall["lon"], hall["lat"]]},
                    "address": {
                        "addressLocality": CITY_ZH,
                        "addressRegion": self.district_names[hall["district_code"]],
                        "addressCountry": "CN",
                    },
                    "areaServed": self.district_names[hall["district_code"]],
                    "localId": hall["code"],
                    "officeName": hall["name_zh"],
                    "serviceName": "综合窗口",
                    "serviceId": f"{hall['code']}-all",
                    "serviceStatus": "Open" if is_open else "Closed",
                    "queueLine": "综合排队",
                    "linePriority": 1,
                    "lastTicketIssued": len(issued),
                    "lastTicketIssuedLabel": str(table["id"][issued[-1]]) if len(issued) else "",
                    "ticketServed": int(str(table["id"][last_called]).rsplit("-", 1)[1])
                    if last_called is not None
                    else 0,
                    "ticketServedLabel": str(table["id"][last_called]) if last_called is not None else "",
                    "ticketsToServe": int(np.sum(mine & (status == 0))),
                }
            )
        return out


def create_blueprint(state: SimState) -> Blueprint:
    """The ``/halls`` endpoints."""
    bp = Blueprint("halls", __name__, url_prefix="/halls")
    api = HallsApi(state)
    state.ledger.identify("halls:tickets", lambda rows: state.world.tables["halls"]["id"][rows].astype(str).tolist())

    @bp.get("/api/v1/halls")
    def halls():
        return json_response(
            {
                "halls": [
                    {
                        "hall_id": h["code"],
                        "name": h["name_zh"],
                        "name_en": h["name_en"],
                        "district_code": h["district_code"],
                        "lon": h["lon"],
                        "lat": h["lat"],
                        "windows": h["windows"],
                        "opening_hours": "周一至周五 09:00-17:00" + ("，周六 09:00-12:00" if i == 0 else ""),
                    }
                    for i, h in enumerate(api.halls)
                ]
            }
        )

    @bp.get("/api/v1/tickets")
    def tickets():
        try:
            body, rows, versions, times = api.tickets(request.args)
        except BadRequest as exc:
            return _error(400, str(exc))
        body["tickets"], malformed = request_faults().apply(body["tickets"], SPEC)
        state.ledger.mark("halls:tickets", rows, versions, width=len(STATUSES), malformed=malformed, times=times)
        return json_response(body)

    @bp.get("/ngsi/v2/entities")
    def queue_monitor():
        kind = request.args.get("type")
        options = {o for o in request.args.get("options", "").split(",") if o}
        entities = api.queue_monitors() if kind in (None, "QueueMonitor") else []
        headers = {"Fiware-Total-Count": str(len(entities))} if "count" in options else None
        if "keyValues" not in options:
            entities = [normalize(e) for e in entities]
        return json_response(entities, headers=headers)

    return bp
