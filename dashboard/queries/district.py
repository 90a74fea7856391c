"""District page queries: one district's complaint KPIs from the rollup (its open tickets: ``kpis.open_tickets``),
its halls, stations and roads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.cache import cached
from dashboard.db.models import ComplaintHourly
from dashboard.kpis.complaints import on_time_rate
from dashboard.queries import deadlines
from dashboard.queries.base import read_frame
from dashboard.queries.kpis import open_tickets
from dashboard.queries.reference import districts

__all__ = ["DistrictComplaints", "area", "complaint_summary", "open_tickets"]


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


def area(engine: Engine, code: str) -> dict | None:
    """The district (or sub-district) row: code, name_zh, name_en, parent_code, population, geometry."""
    for level in ("district", "street"):
        frame = districts(engine, level)
        match = frame[frame["code"] == code]
        if not match.empty:
            return match.iloc[0].to_dict() | {"level": level}
    return None


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
        population = pd.to_numeric(districts(engine)["population"]).sum()
    return DistrictComplaints(
        **{n: int(row[n]) for n in names if n != "handling_seconds"},
        handling_seconds=float(row["handling_seconds"]),
        population=int(population) if population and population == population else None,
    )
