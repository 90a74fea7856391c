"""Departments, districts, categories and stations named by code in one feed and by name or alias in another
are stored as one reference entity; names found nowhere are kept as they came and listed as unresolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from collectors.records import ComplaintRecord, SensorRecord
from collectors.sinks import store
from dashboard.db.models import Complaint, SensorReading
from dashboard.geo.reference import load_reference_data
from dashboard.queries import complaints, identity
from dashboard.queries.complaints import ComplaintFilter
from layouts.format import named

CITY = Path(__file__).resolve().parents[2] / "data" / "city"
T = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _ticket(ticket: str, **fields) -> ComplaintRecord:
    return ComplaintRecord(
        source_id=ticket, status="accepted", requested_at=T, due_at=T + timedelta(days=1), updated_at=T, **fields
    )


def test_codes_names_and_aliases_resolve_to_one_entity(sqlite_engine):
    with sqlite_engine.begin() as conn:
        load_reference_data(conn, CITY)
        store(
            conn,
            "complaints",
            "open311",
            [_ticket("A1", department_code="D02", district_code="339901", category="noise")],
            T,
            timezone="Asia/Shanghai",
        )
        store(
            conn,
            "complaints",
            "hotline",
            [
                _ticket("H1", department_code="住房和城乡建设局", district_code="江北区", category_name="噪声扰民"),
                _ticket("H2", department_code=" 住建局 ", district_code="江北区 "),
                _ticket("H3", department_code="某某办", district_code="江心洲"),
            ],
            T,
            timezone="Asia/Shanghai",
        )
        store(
            conn,
            "sensors",
            "air",
            [SensorRecord(source_id="r1", station_code="金桥监测站", quantity="pm25", observed_at=T, value=10.0)],
            T,
            timezone="Asia/Shanghai",
        )
        stored = {r.source_id: r for r in conn.execute(select(Complaint))}
        station = conn.execute(select(SensorReading.station_code)).scalar_one()
    assert [(stored[t].department_code, stored[t].district_code) for t in ("A1", "H1", "H2", "H3")] == [
        ("D02", "339901"),
        ("D02", "339901"),
        ("D02", "339901"),
        ("某某办", "江心洲"),
    ]
    assert (stored["H1"].category, stored["H1"].category_name) == ("noise", "噪声扰民")
    assert station == "3399A01"
    hour = ComplaintFilter(T, T + timedelta(hours=1))
    departments = complaints.by_department(sqlite_engine, hour, T + timedelta(hours=1))
    assert sorted(departments["key"]) == ["D02", "某某办"]
    assert departments.set_index("key").at["D02", "received"] == 3
    assert identity.unresolved(sqlite_engine).to_dict("records") == [
        {"kind": "department", "name": "某某办", "rows": 1},
        {"kind": "district", "name": "江心洲", "rows": 1},
    ]


def test_ticket_rows_carry_names_in_both_languages(sqlite_engine):
    with sqlite_engine.begin() as conn:
        load_reference_data(conn, CITY)
        store(
            conn,
            "complaints",
            "hotline",
            [
                _ticket("H1", department_code="住房和城乡建设局", district_code="339902", category_name="噪声扰民"),
                _ticket("H2", department_code="某某办"),
            ],
            T,
            timezone="Asia/Shanghai",
        )
    hour = ComplaintFilter(T, T + timedelta(hours=1))
    rows, total = complaints.tickets_page(sqlite_engine, hour, 0, 10, "ticket", False)
    first, second = (r._asdict() for r in rows.itertuples(index=False))
    assert [named(first, f, "zh") for f in ("district", "department", "category")] == [
        "江南区",
        "住房和城乡建设局",
        "噪声扰民",
    ]
    assert [named(first, f, "en") for f in ("district", "department", "category")] == [
        "Jiangnan District",
        "Housing and Urban-Rural Development Bureau",
        "Noise nuisance",
    ]
    assert [named(second, f, "en") for f in ("district", "department")] == ["", "某某办"]
