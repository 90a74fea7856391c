"""Complaint queries: the complaint filter, counts, hourly trend, points, per-district rates, a
district's (or the city's) measures and backlog, records with their free text for the API, the lifecycle
funnel, breakdowns by category and department, the received/closed trend and the ticket table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import pandas as pd
from sqlalchemy import Engine, and_, case, func, or_, select

from dashboard.cache import cached
from dashboard.db.models import (
    Complaint,
    ComplaintEvent,
    ComplaintHourly,
    Department,
    District,
    ServiceType,
)
from dashboard.kpis.complaints import (
    REACHES,
    SHOWN_BY,
    SIDE_STEPS,
    complaint_measures,
    funnel_counts,
    on_time_rates,
    per_10k_a_day,
)
from dashboard.kpis.measure import Measure
from dashboard.queries.base import read_frame, read_scalar
from dashboard.queries.edges import edge_sums, with_edges
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
    """``stmt`` restricted to a district and a category (by code or name, :func:`category_is`)."""
    if district:
        stmt = stmt.where(Complaint.district_code == district)
    if category:
        stmt = stmt.where(category_is(category))
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


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


@cached
def per_district(engine: Engine, start: datetime, end: datetime, category: str | None = None) -> pd.DataFrame:
    """Complaints received in [start, end) per district with population and ``per_10k`` (per 10,000 residents a
    day, :func:`dashboard.kpis.complaints.per_10k_a_day`)."""
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
    frame["per_10k"] = per_10k_a_day(frame["count"], _days(start, end), frame["population"])
    return frame.drop(columns="district_code")


#: The rollup sums a district's complaint summary keeps (:class:`DistrictComplaints`).
SUMMARY_SUMS = ("received", "closed", "due", "due_met", "rated", "satisfied", "handling_seconds")


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
    days: float

    @cached_property
    def measures(self) -> dict[str, Measure]:
        """The complaint KPIs of these sums, as every surface computes them
        (:func:`dashboard.kpis.complaints.complaint_measures`)."""
        sums = {name: getattr(self, name) for name in SUMMARY_SUMS}
        return complaint_measures(sums, self.days, self.population)

    def _percent(self, kpi: str) -> float | None:
        value = self.measures[kpi].value
        return None if value is None else value * 100

    @property
    def per_10k(self) -> float | None:
        """Per 10,000 residents a day."""
        return self.measures["complaints_per_10k"].value

    @property
    def on_time(self) -> float | None:
        return self._percent("complaint_on_time_rate")

    @property
    def satisfaction(self) -> float | None:
        return self._percent("complaint_satisfaction")

    @property
    def handling_hours(self) -> float | None:
        return self.measures["complaint_handling_hours"].value


@cached
def complaint_summary(engine: Engine, code: str | None, start: datetime, end: datetime) -> DistrictComplaints:
    """A district's (None: the whole city's) complaint measures in [start, end) from the hourly rollup and the
    facts at the period's edges (see :mod:`dashboard.queries.edges`)."""
    h = ComplaintHourly
    names = SUMMARY_SUMS
    stmt = select(*(func.coalesce(func.sum(getattr(h, n)), 0).label(n) for n in names)).where(
        h.hour >= start, h.hour < end
    )
    if code:
        stmt = stmt.where(h.district_code == code)
    edges = edge_sums(engine, start, end, "complaints", names, ("district_code",))
    row = with_edges(read_frame(engine, stmt).iloc[0].to_dict(), edges, "district_code" if code else None, code)
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
        days=_days(start, end),
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


#: Sortable columns of the ticket table.
TICKET_COLUMNS = ("ticket", "requested_at", "category", "status", "district", "department", "due_at", "closed_at")


def _hours(start: datetime, end: datetime) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start).floor("h"), pd.Timestamp(end), freq="h", inclusive="left")




def _reaches(status):
    """The furthest funnel stage a lifecycle status shows (``REACHES``; 0 for any other word)."""
    return case(*((status == word, stage) for word, stage in REACHES.items()), else_=0)


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


