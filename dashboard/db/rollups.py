"""Rollups of the fact tables, maintained at ingest inside the same transaction as the facts.

Five levels, so that no KPI read touches the facts:

- **hourly**, per UTC hour: the sums of each domain (``*_hourly``), the duration histograms of complaint
  handling times (by hour of closure) and hall waits (by hour of issue) (``duration_hourly``, see
  :mod:`dashboard.kpis.durations`), and the city's environment (``environment_hourly``: hourly city AQI, noise
  station-hours within their class limit, computed in Python from ``sensor_hourly`` and the stations' classes);
  and, for the rollups with hundreds of rows an hour, their city totals per hour (``complaint_city_hourly``,
  ``hall_city_hourly``): sums of the hourly level, one row an hour, for the city-wide reads of a period's hours;
- **four-hour blocks**, per UTC block (00, 04, … 20 UTC), for the city-wide rollups with many rows an hour
  (``complaint_block``, ``hall_block``, ``traffic_block``, ``duration_block``, keyed as their daily tables):
  sums of the hourly level, so that the hours of a period's partial days (today so far) are read a block at a
  time rather than hour by hour;
- **daily**, per local day of the city (``*_daily``; ``day`` is the UTC start of the local day in the zone of
  the ``city_timezone`` setting, so a day of Asia/Shanghai runs 16:00–16:00 UTC): sums of the hourly level;
- **dekads**, per local dekad (days 1–10, 11–20 and 21 to the end of a local month), for the rollups with hundreds
  of rows a day (``traffic_dekad``, ``duration_dekad``; ``dekad`` is the UTC start of its first day): sums of the
  daily level, so that the days of a month so far are read a dekad at a time;
- **monthly**, per local month, for the city-wide rollups with more than a row a day (``complaint_monthly``,
  ``hall_monthly``, ``traffic_monthly``, ``duration_monthly``; ``month`` is the UTC start of the local month):
  sums of the daily level, so that a quarter or a year reads its whole months, not every day of them.

Maintenance is by recomputation: the hours a batch touches (the hours of its rows' event times, before and
after the change) are deleted and recomputed from the facts with ``INSERT … SELECT … GROUP BY``, then the
city totals, the blocks and the local days holding those hours are recomputed from the hourly level, and the
local dekads and months holding those days from the daily level. A rollup therefore always equals a
recomputation from the facts, whatever order inserts, updates and re-pulls come in; ``rebuild`` recomputes a
domain from scratch (after a backfill, an import done outside the collectors, a change of the city's time
zone), ``rebuild_environment`` the city's environment from the station hours (after a change of the stations'
acoustic classes or of the registry's air stations).
"""

from __future__ import annotations

import math
import operator
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Table, and_, case, func, literal, literal_column, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Float, Integer, String

from dashboard.db import partitions
from dashboard.db.locks import take_turns
from dashboard.db.models import (
    Complaint,
    ComplaintAreaDaily,
    ComplaintBlock,
    ComplaintCityHourly,
    ComplaintDaily,
    ComplaintDepartmentDaily,
    ComplaintHourly,
    ComplaintMonthly,
    DurationBlock,
    DurationDaily,
    DurationDekad,
    DurationHourly,
    DurationMonthly,
    EnvironmentDaily,
    EnvironmentHourly,
    HallBlock,
    HallCityHourly,
    HallDaily,
    HallHourly,
    HallMonthly,
    HallTicket,
    SensorHourly,
    SensorReading,
    Station,
    TrafficBlock,
    TrafficDaily,
    TrafficDekad,
    TrafficHourly,
    TrafficMonthly,
    TrafficObservation,
)
from dashboard.db.types import UTCDateTime
from dashboard.kpis import durations
from dashboard.kpis.aqi import POLLUTANTS
from dashboard.kpis.environment import NOISE, environment_hours
from dashboard.settings import get_settings

HOUR = timedelta(hours=1)
#: The length of a block (its start's UTC hour a multiple of it).
BLOCK = timedelta(hours=4)
IN_CHUNK = 500
#: Hour ranges per statement, and local days per statement (bounded statement size).
RANGES_PER_STATEMENT = 100
DAYS_PER_STATEMENT = 62

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
    # julianday's doubles carry ~50 µs of noise at today's dates: rounded to the millisecond, an exact 30-minute
    # wait is 1800.0 s, not 1800.00001 s (which ``> 1800`` would count as over 30 minutes)
    return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


class not_negative(FunctionElement):  # noqa: N801 - SQL function naming
    """The number, or 0.0 when it is negative (NULL when it is NULL)."""

    type = Float()
    inherit_cache = True


@compiles(not_negative, "sqlite")
def _not_negative_sqlite(element, compiler, **kw):
    (arg,) = element.clauses
    return f"max({compiler.process(arg, **kw)}, 0.0)"  # the scalar max: NULL when its argument is, computed once


@compiles(not_negative, "postgresql")
def _not_negative_postgresql(element, compiler, **kw):
    (arg,) = element.clauses
    value = compiler.process(arg, **kw)
    return f"(CASE WHEN {value} < 0 THEN 0.0 ELSE {value} END)"  # greatest() would make NULL 0.0


