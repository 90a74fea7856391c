"""Hourly rollups of the fact tables, maintained at ingest inside the same transaction as the facts.

Maintenance is by recomputation: the hours a batch touches (the hours of its rows' event times, before
and after the change) are deleted from the rollup and recomputed from the facts with one
``INSERT … SELECT … GROUP BY``. A rollup therefore always equals a recomputation from the facts, whatever
order inserts, updates and re-pulls come in; ``rebuild`` recomputes a whole table (after a backfill or
an import done outside the collectors).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Float

from dashboard.db.models import (
    Complaint,
    ComplaintHourly,
    HallHourly,
    HallTicket,
    SensorHourly,
    SensorReading,
    TrafficHourly,
    TrafficObservation,
)
from dashboard.db.types import UTCDateTime

HOUR = timedelta(hours=1)
IN_CHUNK = 500

#: Event-time columns of each domain's facts: a change to any of them moves the row between hours.
EVENT_TIMES = {
    "complaints": ("requested_at", "closed_at", "due_at", "revisited_at"),
    "traffic": ("observed_at",),
    "sensors": ("observed_at",),
    "halls": ("issued_at",),
}


class hour_floor(FunctionElement):  # noqa: N801 - SQL function naming
    """The timestamp truncated to its hour (UTC), in the dialect's timestamp format."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(hour_floor, "sqlite")
def _hour_floor_sqlite(element, compiler, **kw):
    (arg,) = element.clauses
    return f"strftime('%Y-%m-%d %H:00:00.000000', {compiler.process(arg, **kw)})"  # qmark paramstyle: no % escaping


@compiles(hour_floor, "postgresql")
def _hour_floor_postgresql(element, compiler, **kw):
    (arg,) = element.clauses
    return f"date_trunc('hour', {compiler.process(arg, **kw)})"


class seconds_between(FunctionElement):  # noqa: N801 - SQL function naming
    """Seconds from the first timestamp to the second."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def _floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hour_ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Merge hours into half-open ``[start, end)`` ranges of consecutive hours."""
    ranges: list[tuple[datetime, datetime]] = []
    for hour in sorted({_floor(h) for h in hours}):
        if ranges and ranges[-1][1] == hour:
            ranges[-1] = (ranges[-1][0], hour + HOUR)
        else:
            ranges.append((hour, hour + HOUR))
    return ranges


def _within(column, ranges) -> ColumnElement[bool]:
    return or_(*(and_(column >= start, column < end) for start, end in ranges))


def _flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _complaint_parts(ranges):
    c = Complaint.__table__.c
    zero = literal(0)
    dims = (func.coalesce(c.district_code, "").label("district_code"), func.coalesce(c.category, "").label("category"))
    rated_at = func.coalesce(c.revisited_at, c.closed_at)

    def part(time_col, where, **measures):
        columns = {name: measures.get(name, zero) for name in COMPLAINT_MEASURES}
        return select(hour_floor(time_col).label("hour"), *dims, *(v.label(k) for k, v in columns.items())).where(
            where
        )

    return [
        part(c.requested_at, _within(c.requested_at, ranges), received=literal(1),
             received_closed=_flag(c.closed_at.is_not(None)), returned=c.returned_count),
        part(
            c.closed_at,
            _within(c.closed_at, ranges),
            closed=literal(1),
            closed_on_time=_flag(c.closed_at <= c.due_at),
            handling_seconds=seconds_between(c.requested_at, c.closed_at),
        ),
        part(c.due_at, _within(c.due_at, ranges), due=literal(1),
             due_met=_flag(and_(c.closed_at.is_not(None), c.closed_at <= c.due_at))),
        part(
            rated_at,
            and_(c.satisfaction.is_not(None), _within(rated_at, ranges)),
            rated=literal(1),
            satisfied=_flag(c.satisfaction.in_(("satisfied", "basically_satisfied"))),
        ),
    ]


COMPLAINT_MEASURES = ("received", "received_closed", "returned", "closed", "closed_on_time", "handling_seconds",
                      "due", "due_met", "rated", "satisfied")


def _complaint_select(ranges):
    parts = union_all(*_complaint_parts(ranges)).subquery()
    return select(
        parts.c.hour, parts.c.district_code, parts.c.category,
        *(func.sum(parts.c[m]).label(m) for m in COMPLAINT_MEASURES),
    ).group_by(parts.c.hour, parts.c.district_code, parts.c.category)


