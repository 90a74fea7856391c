"""A second implementation of the numbers CityOps serves, written from DESIGN §6 and docs/kpis.md (not from the
product's code): pandas over the raw fact tables, read with plain SQL. Nothing of ``dashboard`` is used here.

Periods are [start, end) in UTC, cut at ``now``: an event at or before ``now`` has happened, a deadline at
``now`` has not passed yet (a ticket is overdue only after it). Each ratio is over one cohort: received
(closure, returns), due (on-time closure: deadline in the period, open overdue tickets in the denominator),
rated (satisfaction), closed (redo, handling time); hall tickets by their time of issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, text

SATISFIED = ("satisfied", "basically_satisfied")


def _times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


@dataclass
class Facts:
    """The raw facts and the reference data the numbers are computed from."""

    complaints: pd.DataFrame
    halls: pd.DataFrame
    districts: pd.DataFrame
    departments: pd.DataFrame

    @classmethod
    def read(cls, engine: Engine) -> Facts:
        with engine.connect() as conn:
            complaints = pd.read_sql(text("SELECT * FROM complaint"), conn)
            halls = pd.read_sql(text("SELECT * FROM hall_ticket"), conn)
            districts = pd.read_sql(
                text("SELECT code, name_zh, name_en, level, population FROM district WHERE level = 'district'"), conn
            )
            departments = pd.read_sql(text("SELECT code, name_zh, name_en FROM department"), conn)
        _times(complaints, "requested_at", "closed_at", "due_at", "revisited_at")
        _times(halls, "issued_at", "called_at", "finished_at")
        return cls(complaints, halls, districts, departments)

    def population(self, district: str | None = None) -> float | None:
        rows = self.districts if district is None else self.districts[self.districts["code"] == district]
        total = pd.to_numeric(rows["population"]).sum()
        return float(total) if total > 0 else None


def _in(times: pd.Series, start: datetime, end: datetime, now: datetime) -> pd.Series:
    """Events of [start, end) that have happened by ``now``."""
    return (times >= pd.Timestamp(start)) & (times < pd.Timestamp(end)) & (times <= pd.Timestamp(now))


def _fell(deadlines: pd.Series, start: datetime, end: datetime, now: datetime) -> pd.Series:
    """Deadlines of [start, end) that have passed by ``now``."""
    return (deadlines >= pd.Timestamp(start)) & (deadlines < pd.Timestamp(min(end, now)))


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return numerator / denominator * scale if denominator else None


def complaint_numbers(
    facts: Facts, start: datetime, end: datetime, now: datetime, district: str | None = None
) -> dict[str, float | None]:
    """The complaint numbers of [start, end) so far (at ``now``) for the city or one district."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    received = c[_in(c["requested_at"], start, end, now)]
    due = c[_fell(c["due_at"], start, end, now)]
    met = due["closed_at"].notna() & (due["closed_at"] <= due["due_at"])
    closed = c[_in(c["closed_at"], start, end, now)]
    rated_at = c["revisited_at"].fillna(c["closed_at"])
    rated = c[c["satisfaction"].notna() & _in(rated_at, start, end, now)]
    hours = (closed["closed_at"] - closed["requested_at"]).dt.total_seconds() / 3600
    days = (pd.Timestamp(min(end, now)) - pd.Timestamp(start)).total_seconds() / 86400
    population = facts.population(district)
    return {
        "received": float(len(received)),
        "closed": float(len(closed)),
        "due": float(len(due)),
        "due_met": float(met.sum()),
        "closure_rate": _ratio(received["closed_at"].notna().sum(), len(received)),
        "on_time_rate": _ratio(met.sum(), len(due)),
        "satisfaction": _ratio(rated["satisfaction"].isin(SATISFIED).sum(), len(rated)),
        "return_rate": _ratio(received["returned_count"].fillna(0).sum(), len(received)),
        "redo_rate": _ratio((closed["reopened_count"].fillna(0) > 0).sum(), len(closed)),
        "handling_hours": float(hours.mean()) if len(closed) else None,
        "per_10k": _ratio(len(received), population or 0, 10_000),
        "per_10k_per_day": _ratio(len(received) / days if days else 0, population or 0, 10_000),
    }


def open_tickets(facts: Facts, now: datetime, district: str | None = None) -> dict[str, float]:
    """Backlog (received by ``now``, not closed by then) and overdue (of them, past their deadline)."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    not_closed = c["closed_at"].isna() | (c["closed_at"] > pd.Timestamp(now))
    backlog = c[(c["requested_at"] <= pd.Timestamp(now)) & not_closed]
    return {"backlog": float(len(backlog)), "overdue": float((backlog["due_at"] < pd.Timestamp(now)).sum())}


def on_time_by(facts: Facts, key: str, start: datetime, end: datetime, now: datetime) -> dict[str, float]:
    """On-time closure (%) per value of ``key`` (department by code, category name or code), due cohort."""
    c = facts.complaints
    due = c[_fell(c["due_at"], start, end, now)]
    keys = due["category_name"].fillna(due["category"]) if key == "category" else due[key]
    met = due["closed_at"].notna() & (due["closed_at"] <= due["due_at"])
    return (met.groupby(keys.fillna("")).mean() * 100).to_dict()


def hall_numbers(facts: Facts, start: datetime, end: datetime, now: datetime) -> dict[str, float | None]:
    """Service-hall numbers over the tickets issued in [start, end) so far (at ``now``)."""
    h = facts.halls[_in(facts.halls["issued_at"], start, end, now)]
    called = h[h["called_at"].notna()]
    wait = (called["called_at"] - called["issued_at"]).dt.total_seconds() / 60
    finished = h[h["finished_at"].notna() & h["called_at"].notna()]
    handling = (finished["finished_at"] - finished["called_at"]).dt.total_seconds() / 60
    visits = h[h["visits"].notna()]
    rated = h[h["rating"].notna()]
    return {
        "wait_minutes": float(wait.mean()) if len(called) else None,
        "long_wait_share": _ratio((wait > 30).sum(), len(called)),
        "handling_minutes": float(handling.mean()) if len(finished) else None,
        "online_rate": _ratio((h["channel"] == "online").sum(), len(h)),
        "one_visit_rate": _ratio((visits["visits"] == 1).sum(), len(visits)),
        "good_rating_rate": _ratio((rated["rating"] >= 4).sum(), len(rated)),
    }


def local_period(now: datetime, timezone: str, period: str) -> tuple[datetime, datetime]:
    """UTC bounds of the local day, week (from Monday) or month that contains ``now``."""
    local = pd.Timestamp(now).tz_convert(timezone)
    midnight = local.normalize()
    if period == "day":
        start, end = midnight, midnight + pd.DateOffset(days=1)
    elif period == "week":
        start = midnight - pd.Timedelta(days=local.weekday())
        end = start + pd.DateOffset(days=7)
    else:
        start = midnight.replace(day=1)
        end = start + pd.DateOffset(months=1)
    return start.tz_convert("UTC").to_pydatetime(), end.tz_convert("UTC").to_pydatetime()