class by_value(FunctionElement):  # noqa: N801 - SQL function naming
    """A column to group or partition by its values, not in the order of an index on it: SQLite would rather
    walk an index led by it (skipping through every one of its values) than sort the few rows of a partial hour
    or of an interval read through a time index."""

    inherit_cache = True


@compiles(by_value, "sqlite")
def _by_value_sqlite(element, compiler, **kw):
    (arg,) = element.clauses
    return f"+{compiler.process(arg, **kw)}"  # SQLite's unary plus: the same value, no index for its order


@compiles(by_value, "postgresql")
def _by_value_postgresql(element, compiler, **kw):
    (arg,) = element.clauses
    return compiler.process(arg, **kw)


class duration_bucket(FunctionElement):  # noqa: N801 - SQL function naming
    """The histogram bucket of a duration in seconds (see :mod:`dashboard.kpis.durations`)."""

    type = Integer()
    inherit_cache = True


def _bucket_sql(seconds: str, log2: str) -> str:
    last = 2.0 ** (durations.LAST_BUCKET / durations.PER_DOUBLING)
    return (
        f"(CASE WHEN {seconds} < 1 THEN {durations.UNDER_ONE_SECOND} WHEN {seconds} >= {last!r} "
        f"THEN {durations.LAST_BUCKET} ELSE CAST(floor({durations.PER_DOUBLING} * {log2}) AS INTEGER) END)"
    )


@compiles(duration_bucket, "sqlite")
def _bucket_sqlite(element, compiler, **kw):
    (arg,) = element.clauses
    seconds = compiler.process(arg, **kw)
    # the CASE's buckets with the duration written once (SQLite computes it at each mention; a wait clipped at
    # zero is two julianday() pairs each time): under 1 s the floor is below zero, and 0.5 s stands for none
    # and less (bucket -16), so the least bucket is -1; from 2^25 s the floor is at least the last bucket
    first, last = durations.UNDER_ONE_SECOND, durations.LAST_BUCKET
    return (f"CAST(min(max(floor({durations.PER_DOUBLING} * log2(max({seconds}, 0.5))), {first}), {last}) "
            "AS INTEGER)")


@compiles(duration_bucket, "postgresql")
def _bucket_postgresql(element, compiler, **kw):
    (arg,) = element.clauses
    seconds = compiler.process(arg, **kw)
    return _bucket_sql(seconds, f"log(2, CAST({seconds} AS numeric))")  # numeric: exact at powers of two


@cache
def _sqlite_has_math() -> bool:
    """Whether this process's SQLite library was built with its math functions (``log2``, ``floor``)."""
    try:
        sqlite3.connect(":memory:").execute("SELECT log2(2), floor(1.5)")
    except sqlite3.OperationalError:
        return False
    return True


def math_functions(conn: Connection) -> None:
    """Give an SQLite connection ``log2`` and ``floor`` when its library lacks them."""
    if conn.dialect.name == "sqlite" and not _sqlite_has_math():
        raw = conn.connection.driver_connection
        raw.create_function("log2", 1, lambda x: None if x is None else math.log2(x), deterministic=True)
        raw.create_function("floor", 1, lambda x: None if x is None else math.floor(x), deterministic=True)


