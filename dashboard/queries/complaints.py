"""Complaint queries: the complaint filter, counts, hourly trend, points, per-district rates, a
district's (or the city's) measures and backlog, and records with their free text for the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, or_, select

from dashboard.cache import cached
from dashboard.db.models import Complaint, ComplaintHourly, Department, ServiceType
from dashboard.kpis.complaints import on_time_rate
from dashboard.queries import deadlines
from dashboard.queries.base import read_frame, read_scalar
from dashboard.queries.reference import area, districts

#: Most complaint points sent to a map at once (newest first).
MAX_POINTS = 5000


@dataclass(frozen=True)
class ComplaintFilter:
    """Which complaints a page or the API reads: received in [start, end), and the optional filters."""

    start: datetime
    end: datetime
    district: str | None = None
    category: str | None = None
    status: str | None = None
    department: str | None = None


def category_is(code: str):
    """Complaints of a category, by its code or (hotline rows carry names only) by its Chinese name."""
    names = select(ServiceType.name_zh).where(ServiceType.code == code).scalar_subquery()
    return or_(Complaint.category == code, Complaint.category.is_(None) & (Complaint.category_name == names))


def department_is(code: str):
    """Complaints handled by a department, by its code or its Chinese name."""
    names = select(Department.name_zh).where(Department.code == code).scalar_subquery()
    return or_(Complaint.department_code == code, Complaint.department_code == names)


def filtered(stmt, sel: ComplaintFilter, located: bool = False, time=Complaint.requested_at):
    """``stmt`` restricted to the filter (``time`` in its period; ``located``: usable map points only)."""
    stmt = stmt.where(time >= sel.start, time < sel.end)
    if sel.district:
        stmt = stmt.where(Complaint.district_code == sel.district)
    if sel.category:
        stmt = stmt.where(category_is(sel.category))
    if sel.status:
        stmt = stmt.where(Complaint.status == sel.status)
    if sel.department:
        stmt = stmt.where(department_is(sel.department))
    if located:
        stmt = stmt.where(Complaint.lon.is_not(None), Complaint.lat.is_not(None), Complaint.location_flag.is_(None))
    return stmt


def _filters(stmt, district: str | None, category: str | None):
    if district:
        stmt = stmt.where(Complaint.district_code == district)
    if category:
        stmt = stmt.where(Complaint.category == category)
    return stmt


@cached
def count_received(engine: Engine, start: datetime, end: datetime) -> int:
    """Complaints received in [start, end)."""
    stmt = select(func.count()).where(Complaint.requested_at >= start, Complaint.requested_at < end)
    return int(read_scalar(engine, stmt) or 0)


@cached
def hourly_counts(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Complaints received per hour in [start, end): ``hour`` (UTC start of the hour) and ``count``."""
    stmt = select(Complaint.requested_at).where(Complaint.requested_at >= start, Complaint.requested_at < end)
    times = read_frame(engine, stmt)["requested_at"]
    hours = pd.date_range(pd.Timestamp(start).floor("h"), pd.Timestamp(end), freq="h", inclusive="left")
    counts = pd.to_datetime(times, utc=True).dt.floor("h").value_counts().reindex(hours, fill_value=0)
    return pd.DataFrame({"hour": hours, "count": counts.to_numpy(dtype=int)})


@cached
def points(
    engine: Engine, start: datetime, end: datetime, district: str | None = None, category: str | None = None
) -> pd.DataFrame:
    """Located complaints received in [start, end), newest first (at most ``MAX_POINTS``)."""
    stmt = select(
        Complaint.source_id,
        Complaint.category,
        Complaint.category_name,
        Complaint.status,
        Complaint.requested_at,
        Complaint.district_code,
        Complaint.lon,
        Complaint.lat,
    ).where(
        Complaint.requested_at >= start,
        Complaint.requested_at < end,
        Complaint.lon.is_not(None),
        Complaint.lat.is_not(None),
        Complaint.location_flag.is_(None),
    )
    stmt = _filters(stmt, district, category).order_by(Complaint.requested_at.desc()).limit(MAX_POINTS)
    return read_frame(engine, stmt)


@cached
def per_district(engine: Engine, start: datetime, end: datetime, category: str | None = None) -> pd.DataFrame:
    """Complaints received in [start, end) per district with population and the rate per 10,000 people."""
    stmt = _filters(
        select(Complaint.district_code, func.count().label("count")).where(
            Complaint.requested_at >= start, Complaint.requested_at < end
        ),
        None,
        category,
    ).group_by(Complaint.district_code)
    counts = read_frame(engine, stmt)
    frame = districts(engine)[["code", "name_zh", "name_en", "population"]].merge(
        counts, how="left", left_on="code", right_on="district_code"
    )
    frame["count"] = frame["count"].fillna(0).astype(int)
    population = frame["population"].astype("Float64")
    frame["per_10k"] = (frame["count"] / population.where(population > 0) * 10_000).astype(float)
    return frame.drop(columns="district_code")


@dataclass(frozen=True)
class DistrictComplaints:
    """A district's complaint measures over a period (each in its own event time, as the rollup counts)."""

    received: int
    closed: int
    due: int
    due_met: int
    rated: int
    satisfied: int
    handling_seconds: float
    population: int | None

    @property
    def per_10k(self) -> float | None:
        return self.received / self.population * 10_000 if self.population else None

    @property
    def on_time(self) -> float | None:
        return on_time_rate(self.due_met, self.due, 100).value

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated * 100 if self.rated else None

    @property
    def handling_hours(self) -> float | None:
        return self.handling_seconds / self.closed / 3600 if self.closed else None


@cached
def complaint_summary(engine: Engine, code: str | None, start: datetime, end: datetime) -> DistrictComplaints:
    """A district's (None: the whole city's) complaint measures in [start, end) from the hourly rollup."""
    h = ComplaintHourly
    names = ("received", "closed", "due", "due_met", "rated", "satisfied", "handling_seconds")
    stmt = select(*(func.coalesce(func.sum(getattr(h, n)), 0).label(n) for n in names)).where(
        h.hour >= start, h.hour < end
    )
    if code:
        stmt = stmt.where(h.district_code == code)
    row = deadlines.subtract(read_frame(engine, stmt).iloc[0].to_dict(), deadlines.not_yet_due(engine, end), code)
    if code:
        info = area(engine, code)
        population = info.get("population") if info else None
    else:
        counts = pd.to_numeric(districts(engine)["population"])
        population = counts.sum(min_count=len(counts))  # unknown unless every district has one
    return DistrictComplaints(
        **{n: int(row[n]) for n in names if n != "handling_seconds"},
        handling_seconds=float(row["handling_seconds"]),
        population=int(population) if population and population == population else None,
    )


#: Most records one request returns.
MAX_RECORDS = 1000


def recent_complaints(
    engine: Engine, start: datetime, end: datetime, district: str | None = None, limit: int = 100
) -> pd.DataFrame:
    """Complaints received in [start, end), newest first, with description and address (never cached)."""
    stmt = select(
        Complaint.source,
        Complaint.source_id,
        Complaint.category,
        Complaint.category_name,
        Complaint.status,
        Complaint.district_code,
        Complaint.requested_at,
        Complaint.closed_at,
        Complaint.description,
        Complaint.address,
    ).where(Complaint.requested_at >= start, Complaint.requested_at < end)
    if district:
        stmt = stmt.where(Complaint.district_code == district)
    return read_frame(engine, stmt.order_by(Complaint.requested_at.desc()).limit(min(limit, MAX_RECORDS)))