@cached
def funnel(engine: Engine, sel: ComplaintFilter) -> pd.DataFrame:
    """Tickets of the selection that reached each lifecycle step (``step``, ``tickets``), side steps last: how far
    each got by its event history, its status and its own times and counts (see
    :func:`dashboard.kpis.complaints.funnel_counts`); received counts every ticket."""
    events = and_(Complaint.source == ComplaintEvent.source, Complaint.source_id == ComplaintEvent.ticket_id)
    per_ticket = filtered(
        select(
            func.coalesce(func.max(_reaches(ComplaintEvent.status)), 0).label("history"),
            func.max(_reaches(Complaint.status)).label("status"),
            _flag(Complaint.assigned_at.is_not(None)).label("assigned"),
            _flag(Complaint.closed_at.is_not(None) | (Complaint.reopened_count > 0)).label("closed"),
            _flag(Complaint.revisited_at.is_not(None) | Complaint.satisfaction.is_not(None)).label("revisited"),
            *(
                _flag((ComplaintEvent.status == step) | (Complaint.status == step) | (count > 0)).label(step)
                for step, count in zip(SIDE_STEPS, (Complaint.returned_count, Complaint.extended_count), strict=True)
            ),
        )
        .select_from(Complaint)
        .outerjoin(ComplaintEvent, events)
        # grouped in the order of the requested_at index (its entries end with the id): by the id alone, SQLite
        # walks the whole table in id order to spare a sort, reading every ticket ever stored for a week's funnel
        .group_by(Complaint.requested_at, Complaint.id),
        sel,
    ).subquery()
    shown = [per_ticket.c[name] for name in ("history", "status", *SHOWN_BY, *SIDE_STEPS)]
    groups = read_frame(engine, select(*shown, func.count().label("tickets")).group_by(*shown))
    return funnel_counts(groups)