def _floor(moment: datetime) -> datetime:
    """The UTC hour ``moment`` lies in (a feed's times keep their own offset; a naive moment is UTC, as stored)."""
    moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def _joined(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Half-open ``ranges`` with those that touch or overlap joined, in order: the same moments in fewer terms."""
    joined: list[tuple[datetime, datetime]] = []
    for start, end in sorted(ranges):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def hour_ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Merge hours into half-open ``[start, end)`` ranges of consecutive hours."""
    return _joined((hour, hour + HOUR) for hour in {_floor(h) for h in hours})


def block_start(moment: datetime) -> datetime:
    """The start of the four-hour UTC block ``moment`` lies in."""
    hour = _floor(moment)
    return hour.replace(hour=hour.hour - hour.hour % (BLOCK // HOUR))


def utc_blocks(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """UTC ``[start, end)`` of each four-hour block holding an hour of the hour ``ranges``, in order."""
    blocks = set()
    for start, end in ranges:
        block = block_start(start)
        while block < end:
            blocks.add((block, block + BLOCK))
            block += BLOCK
    return sorted(blocks)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC start of the local ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def local_days(hours: Iterable[datetime], timezone: str) -> list[tuple[datetime, datetime]]:
    """UTC ``[start, end)`` of each local day of ``timezone`` holding one of ``hours``, in order."""
    zone = ZoneInfo(timezone)
    days = set()
    for hour in hours:
        day = hour.astimezone(zone).date()
        days.add((_local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)))
    return sorted(days)


def local_months(days: Iterable[tuple[datetime, datetime]], timezone: str) -> list[tuple[datetime, datetime]]:
    """UTC ``[start, end)`` of each local month of ``timezone`` holding one of the local ``days``, in order."""
    zone = ZoneInfo(timezone)
    months = set()
    for start, _ in days:
        first = start.astimezone(zone).date().replace(day=1)
        months.add((_local_midnight(first, zone), _local_midnight(_next_month(first), zone)))
    return sorted(months)


#: The local days of the month each dekad begins on.
DEKAD_DAYS = (1, 11, 21)


def dekad_start(day: date) -> date:
    """The first day of the dekad (days 1–10, 11–20, 21 to the month's end) that the local ``day`` lies in."""
    return day.replace(day=max(d for d in DEKAD_DAYS if d <= day.day))


def next_dekad(day: date) -> date:
    """The first day of the dekad after the one the local ``day`` lies in."""
    later = [d for d in DEKAD_DAYS if d > day.day]
    return day.replace(day=later[0]) if later else _next_month(day)


def local_dekads(days: Iterable[tuple[datetime, datetime]], timezone: str) -> list[tuple[datetime, datetime]]:
    """UTC ``[start, end)`` of each local dekad of ``timezone`` holding one of the local ``days``, in order."""
    zone = ZoneInfo(timezone)
    dekads = set()
    for start, _ in days:
        local = start.astimezone(zone).date()
        dekads.add((_local_midnight(dekad_start(local), zone), _local_midnight(next_dekad(local), zone)))
    return sorted(dekads)


def whole_dekads(first: datetime, last: datetime, timezone: str) -> tuple[datetime, datetime] | None:
    """The whole local dekads [dekad_first, dekad_last) within the local days [first, last) (UTC starts), if
    any."""
    zone = ZoneInfo(timezone)
    start, end = (moment.astimezone(zone).date() for moment in (first, last))
    start = start if dekad_start(start) == start else next_dekad(start)
    end = dekad_start(end)
    return (_local_midnight(start, zone), _local_midnight(end, zone)) if start < end else None


def _within(column, ranges) -> ColumnElement[bool]:
    return or_(*(and_(column >= start, column < end) for start, end in ranges))


def inline(value: int) -> ColumnElement[int]:
    """The integer ``value`` written into the statement's text, not bound: each bound value is processed again at
    every execution, and the rollups' statements (and the reads built on them) repeat their zeros and ones by the
    hundred."""
    return literal_column(str(operator.index(value)), Integer())  # an int, or a TypeError


ZERO, ONE = inline(0), inline(1)
#: The empty string, written into the statement's text: a dimension's key when the fact has none.
NONE = literal_column("''", String())


def flag(condition) -> ColumnElement[int]:
    """1 where ``condition`` holds, else 0."""
    return case((condition, ONE), else_=ZERO)


def _period_of(column, periods: list[tuple[datetime, datetime]]) -> ColumnElement:
    """The UTC start of the block, local day, dekad or month (one of ``periods``, in order, none overlapping) that
    ``column`` falls in, for a row within one of them: a balanced tree of comparisons, so that a row is tested
    against log2(n) of the n periods' starts (six for a rebuild's 62 local days a statement), not against every
    period before its own (31 on average: SQLite then took 1.6–2.0× as long to sum the complaints' year of hours into
    blocks and days)."""
    if len(periods) == 1:
        return literal(periods[0][0], UTCDateTime())
    middle = len(periods) // 2
    return case((column < periods[middle][0], _period_of(column, periods[:middle])),
                else_=_period_of(column, periods[middle:]))


# --- hourly level: from the facts -----------------------------------------------------------------------

COMPLAINT_MEASURES = ("received", "received_closed", "returned", "closed", "closed_on_time", "handling_seconds",
                      "due", "due_met", "rated", "satisfied", "reopened", "overdue_from", "overdue_to")


#: The satisfaction answers counted as satisfied.
SATISFIED_ANSWERS = ("satisfied", "basically_satisfied")


def _complaint_parts(ranges):
    c = Complaint.__table__.c
    dims = tuple(func.coalesce(column, NONE).label(column.key) for column in (c.district_code, c.category,
                                                                            c.department_code))
    # the answers as bound values, not an expanding list: every statement holding the edge facts would render
    # its whole text again at each execution to expand it
    satisfied = c.satisfaction.in_([literal(answer) for answer in SATISFIED_ANSWERS])
    rating = {"rated": ONE, "satisfied": flag(satisfied)}

    def part(time_col, where, **measures):
        columns = {name: measures.get(name, ZERO) for name in COMPLAINT_MEASURES}
        return select(hour_floor(time_col).label("hour"), *dims, *(v.label(k) for k, v in columns.items())).where(
            where
        )

    # overdue_from counts in the hour of max(requested_at, due_at), overdue_to in that of max(due_at, closed_at) (a
    # closure never precedes its request: collectors.records), each in the part of the later of its two times
    return [
        part(c.requested_at, _within(c.requested_at, ranges), received=ONE,
             received_closed=flag(c.closed_at.is_not(None)), returned=c.returned_count,
             overdue_from=flag(c.due_at < c.requested_at)),
        part(
            c.closed_at,
            _within(c.closed_at, ranges),
            closed=ONE,
            closed_on_time=flag(c.closed_at <= c.due_at),
            handling_seconds=seconds_between(c.requested_at, c.closed_at),
            reopened=flag(c.reopened_count > 0),
            overdue_to=flag(c.closed_at >= c.due_at),
        ),
        part(c.due_at, _within(c.due_at, ranges), due=ONE,
             due_met=flag(and_(c.closed_at.is_not(None), c.closed_at <= c.due_at)),
             overdue_from=flag(c.due_at >= c.requested_at), overdue_to=flag(c.closed_at < c.due_at)),
        # rated at the revisit, else at the closure: two parts, each read through its own index (not revisited
        # as a flag, which no index serves: SQLite would read every ticket not revisited through the revisit's)
        part(c.revisited_at, and_(c.satisfaction.is_not(None), _within(c.revisited_at, ranges)), **rating),
        part(c.closed_at, and_(c.satisfaction.is_not(None), flag(c.revisited_at.is_(None)) == 1,
                               _within(c.closed_at, ranges)), **rating),
    ]


def _complaint_select(ranges):
    parts = union_all(*_complaint_parts(ranges)).subquery()
    keys = (parts.c.hour, parts.c.district_code, parts.c.category, parts.c.department_code)
    return select(*keys, *(func.sum(parts.c[m]).label(m) for m in COMPLAINT_MEASURES)).group_by(*keys)


def _traffic_select(ranges):
    t = TrafficObservation.__table__.c
    hour = hour_floor(t.observed_at).label("hour")
    moving = t.speed_kmh > 0
    return select(
        hour,
        t.segment_code,
        func.count().label("observations"),
        func.coalesce(func.sum(t.speed_kmh), ZERO).label("speed_sum"),
        func.sum(case((moving, 1.0 / t.speed_kmh), else_=0.0)).label("inverse_speed_sum"),
        func.sum(flag(moving)).label("speeds"),
        func.coalesce(func.sum(t.volume), ZERO).label("volume_sum"),
        func.coalesce(func.sum(t.occupancy), ZERO).label("occupancy_sum"),
        func.sum(flag(t.congested.is_(True))).label("congested"),
    ).where(_within(t.observed_at, ranges)).group_by(hour, t.segment_code)


def _sensor_select(ranges):
    s = SensorReading.__table__.c
    hour = hour_floor(s.observed_at).label("hour")
    return select(
        hour,
        s.station_code,
        s.quantity,
        func.count(s.value).label("readings"),
        func.coalesce(func.sum(s.value), ZERO).label("value_sum"),
        func.min(s.value).label("value_min"),
        func.max(s.value).label("value_max"),
    ).where(_within(s.observed_at, ranges)).group_by(hour, s.station_code, s.quantity)


def _hall_select(ranges):
    h = HallTicket.__table__.c
    hour = hour_floor(h.issued_at).label("hour")
    item = func.coalesce(h.service_item, NONE).label("service_item")
    wait = seconds_between(h.issued_at, h.called_at)
    return select(
        hour,
        h.hall_code,
        item,
        func.count().label("issued"),
        func.count(h.called_at).label("called"),
        func.coalesce(func.sum(wait), ZERO).label("wait_seconds"),
        func.sum(flag(wait > 1800)).label("waited_over_30min"),
        func.count(h.finished_at).label("finished"),
        func.coalesce(func.sum(seconds_between(h.called_at, h.finished_at)), ZERO).label("handling_seconds"),
        func.sum(flag(h.channel == "online")).label("online"),
        func.count(h.visits).label("with_visits"),
        func.sum(flag(h.visits == 1)).label("single_visit"),
        func.count(h.rating).label("rated"),
        func.sum(flag(h.rating >= 4)).label("rated_good"),
    ).where(_within(h.issued_at, ranges)).group_by(hour, h.hall_code, item)


def _histogram(time_col, seconds, where, kind: str):
    """Rows of ``duration_hourly``: durations per hour of ``time_col`` and bucket."""
    rows = select(
        hour_floor(time_col).label("hour"), seconds.label("seconds"), duration_bucket(seconds).label("bucket")
    ).where(where).subquery()
    return select(
        rows.c.hour,
        literal(kind).label("kind"),
        rows.c.bucket,
        func.count().label("tickets"),
        func.min(rows.c.seconds).label("min_seconds"),
        func.max(rows.c.seconds).label("max_seconds"),
    ).group_by(rows.c.hour, rows.c.bucket)


def _handling_histogram(ranges):
    c = Complaint.__table__.c
    return _histogram(
        c.closed_at, seconds_between(c.requested_at, c.closed_at), _within(c.closed_at, ranges), durations.HANDLING
    )


def _wait_histogram(ranges):
    h = HallTicket.__table__.c
    wait = seconds_between(h.issued_at, h.called_at)
    clipped = not_negative(wait)  # a call logged before the ticket waited no time
    return _histogram(
        h.issued_at, clipped, and_(h.called_at.is_not(None), _within(h.issued_at, ranges)), durations.WAIT
    )


#: domain -> (hourly table, its rows for a list of hour ranges, the histogram ``kind`` it owns or None).
HourlyLevel = tuple[Table, Callable, str | None]
HOURLY: dict[str, list[HourlyLevel]] = {
    "complaints": [
        (ComplaintHourly.__table__, _complaint_select, None),
        (DurationHourly.__table__, _handling_histogram, durations.HANDLING),
    ],
    "traffic": [(TrafficHourly.__table__, _traffic_select, None)],
    "sensors": [(SensorHourly.__table__, _sensor_select, None)],
    "halls": [
        (HallHourly.__table__, _hall_select, None),
        (DurationHourly.__table__, _wait_histogram, durations.WAIT),
    ],
}

def facts_hourly(domain: str, ranges: list[tuple[datetime, datetime]]):
    """The rows of ``domain``'s hourly rollup (``complaints`` or ``halls``: its sums per hour and dimensions)
    computed from the facts in ``ranges``: half-open ranges that need not start or end on the hour, so a read
    can count the parts of the hours at its edges by the rollup's own definitions."""
    return HOURLY[domain][0][1](ranges)


def _over_hours(hourly, keys, by: tuple[str, ...]):
    """The rows of ``hourly`` (a row per hour and value of ``keys``) aggregated over its hours: a row per value
    of the keys in ``by`` (one row when none). A read that totals a period needs no hourly groups (sorting the
    facts by hour would cost more than aggregating them)."""
    kept = [c for c in hourly.selected_columns if c.name in by]
    values = [c for c in hourly.selected_columns if c.name not in keys]
    return hourly.with_only_columns(*kept, *values).group_by(None).group_by(*(by_value(c) for c in kept))


def facts_sums(domain: str, ranges: list[tuple[datetime, datetime]], by: tuple[str, ...] = ()):
    """:func:`facts_hourly` summed over its hours, per value of the dimensions ``by``: the same sums."""
    table, build, _ = HOURLY[domain][0]
    return _over_hours(build(ranges), set(table.primary_key.columns.keys()), by)


def facts_histograms(ranges: list[tuple[datetime, datetime]]):
    """The histograms of ``duration_hourly`` (both kinds) over their hours, from the facts in ``ranges``
    (half-open, not necessarily on the hour): a row per kind and bucket of a period's partial hours' durations,
    bucketed as the rollup buckets them. On SQLite the connection needs :func:`math_functions`."""
    keys = {"hour", "bucket"}
    return union_all(*(_over_hours(build(ranges), keys, ("bucket",)) for build in (_handling_histogram,
                                                                                   _wait_histogram)))


#: The hourly sums of each domain (kept for the reads and the CLI, which name the domains by them).
ROLLUPS = {domain: levels[0][0] for domain, levels in HOURLY.items()}

FACTS = {
    "complaints": Complaint.__table__,
    "traffic": TrafficObservation.__table__,
    "sensors": SensorReading.__table__,
    "halls": HallTicket.__table__,
}


def _refresh_hourly(conn: Connection, table: Table, build: Callable, kind: str | None, ranges) -> None:
    for start in range(0, len(ranges), RANGES_PER_STATEMENT):
        part = ranges[start : start + RANGES_PER_STATEMENT]
        condition = _within(table.c.hour, part)
        if kind is not None:
            condition = and_(table.c.kind == kind, condition)
        conn.execute(table.delete().where(condition))
        query = build(part)
        conn.execute(table.insert().from_select([c.name for c in query.selected_columns], query))


#: domain -> (city-totals table, hourly table): the hourly rows summed over every dimension, per hour.
CITY_HOURLY: dict[str, list[tuple[Table, Table]]] = {
    "complaints": [(ComplaintCityHourly.__table__, ComplaintHourly.__table__)],
    "halls": [(HallCityHourly.__table__, HallHourly.__table__)],
    "traffic": [],
    "sensors": [],
}
#: The city-totals table of each hourly table that has one.
CITY_OF: dict[Table, Table] = {hourly: city for levels in CITY_HOURLY.values() for city, hourly in levels}


def _refresh_city_hours(conn: Connection, domain: str, ranges: list[tuple[datetime, datetime]]) -> None:
    """Recompute the city totals of ``domain``'s hourly rows over the hour ``ranges``."""
    for city, hourly in CITY_HOURLY[domain]:
        measures = [c.name for c in city.columns if c.name != "hour"]

        def build(part, hourly=hourly, measures=measures):
            return (select(hourly.c.hour, *(_aggregate(hourly.c[m]).label(m) for m in measures))
                    .where(_within(hourly.c.hour, part)).group_by(hourly.c.hour))

        _refresh_hourly(conn, city, build, None, ranges)


def city_air_stations():
    """The codes of the city's air stations (the station registry's kind "air"): the city AQI rates the mean of
    their hourly means. Readings of stations the registry does not hold (a national file's other cities) are
    kept, and ``city check`` lists their codes, but they rate no hour of this city."""
    return select(Station.code).where(Station.kind == "air")


def _refresh_environment(conn: Connection, ranges, timezone: str) -> None:
    """Recompute the city's environment for the hour ranges from the station hours and acoustic classes."""
    s = SensorHourly.__table__.c
    # rows are read by position; air: the mean over the city's air stations, as the city AQI rates
    air = select(s.hour, NONE, s.quantity, func.avg(s.value_sum / s.readings)).where(
        s.quantity.in_(POLLUTANTS), s.readings > 0, s.station_code.in_(city_air_stations())
    ).group_by(s.hour, s.quantity)
    noise = select(s.hour, s.station_code, s.quantity, s.value_sum / s.readings).where(
        s.quantity == NOISE, s.readings > 0
    )
    classes = dict(conn.execute(select(Station.code, Station.noise_class).where(Station.kind == "noise")).all())
    table = EnvironmentHourly.__table__
    for start in range(0, len(ranges), RANGES_PER_STATEMENT):
        part = ranges[start : start + RANGES_PER_STATEMENT]
        rows = [tuple(r) for q in (air, noise) for r in conn.execute(q.where(_within(s.hour, part)))]
        hours = pd.DataFrame(rows, columns=["hour", "station_code", "quantity", "mean"])
        conn.execute(table.delete().where(_within(table.c.hour, part)))
        frame = environment_hours(hours, classes, timezone)
        if not frame.empty:
            frame["hour"] = [pd.Timestamp(h).to_pydatetime() for h in frame["hour"]]
            conn.execute(table.insert(), frame.to_dict("records"))


# --- daily level: from the hourly one -------------------------------------------------------------------

#: domain -> (daily table, hourly table, histogram ``kind`` or None); the daily key's other columns are the
#: hourly table's dimensions kept; min_/max_ columns take the least/greatest, every other column the sum.
DAILY: dict[str, list[tuple[Table, Table, str | None]]] = {
    "complaints": [
        (ComplaintDaily.__table__, ComplaintHourly.__table__, None),
        (ComplaintAreaDaily.__table__, ComplaintHourly.__table__, None),
        (ComplaintDepartmentDaily.__table__, ComplaintHourly.__table__, None),
        (DurationDaily.__table__, DurationHourly.__table__, durations.HANDLING),
    ],
    "traffic": [(TrafficDaily.__table__, TrafficHourly.__table__, None)],
    "sensors": [(EnvironmentDaily.__table__, EnvironmentHourly.__table__, None)],
    "halls": [
        (HallDaily.__table__, HallHourly.__table__, None),
        (DurationDaily.__table__, DurationHourly.__table__, durations.WAIT),
    ],
}


#: The block table beside each daily table that has one: the same key, over four UTC hours.
BLOCK_OF: dict[Table, Table] = {
    ComplaintDaily.__table__: ComplaintBlock.__table__,
    HallDaily.__table__: HallBlock.__table__,
    TrafficDaily.__table__: TrafficBlock.__table__,
    DurationDaily.__table__: DurationBlock.__table__,
}
#: domain -> (block table, hourly table, histogram ``kind`` or None), as :data:`DAILY` over blocks.
BLOCKS: dict[str, list[tuple[Table, Table, str | None]]] = {
    domain: [(BLOCK_OF[daily], hourly, kind) for daily, hourly, kind in levels if daily in BLOCK_OF]
    for domain, levels in DAILY.items()
}


#: The dekad table above each daily table that has one: the same key, over a local dekad.
DEKAD_OF: dict[Table, Table] = {
    TrafficDaily.__table__: TrafficDekad.__table__,
    DurationDaily.__table__: DurationDekad.__table__,
}
#: domain -> (dekad table, daily table, histogram ``kind`` or None), as :data:`DAILY` one level up.
DEKADS: dict[str, list[tuple[Table, Table, str | None]]] = {
    domain: [(DEKAD_OF[daily], daily, kind) for daily, _, kind in levels if daily in DEKAD_OF]
    for domain, levels in DAILY.items()
}


#: domain -> (monthly table, daily table, histogram ``kind`` or None), as :data:`DAILY` one level up.
MONTHLY: dict[str, list[tuple[Table, Table, str | None]]] = {
    "complaints": [
        (ComplaintMonthly.__table__, ComplaintDaily.__table__, None),
        (DurationMonthly.__table__, DurationDaily.__table__, durations.HANDLING),
    ],
    "traffic": [(TrafficMonthly.__table__, TrafficDaily.__table__, None)],
    "sensors": [],
    "halls": [
        (HallMonthly.__table__, HallDaily.__table__, None),
        (DurationMonthly.__table__, DurationDaily.__table__, durations.WAIT),
    ],
}


#: The monthly table above each daily table that has one.
MONTHLY_OF: dict[Table, Table] = {daily: monthly for levels in MONTHLY.values() for monthly, daily, _ in levels}


def _aggregate(column):
    if column.name.startswith("min_"):
        return func.min(column)
    if column.name.startswith("max_"):
        return func.max(column)
    return func.sum(column)


def _upper_select(upper: Table, lower: Table, kind: str | None, periods: list[tuple[datetime, datetime]]):
    """The rows of the level ``upper`` (block, daily or monthly) for ``periods``, summed from the level ``lower``
    below it; each level's time is its table's first key column."""
    key, lower_key = upper.primary_key.columns[0].name, lower.primary_key.columns[0].name
    dims = [c.name for c in upper.primary_key.columns if c.name != key]
    measures = [c.name for c in upper.columns if c.name not in dims and c.name != key]
    # A run of consecutive periods is one range, which the lower level's key reads; an OR of dozens of ranges
    # (a rebuild's blocks) made SQLite scan the whole level for each statement.
    condition = _within(lower.c[lower_key], _joined(periods))
    if kind is not None:
        condition = and_(lower.c.kind == kind, condition)
    rows = select(
        _period_of(lower.c[lower_key], periods).label(key), *(lower.c[d] for d in dims), *(lower.c[m] for m in measures)
    ).where(condition).subquery()
    return select(
        rows.c[key], *(rows.c[d] for d in dims), *(_aggregate(rows.c[m]).label(m) for m in measures)
    ).group_by(rows.c[key], *(rows.c[d] for d in dims))


def _refresh_upper(conn: Connection, levels: list[tuple[Table, Table, str | None]],
                   periods: list[tuple[datetime, datetime]]) -> None:
    """Recompute the rows of each (upper, lower, kind) of ``levels`` for ``periods`` (blocks, local days or
    months)."""
    for upper, lower, kind in levels:
        key = upper.primary_key.columns[0]
        for start in range(0, len(periods), DAYS_PER_STATEMENT):
            part = periods[start : start + DAYS_PER_STATEMENT]
            condition = key.in_([first for first, _ in part])
            if kind is not None:
                condition = and_(upper.c.kind == kind, condition)
            conn.execute(upper.delete().where(condition))
            query = _upper_select(upper, lower, kind, part)
            conn.execute(upper.insert().from_select([c.name for c in query.selected_columns], query))


def _refresh_daily(conn: Connection, domain: str, days: list[tuple[datetime, datetime]], timezone: str,
                   later_levels: bool = True) -> None:
    """Recompute ``domain``'s local ``days`` from its hourly level, then (when ``later_levels``) the local dekads
    and months holding them."""
    _refresh_upper(conn, DAILY[domain], days)
    if later_levels:
        _refresh_upper(conn, DEKADS[domain], local_dekads(days, timezone))
        _refresh_upper(conn, MONTHLY[domain], local_months(days, timezone))


def _rebuild_level(conn: Connection, levels: dict[str, list[tuple[Table, Table, str | None]]],
                   periods_of: Callable[[list[datetime]], list[tuple[datetime, datetime]]]) -> int:
    """Recompute each (upper, lower, kind) of ``levels`` for every period (``periods_of`` the times the lower
    table holds) it holds a row of (after the level was added); returns the number of periods."""
    periods: set[tuple[datetime, datetime]] = set()
    for level in (level for by_domain in levels.values() for level in by_domain):
        lower_time = level[1].primary_key.columns[0]
        found = periods_of(list(conn.execute(select(lower_time).distinct()).scalars()))
        _refresh_upper(conn, [level], found)
        periods.update(found)
    return len(periods)


def rebuild_city_hours(conn: Connection) -> int:
    """Recompute the city totals per hour from the hourly level (after the level was added); returns the number of
    hour ranges."""
    ranges = 0
    for domain, levels in CITY_HOURLY.items():
        for _, hourly in levels:
            found = hour_ranges(conn.execute(select(hourly.c.hour).distinct()).scalars())
            _refresh_city_hours(conn, domain, found)
            ranges += len(found)
    return ranges


def rebuild_blocks(conn: Connection) -> int:
    """Recompute the block level from the hourly one (after the block level was added); returns the number of
    blocks."""
    return _rebuild_level(conn, BLOCKS, lambda hours: utc_blocks((hour, hour + HOUR) for hour in hours))


def rebuild_dekads(conn: Connection, timezone: str | None = None) -> int:
    """Recompute the dekad level from the daily one (after the dekad level was added); returns the number of
    dekads."""
    timezone = timezone or get_settings().city_timezone
    return _rebuild_level(conn, DEKADS, lambda days: local_dekads([(day, day) for day in days], timezone))


def rebuild_monthly(conn: Connection, timezone: str | None = None) -> int:
    """Recompute the monthly level from the daily one (after the monthly level was added); returns the number of
    months."""
    timezone = timezone or get_settings().city_timezone
    return _rebuild_level(conn, MONTHLY, lambda days: local_months([(day, day) for day in days], timezone))


# --- maintenance ----------------------------------------------------------------------------------------


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


def refresh(conn: Connection, domain: str, hours: Iterable[datetime], timezone: str, later_levels: bool = True) -> int:
    """Recompute every rollup of ``domain`` for ``hours``, their city totals, blocks, local days, dekads and months
    (in the city's ``timezone``; the city totals, blocks, dekads and months left out unless ``later_levels``: for
    the migrations that run before those levels exist); returns the number of hour ranges refreshed."""
    ranges = hour_ranges(hours)
    if not ranges:
        return 0
    _take_turns(conn, domain)
    math_functions(conn)
    for table, build, kind in HOURLY[domain]:
        _refresh_hourly(conn, table, build, kind, ranges)
    if domain == "sensors":
        _refresh_environment(conn, ranges, timezone)
    if later_levels:
        _refresh_city_hours(conn, domain, ranges)
        _refresh_upper(conn, BLOCKS[domain], utc_blocks(ranges))
    _refresh_daily(conn, domain, local_days(_hours_in(ranges), timezone), timezone, later_levels)
    return len(ranges)


def _take_turns(conn: Connection, domain: str) -> None:
    """The refreshes of one domain's rollups take turns across transactions (collector processes sharded by feed
    store the same domain's facts at once): each deletes and recomputes its hours after the one before has
    committed, and so counts its facts. Without turns, two refreshes of one hour each miss the other's facts and
    the second fails inserting the rows the first inserted."""
    take_turns(conn, f"rollups {domain}")


def _hours_in(ranges: list[tuple[datetime, datetime]]) -> Iterable[datetime]:
    for start, end in ranges:
        hour = start
        while hour < end:
            yield hour
            hour += HOUR


def _raw_facts_kept_from(conn: Connection, domain: str) -> datetime | None:
    """Where the raw facts of ``domain`` begin when retention drops older months (None: all are there)."""
    table = partitions.DOMAINS.get(domain)
    months = get_settings().retention_months
    if table is None or not months or not partitions.is_partitioned(conn, table):
        return None
    return partitions.retention_horizon(datetime.now(UTC), months)


def _deleting(table: Table, kind: str | None, time_column, since: datetime | None):
    """DELETE of a rollup's rows (of one ``kind``), from ``since`` on when given."""
    conditions = [c for c in (kind is not None and table.c.kind == kind, since is not None and time_column > since)
                  if c is not False]
    return table.delete().where(*conditions) if conditions else table.delete()


def rebuild_environment(conn: Connection, timezone: str | None = None) -> int:
    """Recompute the city's environment (hourly and daily) for every hour the sensor rollup holds, from its
    station hours, without reading the readings again (those beyond raw-fact retention included): after a change
    of the registry's air stations or of the stations' acoustic classes. Returns the hour ranges recomputed."""
    ranges = hour_ranges(conn.execute(select(SensorHourly.hour).distinct()).scalars())
    if not ranges:
        return 0
    timezone = timezone or get_settings().city_timezone
    _refresh_environment(conn, ranges, timezone)
    _refresh_daily(conn, "sensors", local_days(_hours_in(ranges), timezone), timezone)
    return len(ranges)


def rebuild(conn: Connection, domain: str, timezone: str | None = None, later_levels: bool = True) -> int:
    """Recompute every rollup of ``domain`` from its facts (local days in ``timezone``, default the
    ``city_timezone`` setting: maintenance commands and migrations run without a city at hand); the city totals,
    block, dekad and monthly levels too if ``later_levels`` (see :func:`refresh`).

    When retention has dropped the raw facts of older months, only the hours from the retention horizon on are
    recomputed: the rollups of the months before it are all that is left of them and are kept as they are."""
    _take_turns(conn, domain)
    table = FACTS[domain]
    kept_from = _raw_facts_kept_from(conn, domain)
    for rollup, _, kind in HOURLY[domain]:
        conn.execute(_deleting(rollup, kind, rollup.c.hour, kept_from))
    for city, _ in CITY_HOURLY[domain] if later_levels else ():
        conn.execute(_deleting(city, None, city.c.hour, kept_from))
    for blocks, _, kind in BLOCKS[domain] if later_levels else ():
        # A block straddling the horizon is summed again from its hours, those before the horizon kept.
        conn.execute(_deleting(blocks, kind, blocks.c.block, kept_from and block_start(kept_from) - BLOCK))
    timezone = timezone or get_settings().city_timezone
    for daily, _, kind in DAILY[domain]:
        # A local day straddling the horizon is summed again from its hours, those before the horizon kept; a day
        # ending at the horizon stays as it is.
        since = kept_from and local_days([kept_from], timezone)[0][0] - timedelta(microseconds=1)
        conn.execute(_deleting(daily, kind, daily.c.day, since))
    for dekads, _, kind in DEKADS[domain] if later_levels else ():
        # So is a local dekad straddling it, from its days.
        since = kept_from and local_dekads([(kept_from, kept_from)], timezone)[0][0] - timedelta(microseconds=1)
        conn.execute(_deleting(dekads, kind, dekads.c.dekad, since))
    for months, _, kind in MONTHLY[domain] if later_levels else ():
        # So is a local month straddling it, from its days (the days before the horizon kept).
        since = kept_from and local_months([(kept_from, kept_from)], timezone)[0][0] - timedelta(microseconds=1)
        conn.execute(_deleting(months, kind, months.c.month, since))
    if domain == "sensors":
        conn.execute(_deleting(EnvironmentHourly.__table__, None, EnvironmentHourly.hour, kept_from))
    bounds = [
        conn.execute(select(func.min(table.c[col]), func.max(table.c[col]))).one()
        for col in EVENT_TIMES[domain]
    ]
    lows = [max(low, kept_from) if kept_from else low for low, _ in bounds if low is not None]
    highs = [high for _, high in bounds if high is not None]
    ranges = refresh(conn, domain, _hours_between(min(lows), max(highs)), timezone, later_levels) if lows else 0
    if kept_from:  # the block, day, dekad and month straddling the horizon, even with no fact after it in them
        if later_levels:
            _refresh_upper(conn, BLOCKS[domain], utc_blocks([(kept_from, kept_from + HOUR)]))
        _refresh_daily(conn, domain, local_days([kept_from], timezone), timezone, later_levels)
    return ranges


def _hours_between(first: datetime, last: datetime) -> list[datetime]:
    hours, hour = [], _floor(first)
    while hour <= last:
        hours.append(hour)
        hour += HOUR
    return hours
