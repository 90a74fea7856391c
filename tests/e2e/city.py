"""What the browser tests add to the synthetic city: H3 cells, sub-districts, departments, lifecycle events
and the hourly rollups (the synthetic city writes facts straight through the models)."""

from __future__ import annotations

from datetime import timedelta

import h3
from sqlalchemy import Engine, insert, select, update

from dashboard.db import rollups
from dashboard.db.models import Complaint, ComplaintEvent, Department

DEPARTMENTS = [("D1", "城市管理局", "Urban Management Bureau"), ("D2", "住房和城乡建设局", "Housing Bureau")]
STEPS = ("received", "dispatched", "accepted", "closed", "revisited")


def enrich(engine: Engine) -> None:
    """Fill the columns and tables the views read that the synthetic city leaves empty."""
    with engine.begin() as conn:
        conn.execute(insert(Department), [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in DEPARTMENTS])
        rows = conn.execute(
            select(
                Complaint.id,
                Complaint.source,
                Complaint.source_id,
                Complaint.status,
                Complaint.category,
                Complaint.lon,
                Complaint.lat,
                Complaint.district_code,
                Complaint.requested_at,
            )
        ).all()
        events = []
        for row in rows:
            cell = h3.latlng_to_cell(row.lat, row.lon, 8) if row.lat else None
            street = "339901001" if row.district_code == "339901" and row.lon < 120.575 and row.lat < 30.875 else None
            department = "D1" if row.category == "noise" else "D2"
            conn.execute(
                update(Complaint)
                .where(Complaint.id == row.id)
                .values(h3=cell, subdistrict_code=street, department_code=department)
            )
            reached = STEPS[: STEPS.index(row.status) + 1] if row.status in STEPS else ("received", row.status)
            for k, status in enumerate(reached):
                events.append(
                    {
                        "source": row.source,
                        "ticket_id": row.source_id,
                        "status": status,
                        "occurred_at": row.requested_at + timedelta(minutes=20 * k),
                        "department_code": department,
                        "note": "<b>已处理</b>" if status == "closed" else None,
                    }
                )
        conn.execute(insert(ComplaintEvent), events)
        for domain in ("complaints", "traffic", "sensors", "halls"):
            rollups.rebuild(conn, domain)
