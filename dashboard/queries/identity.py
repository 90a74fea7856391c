"""Names feeds gave for reference entities that resolve to none (kept as they came, never guessed)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, literal, select, union_all

from dashboard.cache import cached
from dashboard.db.models import Complaint, Department, District, SensorHourly, ServiceType, Station
from dashboard.queries.base import read_frame

#: kind -> (fact column, reference codes)
CHECKED = {
    "department": (Complaint.department_code, Department.code),
    "district": (Complaint.district_code, District.code),
    "category": (Complaint.category, ServiceType.code),
    "station": (SensorHourly.station_code, Station.code),
}


@cached
def unresolved(engine: Engine) -> pd.DataFrame:
    """Per kind and name found in the facts but in no reference table nor alias: ``kind``, ``name``, ``rows``."""
    parts = [
        select(literal(kind).label("kind"), column.label("name"), func.count().label("rows"))
        .where(column.is_not(None), column.not_in(select(codes)))
        .group_by(column)
        for kind, (column, codes) in CHECKED.items()
    ]
    frame = read_frame(engine, union_all(*parts))
    return frame.sort_values(["kind", "rows"], ascending=[True, False], ignore_index=True)
