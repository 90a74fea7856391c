"""Turn validated records into rows of their domain's table and store them (one call per batch)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection

from collectors import geoquality
from dashboard.db import identity, published, rollups
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
    """District, sub-district and H3 cell of each complaint; swapped coordinates corrected, odd points flagged."""
    if locator is None or locator.empty:
        return
    checked = geoquality.assess(
        [r["lon"] for r in rows],
        [r["lat"] for r in rows],
        geoquality.within_districts(lambda lons, lats: locator.locate(lons, lats).district),
    )
    located = locator.locate(checked.lons, checked.lats)
    for i, row in enumerate(rows):
        row["lon"], row["lat"], row["location_flag"] = checked.lons[i], checked.lats[i], checked.flags[i]
        row["district_code"] = row.get("district_code") or located.district[i]
        row["subdistrict_code"] = row.get("subdistrict_code") or located.subdistrict[i]
        row["h3"] = located.h3[i]


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
    *,
    timezone: str,
    checkpoint: Callable[[], None] | None = None,
) -> UpsertCounts:
    """Upsert validated ``records`` (rows from :func:`collectors.runner.validate`, or record models) of
    ``domain`` under ``source`` and refresh the rollups they touch (local days in the city's ``timezone``).

    Complaint lifecycle events go to their own table. ``checkpoint`` is called between the upserts and the
    rollups (where the runner's fault hook crashes runs in tests).
    """
    table, version = TABLES[domain]
    events: list[dict] = []
    records = _as_rows(records)
    if domain == "complaints":
        rows, events = _complaint_rows(records, source, now, locator)
    else:
        rows = [{**record, "source": source} for record in records]
    identity.resolve(conn, domain, rows + events)
    figures = UpsertCounts()
    if domain == "sensors":
        rows, figures = published.divert(conn, rows)
    hours = rollups.hours_of(domain, rows)
    if version is not None:
        hours |= rollups.stored_hours(conn, domain, source, [row["source_id"] for row in rows])
    counts = upsert(conn, table, rows, version=version)
    if events:
        upsert(conn, ComplaintEvent.__table__, events, key=("source", "ticket_id", "status", "occurred_at"))
    if checkpoint is not None:
        checkpoint()
    if counts.new or counts.updated:
        rollups.refresh(conn, domain, hours, timezone)
    return UpsertCounts(counts.new + figures.new, counts.updated + figures.updated,
                        counts.unchanged + figures.unchanged)