def _traffic_select(ranges):
    t = TrafficObservation.__table__.c
    hour = hour_floor(t.observed_at).label("hour")
    moving = t.speed_kmh > 0
    return select(
        hour,
        t.segment_code,
        func.count().label("observations"),
        func.coalesce(func.sum(t.speed_kmh), 0).label("speed_sum"),
        func.sum(case((moving, 1.0 / t.speed_kmh), else_=0.0)).label("inverse_speed_sum"),
        func.sum(_flag(moving)).label("speeds"),
        func.coalesce(func.sum(t.volume), 0).label("volume_sum"),
        func.coalesce(func.sum(t.occupancy), 0).label("occupancy_sum"),
        func.sum(_flag(t.congested.is_(True))).label("congested"),
    ).where(_within(t.observed_at, ranges)).group_by(hour, t.segment_code)


def _sensor_select(ranges):
    s = SensorReading.__table__.c
    hour = hour_floor(s.observed_at).label("hour")
    return select(
        hour,
        s.station_code,
        s.quantity,
        func.count(s.value).label("readings"),
        func.coalesce(func.sum(s.value), 0).label("value_sum"),
        func.min(s.value).label("value_min"),
        func.max(s.value).label("value_max"),
    ).where(_within(s.observed_at, ranges)).group_by(hour, s.station_code, s.quantity)


def _hall_select(ranges):
    h = HallTicket.__table__.c
    hour = hour_floor(h.issued_at).label("hour")
    item = func.coalesce(h.service_item, "").label("service_item")
    wait = seconds_between(h.issued_at, h.called_at)
    return select(
        hour,
        h.hall_code,
        item,
        func.count().label("issued"),
        func.count(h.called_at).label("called"),
        func.coalesce(func.sum(wait), 0).label("wait_seconds"),
        func.sum(_flag(wait > 1800)).label("waited_over_30min"),
        func.count(h.finished_at).label("finished"),
        func.coalesce(func.sum(seconds_between(h.called_at, h.finished_at)), 0).label("handling_seconds"),
        func.sum(_flag(h.channel == "online")).label("online"),
        func.count(h.visits).label("with_visits"),
        func.sum(_flag(h.visits == 1)).label("single_visit"),
        func.count(h.rating).label("rated"),
        func.sum(_flag(h.rating >= 4)).label("rated_good"),
    ).where(_within(h.issued_at, ranges)).group_by(hour, h.hall_code, item)


ROLLUPS = {
    "complaints": (ComplaintHourly.__table__, _complaint_select),
    "traffic": (TrafficHourly.__table__, _traffic_select),
    "sensors": (SensorHourly.__table__, _sensor_select),
    "halls": (HallHourly.__table__, _hall_select),
}

FACTS = {
    "complaints": Complaint.__table__,
    "traffic": TrafficObservation.__table__,
    "sensors": SensorReading.__table__,
    "halls": HallTicket.__table__,
}


def hours_of(domain: str, rows: Iterable[dict]) -> set[datetime]:
    """The hours the event times of ``rows`` fall in."""
    times = {row.get(col) for row in rows for col in EVENT_TIMES[domain]}
    return {_floor(t) for t in times if t is not None}


def stored_hours(conn: Connection, domain: str, source: str, source_ids: list[str]) -> set[datetime]:
    """The hours of the stored versions of these records (before a batch changes them)."""
    table = FACTS[domain]
    columns = [table.c[c] for c in EVENT_TIMES[domain]]
    hours: set[datetime] = set()
    for start in range(0, len(source_ids), IN_CHUNK):
        chunk = source_ids[start : start + IN_CHUNK]
        stmt = select(*columns).where(table.c.source == source, table.c.source_id.in_(chunk))
        for row in conn.execute(stmt):
            hours.update(_floor(value) for value in row if value is not None)
    return hours


def refresh(conn: Connection, domain: str, hours: Iterable[datetime]) -> int:
    """Recompute the rollup of ``domain`` for ``hours``; returns the number of hour ranges refreshed."""
    ranges = hour_ranges(hours)
    if not ranges:
        return 0
    rollup, build = ROLLUPS[domain]
    for start in range(0, len(ranges), 100):  # bounded statement size
        part = ranges[start : start + 100]
        conn.execute(rollup.delete().where(_within(rollup.c.hour, part)))
        query = build(part)
        conn.execute(rollup.insert().from_select([c.name for c in query.selected_columns], query))
    return len(ranges)


def rebuild(conn: Connection, domain: str) -> int:
    """Recompute the whole rollup of ``domain`` from its facts."""
    table = FACTS[domain]
    rollup, _ = ROLLUPS[domain]
    conn.execute(rollup.delete())
    bounds = [
        conn.execute(select(func.min(table.c[col]), func.max(table.c[col]))).one()
        for col in EVENT_TIMES[domain]
    ]
    lows = [low for low, _ in bounds if low is not None]
    highs = [high for _, high in bounds if high is not None]
    if not lows:
        return 0
    return refresh(conn, domain, _hours_between(min(lows), max(highs)))


def _hours_between(first: datetime, last: datetime) -> list[datetime]:
    hours, hour = [], _floor(first)
    while hour <= last:
        hours.append(hour)
        hour += HOUR
    return hours
