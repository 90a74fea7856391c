"""Complaint locations at ingest: swapped lat/lon corrected, (0, 0) and far-away points flagged, all kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from collectors.sinks import store
from dashboard.db.models import Complaint
from dashboard.geo.locator import DistrictLocator
from dashboard.geo.reference import load_reference_data

CITY = Path(__file__).resolve().parents[2] / "data" / "city"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _complaint(ref: str, lon: float, lat: float) -> dict:
    return {"source_id": ref, "category": "noise", "category_name": None, "channel": None, "status": "received",
            "description": None, "address": None, "department_code": None, "district_code": None,
            "subdistrict_code": None, "lon": lon, "lat": lat, "requested_at": NOW, "assigned_at": None,
            "closed_at": None, "due_at": None, "revisited_at": None, "updated_at": NOW, "satisfaction": None,
            "returned_count": 0, "extended_count": 0, "events": []}


def test_swapped_null_island_and_outside_points(sqlite_engine):
    with sqlite_engine.begin() as conn:
        load_reference_data(conn, CITY)
        locator = DistrictLocator.from_connection(conn)
        store(conn, "complaints", "test", [
            _complaint("ok", 120.62, 30.90),
            _complaint("swapped", 30.90, 120.62),
            _complaint("zero", 0.0, 0.0),
            _complaint("far", 116.40, 39.90),
        ], NOW, locator, timezone="Asia/Shanghai")
        rows = {r.source_id: r for r in conn.execute(select(Complaint)).all()}
    assert rows["ok"].location_flag is None and rows["ok"].district_code
    assert rows["swapped"].location_flag == "swapped"
    assert (rows["swapped"].lon, rows["swapped"].lat) == (120.62, 30.90)
    assert rows["swapped"].district_code == rows["ok"].district_code
    assert rows["zero"].location_flag == "null_island" and rows["zero"].district_code is None
    assert rows["far"].location_flag == "outside_city"
