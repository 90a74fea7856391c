"""Turn validated records into rows of their domain's table and store them (one call per batch)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection

from dashboard.db import rollups
from dashboard.db.models import Complaint, ComplaintEvent, HallTicket, SensorReading, TrafficObservation
from dashboard.db.upsert import UpsertCounts, upsert
from dashboard.geo.locator import DistrictLocator

#: domain -> (table, version column: newer versions overwrite, None: observations never change)
TABLES = {
    "complaints": (Complaint.__table__, "updated_at"),
    "traffic": (TrafficObservation.__table__, None),
    "sensors": (SensorReading.__table__, None),
    "halls": (HallTicket.__table__, "updated_at"),
}


def _as_rows(records: list) -> list[dict]:
    """Validated rows as they are; record model instances (as tests and tools build them) dumped."""
    return [r.model_dump() if isinstance(r, BaseModel) else r for r in records]


def _locate_complaints(rows: list[dict], locator: DistrictLocator | None) -> None:
    if locator is None or locator.empty:
        return
    located = locator.locate([r["lon"] for r in rows], [r["lat"] for r in rows])
    for row, district, street, cell in zip(rows, located.district, located.subdistrict, located.h3, strict=True):
        row["district_code"] = row.get("district_code") or district
        row["subdistrict_code"] = row.get("subdistrict_code") or street
        row["h3"] = cell
        if row.get("lon") is not None and district is None:
            row["location_flag"] = "null_island" if row["lon"] == 0 and row["lat"] == 0 else "outside_city"
        else:
            row["location_flag"] = None


def _complaint_rows(records: list[dict], source: str, now: datetime, locator) -> tuple[list, list]:
    rows, events = [], []
    for record in records:
        row = {k: v for k, v in record.items() if k != "events"}
        row.update(source=source, ingested_at=now)
        rows.append(row)
        events.extend({"source": source, "ticket_id": record["source_id"], **event} for event in record["events"])
    _locate_complaints(rows, locator)
    return rows, events


def store(
    conn: Connection,
    domain: str,
    source: str,
    records: list,
    now: datetime,
    locator: DistrictLocator | None = None,
) -> UpsertCounts:
    """Upsert validated ``records`` (rows from :func:`collectors.runner.validate`, or record models) of
    ``domain`` under ``source`` and refresh the hourly rollups they touch.

    Complaint lifecycle events go to their own table.
    """
    table, version = TABLES[domain]
    events: list[dict] = []
    records = _as_rows(records)
    if domain == "complaints":
        rows, events = _complaint_rows(records, source, now, locator)
    else:
        rows = [{**record, "source": source} for record in records]
    hours = rollups.hours_of(domain, rows)
    if version is not None:
        hours |= rollups.stored_hours(conn, domain, source, [row["source_id"] for row in rows])
    counts = upsert(conn, table, rows, version=version)
    if events:
        upsert(conn, ComplaintEvent.__table__, events, key=("source", "ticket_id", "status", "occurred_at"))
    if counts.new or counts.updated:
        rollups.refresh(conn, domain, hours)
    return counts