def _breakdown(engine: Engine, sel: ComplaintFilter, key, now: datetime) -> pd.DataFrame:
    """Per ``key``: received, closed and overdue over the tickets received in the period;
    ``due`` and ``on_time`` over one other cohort, the tickets whose deadline fell in the period (up to
    ``now``), overdue ones still open included (DESIGN §6), so that ``on_time_rate`` never exceeds 100 %."""
    closed = func.sum(case((Complaint.closed_at.is_not(None), 1), else_=0))
    overdue = func.sum(case((Complaint.closed_at.is_(None) & (Complaint.due_at < now), 1), else_=0))
    received = select(
        key.label("key"),
        func.count().label("received"),
        closed.label("closed"),
        overdue.label("overdue"),
    ).group_by(key)
    met = func.sum(case((Complaint.closed_at.is_not(None) & (Complaint.closed_at <= Complaint.due_at), 1), else_=0))
    due = (
        select(key.label("key"), func.count().label("due"), met.label("on_time"))
        .where(Complaint.due_at < now)
        .group_by(key)
    )
    frame = read_frame(engine, filtered(received, sel)).merge(
        read_frame(engine, filtered(due, sel, time=Complaint.due_at)), how="outer", on="key"
    )
    frame["key"] = frame["key"].fillna("")
    for column in ("received", "closed", "overdue", "on_time", "due"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    frame["on_time_rate"] = on_time_rates(frame["on_time"], frame["due"])
    return frame.sort_values("received", ascending=False, ignore_index=True)


def _named(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``name_zh`` and ``name_en`` of each ``key``: the reference entity's of that code (or of that
    Chinese name), its code where it has no name in a language (never the other language's name); a key no
    entity has keeps what the feed sent, in both."""
    by_code = {
        code: (text_or_code(zh, code), text_or_code(en, code)) for code, zh, en in names.itertuples(index=False)
    }
    by_name = {zh: by_code[code] for code, zh, _ in names.itertuples(index=False) if zh}
    resolved = [by_code.get(k) or by_name.get(k) or (k, k) for k in frame["key"]]
    return frame.assign(name_zh=[r[0] for r in resolved], name_en=[r[1] for r in resolved])


def text_or_code(name: str | None, code: str) -> str:
    """A reference entity's name, or its code when it has none (a visible stand-in, not another language)."""
    return name if isinstance(name, str) and name.strip() else code


#: A ticket's category: the reference category's code when the ticket names one, else what the feed sent.
CATEGORY_KEY = case(
    (Complaint.category.in_(select(ServiceType.code)), Complaint.category),
    else_=func.coalesce(Complaint.category_name, Complaint.category),
)

#: A ticket's handling department (承办单位): the one it names, else the one its category's service type names.
DEPARTMENT_KEY = func.coalesce(
    Complaint.department_code,
    select(ServiceType.department_code).where(ServiceType.code == Complaint.category).scalar_subquery(),
)


def handling_departments(engine: Engine, named: pd.Series, category: pd.Series) -> pd.Series:
    """:data:`DEPARTMENT_KEY` of rollup rows: the department ``named`` ('' or None: none), else the one the
    service type ``category`` names (None when neither)."""
    types = read_frame(engine, select(ServiceType.code, ServiceType.department_code))
    by_category = category.map(dict(zip(types["code"], types["department_code"], strict=True)))
    return named.where(named.notna() & (named != ""), by_category)


@cached
def by_category(engine: Engine, sel: ComplaintFilter, now: datetime) -> pd.DataFrame:
    """Per category (code, named in both languages; see :func:`_named`): received, closed, overdue (open past
    deadline), on_time_rate."""
    frame = _breakdown(engine, sel, CATEGORY_KEY, now)
    return _named(frame, read_frame(engine, select(ServiceType.code, ServiceType.name_zh, ServiceType.name_en)))


@cached
def by_department(engine: Engine, sel: ComplaintFilter, now: datetime) -> pd.DataFrame:
    """Per handling department (named in both languages, see :func:`_named`), the measures of ``by_category``."""
    frame = _breakdown(engine, sel, DEPARTMENT_KEY, now)
    return _named(frame, read_frame(engine, select(Department.code, Department.name_zh, Department.name_en)))


@cached
def complaint_trend(engine: Engine, start: datetime, end: datetime, district: str | None = None) -> pd.DataFrame:
    """Hourly received and closed complaints from the rollup and the facts at the span's edges (the first and
    last hour count from ``start`` and up to ``end`` only): hour (UTC), received, closed."""
    h = ComplaintHourly
    stmt = select(h.hour, func.sum(h.received).label("received"), func.sum(h.closed).label("closed")).where(
        h.hour >= start, h.hour < end
    )
    if district:
        stmt = stmt.where(h.district_code == district)
    edges = edge_sums(engine, start, end, "complaints", ("received", "closed"), ("hour", "district_code"))
    edges = edges[edges["district_code"] == district] if district else edges
    parts = [part.assign(hour=pd.to_datetime(part["hour"], utc=True, format="ISO8601"))[["hour", "received", "closed"]]
             for part in (read_frame(engine, stmt.group_by(h.hour)), edges) if not part.empty]
    frame = pd.concat(parts).groupby("hour").sum() if parts else pd.DataFrame(columns=["received", "closed"])
    frame = frame.reindex(_hours(start, end), fill_value=0).astype(int)
    return frame.rename_axis("hour").reset_index()


def _with_names(stmt):
    """``stmt`` with the names, in both languages, of the ticket's district, department and category (None when
    the code is not a reference entity's)."""
    return (
        stmt.add_columns(
            District.name_zh.label("district_zh"),
            District.name_en.label("district_en"),
            Department.name_zh.label("department_zh"),
            Department.name_en.label("department_en"),
            ServiceType.name_zh.label("category_zh"),
            ServiceType.name_en.label("category_en"),
        )
        .outerjoin(District, District.code == Complaint.district_code)
        .outerjoin(Department, Department.code == Complaint.department_code)
        .outerjoin(ServiceType, ServiceType.code == Complaint.category)
    )


def _ticket_select():
    return _with_names(
        select(
            Complaint.id,
            Complaint.source,
            Complaint.source_id.label("ticket"),
            Complaint.requested_at,
            func.coalesce(Complaint.category_name, Complaint.category).label("category"),
            Complaint.status,
            Complaint.district_code.label("district"),
            Complaint.department_code.label("department"),
            Complaint.due_at,
            Complaint.closed_at,
        )
    )


_SORT = {
    "ticket": Complaint.source_id,
    "requested_at": Complaint.requested_at,
    "category": func.coalesce(Complaint.category_name, Complaint.category),
    "status": Complaint.status,
    "district": Complaint.district_code,
    "department": Complaint.department_code,
    "due_at": Complaint.due_at,
    "closed_at": Complaint.closed_at,
}


@cached
def tickets_page(
    engine: Engine, sel: ComplaintFilter, offset: int, limit: int, sort: str = "requested_at", descending: bool = True
) -> tuple[pd.DataFrame, int]:
    """One page of the selection's tickets (see ``TICKET_COLUMNS``) and the total number of tickets."""
    column = _SORT.get(sort, Complaint.requested_at)
    order = (column.desc(), Complaint.id.desc()) if descending else (column.asc(), Complaint.id.asc())
    stmt = filtered(_ticket_select(), sel).order_by(*order).offset(max(offset, 0)).limit(max(min(limit, 500), 1))
    total = int(read_scalar(engine, filtered(select(func.count()), sel)) or 0)
    return read_frame(engine, stmt), total


def ticket(engine: Engine, ticket_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One ticket (by row id, with its free text) and its lifecycle events in time order."""
    row = read_frame(
        engine,
        _with_names(
            select(
                Complaint.id,
                Complaint.source,
                Complaint.source_id.label("ticket"),
                Complaint.requested_at,
                func.coalesce(Complaint.category_name, Complaint.category).label("category"),
                Complaint.channel,
                Complaint.status,
                Complaint.description,
                Complaint.address,
                Complaint.district_code.label("district"),
                Complaint.department_code.label("department"),
                Complaint.due_at,
                Complaint.closed_at,
                Complaint.satisfaction,
            )
        ).where(Complaint.id == ticket_id),
    )
    if row.empty:
        return row, pd.DataFrame(columns=["status", "occurred_at", "department", "note"])
    events = read_frame(
        engine,
        select(
            ComplaintEvent.status,
            ComplaintEvent.occurred_at,
            ComplaintEvent.department_code.label("department"),
            ComplaintEvent.note,
        )
        .where(ComplaintEvent.source == row.at[0, "source"], ComplaintEvent.ticket_id == row.at[0, "ticket"])
        .order_by(ComplaintEvent.occurred_at, ComplaintEvent.id),
    )
    return row, events
