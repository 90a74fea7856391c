"""Reference data: districts, road segments, stations, service halls and complaint categories."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import aliased

from dashboard.cache import cached
from dashboard.db.models import Complaint, Department, District, RoadSegment, ServiceHall, ServiceType, Station
from dashboard.queries.base import read_frame

#: A hall's identity and place, as the per-hall reads return them.
HALL_COLUMNS = (
    ServiceHall.code,
    ServiceHall.name_zh,
    ServiceHall.name_en,
    ServiceHall.lon,
    ServiceHall.lat,
    ServiceHall.district_code,
)


@cached
def districts(engine: Engine, level: str = "district") -> pd.DataFrame:
    """Areas of one level ("district" or "street"): code, names, parent, population, shapely geometry."""
    stmt = (
        select(
            District.code,
            District.name_zh,
            District.name_en,
            District.parent_code,
            District.population,
            District.geometry,
        )
        .where(District.level == level)
        .order_by(District.code)
    )
    return read_frame(engine, stmt)


@cached
def road_segments(engine: Engine) -> pd.DataFrame:
    """Road segments with class, length, free-flow speed and shapely geometry."""
    stmt = select(
        RoadSegment.code,
        RoadSegment.name_zh,
        RoadSegment.name_en,
        RoadSegment.road_class,
        RoadSegment.length_m,
        RoadSegment.free_flow_kmh,
        RoadSegment.district_code,
        RoadSegment.geometry,
    ).order_by(RoadSegment.code)
    return read_frame(engine, stmt)


@cached
def stations(engine: Engine, kind: str) -> pd.DataFrame:
    """Stations of one kind (air, noise, water) with their position."""
    stmt = (
        select(
            Station.code, Station.name_zh, Station.name_en, Station.lon, Station.lat, Station.district_code
        )
        .where(Station.kind == kind)
        .order_by(Station.code)
    )
    return read_frame(engine, stmt)


@cached
def halls(engine: Engine) -> pd.DataFrame:
    """Service halls with their position."""
    stmt = select(*HALL_COLUMNS).order_by(ServiceHall.code)
    return read_frame(engine, stmt)


@cached
def departments(engine: Engine) -> pd.DataFrame:
    """Departments: code, name_zh, name_en."""
    return read_frame(engine, select(Department.code, Department.name_zh, Department.name_en).order_by(Department.code))


@cached
def categories(engine: Engine) -> pd.DataFrame:
    """Complaint categories: the configured service types plus any other category seen in complaints."""
    known = read_frame(engine, select(ServiceType.code, ServiceType.name_zh, ServiceType.name_en))
    seen = read_frame(engine, _seen_categories())
    seen = seen[~seen["code"].isin(known["code"])]
    merged = pd.concat([known, seen.assign(name_en=lambda f: f["name_zh"])], ignore_index=True)
    merged["name_zh"] = merged["name_zh"].fillna(merged["code"])
    merged["name_en"] = merged["name_en"].fillna(merged["code"])
    return merged.sort_values("code", ignore_index=True)


def _seen_categories() -> Select:
    """The categories the complaints name (code, name_zh: a name a complaint gives it, None when none does),
    read by jumping through the (category, category_name) index from one category to the next: one index lookup
    per category, however many complaints there are (a ``SELECT DISTINCT`` reads them all)."""
    following = aliased(Complaint)
    seen = select(func.min(Complaint.category).label("code")).where(Complaint.category.is_not(None))
    seen = seen.cte("seen", recursive=True)
    after = select(func.min(following.category)).where(following.category > seen.c.code).scalar_subquery()
    seen = seen.union_all(select(after.label("code")).where(seen.c.code.is_not(None)))
    named = aliased(Complaint)
    name = (
        select(named.category_name)
        .where(named.category == seen.c.code, named.category_name.is_not(None))
        .limit(1)
        .scalar_subquery()
    )
    return select(seen.c.code, name.label("name_zh")).where(seen.c.code.is_not(None))


def area(engine: Engine, code: str) -> dict | None:
    """The district (or sub-district) row: code, name_zh, name_en, parent_code, population, geometry."""
    for level in ("district", "street"):
        frame = districts(engine, level)
        match = frame[frame["code"] == code]
        if not match.empty:
            return match.iloc[0].to_dict() | {"level": level}
    return None
