"""What the city's reference data holds, and which codes its facts use that the reference lacks (``city check``)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from dashboard.db.models import (
    Complaint,
    Department,
    District,
    HallTicket,
    RoadSegment,
    SensorReading,
    ServiceHall,
    ServiceType,
    Station,
    TrafficObservation,
)
from dashboard.queries.base import read_frame

#: Fact table, its code column and the reference table and code it refers to.
REFERENCES = {
    "traffic": (TrafficObservation.segment_code, RoadSegment.code),
    "sensors": (SensorReading.station_code, Station.code),
    "halls": (HallTicket.hall_code, ServiceHall.code),
    "complaints": (Complaint.category, ServiceType.code),
    "departments": (Complaint.department_code, Department.code),
}
FACTS = {"complaints": Complaint, "traffic": TrafficObservation, "sensors": SensorReading, "halls": HallTicket}


def inventory(engine: Engine) -> dict:
    """Reference rows and facts: areas per level (with population, geometry), roads, stations per kind, halls,
    departments, categories, facts per domain, and per domain the codes facts use that the reference lacks."""
    areas = read_frame(engine, select(District.code, District.name_zh, District.level, District.population,
                                      District.geometry))
    stations = read_frame(engine, select(Station.code, Station.kind, Station.district_code))
    counts = {
        "roads": select(func.count()).select_from(RoadSegment),
        "halls": select(func.count()).select_from(ServiceHall),
        "departments": select(func.count()).select_from(Department),
        "categories": select(func.count()).select_from(ServiceType),
    }
    result = {"areas": areas, "stations": stations}
    result |= {name: int(read_frame(engine, stmt).iloc[0, 0]) for name, stmt in counts.items()}
    result["facts"] = {
        name: int(read_frame(engine, select(func.count()).select_from(model)).iloc[0, 0])
        for name, model in FACTS.items()
    }
    unknown = {}
    for domain, (used, known) in REFERENCES.items():
        stmt = select(used).where(used.is_not(None), used.not_in(select(known))).distinct().order_by(used)
        unknown[domain] = read_frame(engine, stmt).iloc[:, 0].tolist()
    result["unknown"] = unknown
    return result
