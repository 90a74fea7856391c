"""Complaint queries: counts, hourly trend, points and per-district rates."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.cache import cached
from dashboard.db.models import Complaint
from dashboard.queries.base import read_frame, read_scalar
from dashboard.queries.reference import districts

#: Most complaint points sent to a map at once (newest first).
MAX_POINTS = 5000


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
