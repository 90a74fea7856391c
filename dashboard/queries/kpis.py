"""KPI reads from the rollups (never a scan of the fact tables), cached by period.

A period's whole local days come from the daily rollups and the hours at its edges (today so far, a window
starting mid-day) from the hourly ones (:func:`_rows`), each statement built once per shape of period with its
bounds as parameters; every read is therefore a sum of whole hours, exact in any zone. Percentiles come from
the duration histograms (:mod:`dashboard.kpis.durations`). The backlog and overdue counts at a moment are running
counts of the rollups up to its hour, with the facts of that hour so far (:func:`open_tickets`): bounded by one
hour's tickets, not by how many were closed or requested since the moment.

The daily level is kept in the city's zone (``city_timezone``); ``timezone`` here is that same setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import (
    Engine,
    Float,
    Table,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    or_,
    select,
    true,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import NullType

from dashboard import clock
from dashboard.cache import cached
from dashboard.db.models import (
    Complaint,
    ComplaintAreaDaily,
    ComplaintDaily,
    ComplaintDepartmentDaily,
    ComplaintHourly,
    ComplaintMonthly,
    Department,
    District,
    DurationDaily,
    DurationHourly,
    EnvironmentDaily,
    EnvironmentHourly,
    HallDaily,
    HallHourly,
    KpiTarget,
    RoadSegment,
    ServiceType,
    TrafficDaily,
    TrafficHourly,
)
from dashboard.db.rollups import (
    BLOCK,
    BLOCK_OF,
    CITY_OF,
    DEKAD_OF,
    MONTHLY_OF,
    ZERO,
    block_start,
    facts_histograms,
    facts_sums,
    flag,
    inline,
    math_functions,
    whole_dekads,
)
from dashboard.db.types import UTCDateTime
from dashboard.kpis import complaints as complaint_kpis
from dashboard.kpis import environment as environment_kpis
from dashboard.kpis import halls as hall_kpis
from dashboard.kpis.cityscore import kpi_table, values_and_score
from dashboard.kpis.compare import Reading, covered
from dashboard.kpis.durations import duration_measures
from dashboard.kpis.kpi import Kpi
from dashboard.kpis.measure import Measure
from dashboard.kpis.periods import local_day, local_days, period_bounds
from dashboard.kpis.ranking import rank_departments
from dashboard.kpis.registry import AdminTarget, Registry, load_registry, with_admin_targets
from dashboard.kpis.timespan import Span
from dashboard.kpis.traffic import (
    CONGESTED_AT,
    network_measures_of,
    network_measures_of_totals,
    no_network,
    observed_measures,
)
from dashboard.queries import environment, traffic
from dashboard.queries.base import DatabaseUnavailable, plain_tuples, read_frame, read_rows
from dashboard.queries.edges import (
    boundary_sums,
    edge_bounds,
    edge_ranges,
    edge_values,
    hour_start,
    partial_hours,
)

#: Rollup pairs (hourly, daily) and the columns each domain's KPIs sum.
LEVELS: dict[str, tuple[Table, Table, tuple[str, ...]]] = {
    "complaints": (ComplaintHourly.__table__, ComplaintDaily.__table__, complaint_kpis.SUMS),
    "halls": (HallHourly.__table__, HallDaily.__table__, hall_kpis.SUMS),
    "environment": (EnvironmentHourly.__table__, EnvironmentDaily.__table__, environment_kpis.SUMS),
}
#: The domains whose facts count at the edges of a period (see :mod:`dashboard.queries.edges`); the environment
#: counts the whole hours begun in the period, as its hourly AQI rates them.
EDGE_DOMAINS = ("complaints", "halls")


def _edge_facts(domain: str) -> str | None:
    """The facts whose parts of hours at a period's edges a read of ``domain``'s rollups adds, if any."""
    return domain if domain in EDGE_DOMAINS else None
TRAFFIC = (TrafficHourly.__table__, TrafficDaily.__table__)
AREAS = (ComplaintHourly.__table__, ComplaintAreaDaily.__table__)
DEPARTMENTS = (ComplaintHourly.__table__, ComplaintDepartmentDaily.__table__)
DURATIONS = (DurationHourly.__table__, DurationDaily.__table__)


@dataclass(frozen=True)
class _Span:
    """How a period [start, end) splits between the levels: the whole local days [first, last) from the daily
    rollups, and the hours before (head) and after (tail) them from the hourly ones; the whole local months
    among those days (``months``), which the rollups with a monthly level read from it; the whole local dekads
    among the days outside those months (or among all its days), which the rollups with a dekad level read from
    it; the whole four-hour blocks among the hours of the head and of the tail, which the rollups with a block
    level read from it."""

    days: tuple[datetime, datetime] | None
    head: tuple[datetime, datetime] | None
    tail: tuple[datetime, datetime] | None
    edges: tuple[tuple[int, datetime, datetime], ...] = ()
    months: tuple[datetime, datetime] | None = None
    timezone: str = "UTC"

    @cached_property
    def _ranges(self) -> dict[str, tuple[datetime, datetime] | None]:
        """The whole dekads or blocks of each range of days or hours a read may split (by parameter prefix)."""
        days = {"days": self.days} if self.days else {}
        if self.days and self.months:  # the days before and after the whole months
            days |= {"before": (self.days[0], self.months[0]), "after": (self.months[1], self.days[1])}
        dekads = {name: whole_dekads(*bounds, self.timezone) for name, bounds in days.items() if bounds[0] < bounds[1]}
        return dekads | {"head": _whole_blocks(self.head), "tail": _whole_blocks(self.tail)}

    @property
    def shape(self) -> tuple:
        """Which levels the period reads, the signs of the facts at its edges (:func:`edge_ranges`), whether it
        holds whole months, and which of its ranges (:attr:`_ranges`) hold whole dekads or blocks."""
        return (self.days is not None, self.head is not None, self.tail is not None,
                tuple(s for s, _, _ in self.edges), self.months is not None,
                frozenset(name for name, whole in self._ranges.items() if whole))

    def params(self, timezone: str) -> dict[str, datetime]:
        """The values of the statement's bound parameters (see :func:`_rows`)."""
        values = edge_values(self.edges)
        if self.days:
            values["first"], values["last"] = self.days
        if self.months:
            values["month_first"], values["month_last"] = self.months
        for name, edge in (("head", self.head), ("tail", self.tail)):
            if edge:
                day, split = period_bounds(edge[0], timezone, "day")
                values |= {f"{name}_start": edge[0], f"{name}_end": edge[1], f"{name}_day": day,
                           f"{name}_split": split}
        for name, whole in self._ranges.items():
            if whole:
                values[f"{name}_whole_first"], values[f"{name}_whole_last"] = whole
        return values


def _whole_blocks(hours: tuple[datetime, datetime] | None) -> tuple[datetime, datetime] | None:
    """The whole four-hour UTC blocks [block_first, block_last) among the hours [start, end), if any."""
    if hours is None:
        return None
    start, end = (moment.astimezone(UTC) for moment in hours)
    first = block_start(start)
    first = first if first == start else first + BLOCK
    last = block_start(end)
    return (first, last) if first < last else None


def _span(start: datetime, end: datetime, timezone: str) -> _Span:
    first = period_bounds(start, timezone, "day")[0]
    if first < start:
        first = period_bounds(start, timezone, "day")[1]
    last = period_bounds(end, timezone, "day")[0]
    edges = tuple(edge_ranges(start, end))
    if first < last:
        head, tail = (start, first) if start < first else None, (last, end) if last < end else None
        return _Span((first, last), head, tail, edges, _whole_months(first, last, timezone), timezone)
    return _Span(None, (start, end) if start < end else None, None, edges, timezone=timezone)


def _whole_months(first: datetime, last: datetime, timezone: str) -> tuple[datetime, datetime] | None:
    """The whole local months [month_first, month_last) within the local days [first, last), if any."""
    month = period_bounds(first, timezone, "month")
    month_first = month[0] if month[0] == first else month[1]
    month_last = period_bounds(last, timezone, "month")[0]
    return (month_first, month_last) if month_first < month_last else None


def _time(name: str):
    return bindparam(name, type_=UTCDateTime())


#: The rollups' columns that name a row (its dimensions): the facts at a period's edges are added to, or taken
#: out of, every other column.
DIMENSIONS = frozenset(("district_code", "category", "department_code", "segment_code"))


def _rows(levels: tuple[Table, Table], columns, shape, by_day: bool = False, facts: str | None = None):
    """``columns`` of the rollup rows of a period of ``shape`` (see :class:`_Span`): daily rows of its whole local
    days, hourly rows of the hours at its edges; unless ``by_day`` is asked, monthly rows of its whole local months
    when the daily table has a monthly one above it (:data:`~dashboard.db.rollups.MONTHLY_OF`), dekad rows of the
    whole dekads among its other days when it has a dekad one (:data:`~dashboard.db.rollups.DEKAD_OF`) and block
    rows of the whole blocks among its edge hours when it has a block table beside it
    (:data:`~dashboard.db.rollups.BLOCK_OF`); the edge hours from the hourly table's city totals instead (a row an
    hour, :data:`~dashboard.db.rollups.CITY_OF`) when they hold every one of ``columns``; with ``day`` (the UTC start
    of each row's local day) when ``by_day``; with the rows of ``facts``' hourly rollup computed from the facts at
    the period's edges, signed (:mod:`dashboard.queries.edges`), when ``facts`` names the domain. The bounds are
    bound parameters, so one statement serves every period of the shape."""
    hourly, daily = levels
    monthly, dekads, blocks = MONTHLY_OF.get(daily), DEKAD_OF.get(daily), BLOCK_OF.get(daily)
    city = CITY_OF.get(hourly)
    if city is not None and all(c in city.c for c in columns):  # a row an hour: no block to read
        hourly, blocks = city, None
    has_days, has_head, has_tail, signs, has_months, wholes = shape
    parts = []
    if has_days and has_months and monthly is not None and not by_day:
        in_months = (monthly.c.month >= _time("month_first")) & (monthly.c.month < _time("month_last"))
        parts.append(select(*(monthly.c[c] for c in columns)).where(in_months))
        for name, low, high in (("before", "first", "month_first"), ("after", "month_last", "last")):
            parts += _split(daily, dekads if name in wholes else None, columns, name, _time(low), _time(high))
    elif has_days and not by_day:
        parts += _split(daily, dekads if "days" in wholes else None, columns, "days", _time("first"), _time("last"))
    elif has_days:
        in_days = (daily.c.day >= _time("first")) & (daily.c.day < _time("last"))
        parts.append(select(daily.c.day, *(daily.c[c] for c in columns)).where(in_days))
    for name, present in (("head", has_head), ("tail", has_tail)):
        if present and not by_day:
            low, high = _time(f"{name}_start"), _time(f"{name}_end")
            parts += _split(hourly, blocks if name in wholes else None, columns, name, low, high)
        elif present:  # an edge spans at most two local days: before and after its split
            day = [case((hourly.c.hour < _time(f"{name}_split"), _time(f"{name}_day")),
                        else_=_time(f"{name}_split")).label("day")] if by_day else []
            in_edge = (hourly.c.hour >= _time(f"{name}_start")) & (hourly.c.hour < _time(f"{name}_end"))
            parts.append(select(*day, *(hourly.c[c] for c in columns)).where(in_edge))
    if facts is not None and not by_day:
        for sign, bounds in zip(signs, edge_bounds(len(signs)), strict=True):
            edge = facts_sums(facts, [bounds], tuple(c for c in columns if c in DIMENSIONS)).subquery()
            signed = inline(sign)
            parts.append(select(*(edge.c[c] if c in DIMENSIONS else (edge.c[c] * signed).label(c) for c in columns)))
    if not parts:  # an empty period: no rows, the same columns
        day = [hourly.c.hour.label("day")] if by_day else []
        parts.append(select(*day, *(hourly.c[c] for c in columns)).where(false()))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


def _split(fine: Table, coarse: Table | None, columns, name: str, low, high) -> list:
    """Selects of ``columns`` over the range [low, high) of the level ``fine`` (its time: its first key column):
    the rows of its whole periods [{name}_whole_first, {name}_whole_last) from the level ``coarse`` above it when
    given, the rows of ``fine`` around them; else the rows of ``fine`` over the whole range."""
    def over(table: Table, start, end):
        key = table.primary_key.columns[0]
        return select(*(table.c[c] for c in columns)).where(key >= start, key < end)

    if coarse is None:
        return [over(fine, low, high)]
    first, last = _time(f"{name}_whole_first"), _time(f"{name}_whole_last")
    return [over(coarse, first, last), over(fine, low, first), over(fine, last, high)]


def _sums(rows, names):
    return [func.coalesce(func.sum(rows.c[n]), ZERO).label(n) for n in names]


def _read(
    engine: Engine, build, start: datetime, end: datetime, timezone: str, *args, integers: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Run the statement ``build(shape, *args)`` (built once per shape) for the period [start, end) (``integers``:
    see :func:`read_frame`)."""
    span = _span(start, end, timezone)
    return read_frame(engine, build(span.shape, *args), span.params(timezone), integers)


def _read_rows(engine: Engine, build, start: datetime, end: datetime, timezone: str, *args) -> list:
    """:func:`_read` for small results: the rows as they come."""
    span = _span(start, end, timezone)
    return read_rows(engine, build(span.shape, *args), span.params(timezone))


# --- a period's reads ------------------------------------------------------------------------------------


#: The city's population: the sum over its districts when every district has one, else unknown (NULL) — a
#: partial sum would make every per-capita KPI wrong rather than unavailable.
POPULATION = (
    select(case((func.count(District.population) == func.count(), func.sum(District.population))))
    .where(District.level == "district")
    .scalar_subquery()
)


@lru_cache(maxsize=64)
def _period_sums_statement(shape):
    aggregates = {
        domain: select(*_sums(_rows((hourly, daily), names, shape, facts=_edge_facts(domain)), names)).subquery(
            domain
        )
        for domain, (hourly, daily, names) in LEVELS.items()
    }
    columns = [aggregates[d].c[n].label(f"{d}.{n}") for d, (_, _, names) in LEVELS.items() for n in names]
    one_row_each = aggregates["complaints"].join(aggregates["halls"], true()).join(aggregates["environment"], true())
    return select(*columns, POPULATION.label("population")).select_from(one_row_each)


@cached
def period_sums(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict:
    """Over [start, end), in one statement: the sums of the complaint, hall and environment rollups (a dict per
    domain; complaints and halls with the facts at the period's edges) and the city's ``population`` (None when
    unknown)."""
    (row,) = _read_rows(engine, _period_sums_statement, start, end, timezone)
    values = row._mapping
    sums: dict = {d: {n: float(values[f"{d}.{n}"]) for n in names} for d, (_, _, names) in LEVELS.items()}
    sums["population"] = None if values["population"] is None else float(values["population"])
    return sums


@lru_cache(maxsize=64)
def _domain_sums_statement(shape, domain: str):
    hourly, daily, names = LEVELS[domain]
    return select(*_sums(_rows((hourly, daily), names, shape, facts=_edge_facts(domain)), names))


@cached
def domain_sums(engine: Engine, start: datetime, end: datetime, timezone: str, domain: str) -> dict[str, float]:
    """Over [start, end): the sums of one domain's rollup, as :func:`period_sums` gives them, for a period no
    other read shares (reading the three domains would cost more)."""
    (row,) = _read_rows(engine, _domain_sums_statement, start, end, timezone, domain)
    return {name: float(value) for name, value in row._mapping.items()}


@lru_cache(maxsize=64)
def _district_sums_statement(shape, names: tuple[str, ...]):
    rows = _rows(AREAS, ("district_code", *names), shape, facts="complaints")
    return (
        select(rows.c.district_code.label("code"), *_sums(rows, names))
        .group_by(rows.c.district_code)
        .order_by(rows.c.district_code)
    )


@cached
def district_sums(
    engine: Engine, start: datetime, end: datetime, timezone: str, names: tuple[str, ...]
) -> pd.DataFrame:
    """Per district (``code``) over [start, end): the sums of the complaint measures ``names``."""
    frame = _read(engine, _district_sums_statement, start, end, timezone, names)
    return frame.astype({n: float for n in names})


@lru_cache(maxsize=64)
def _segments_statement(shape, by_day: bool = False):
    """Per segment (and local day when ``by_day``, as the driver returns it: converting each row's timestamp
    would cost more than the query, followed by the segment's code): speeds and Σ 1/v, with its length, free
    flow and class. Whole days by day are the daily rollup's rows as they are (one per day and segment: nothing
    to sum)."""
    rows = _rows(TRAFFIC, ("segment_code", *SEGMENT_SUMS), shape, by_day, facts="traffic")
    if by_day and shape[:3] == (True, False, False):
        sums = rows
    else:
        keys = [rows.c.day, rows.c.segment_code] if by_day else [rows.c.segment_code]
        speeds = func.sum(rows.c.speeds).label("speeds")
        inverse = func.sum(rows.c.inverse_speed_sum).label("inverse_speed_sum")
        sums = select(*keys, speeds, inverse).group_by(*keys).subquery()
    key = type_coerce(sums.c.day, NullType()).label("day") if by_day else sums.c.segment_code
    return select(  # the order of kpis.traffic.network_measures_of
        key, RoadSegment.length_m, RoadSegment.free_flow_kmh, RoadSegment.road_class, sums.c.speeds,
        sums.c.inverse_speed_sum, *([sums.c.segment_code] if by_day else []),
    ).join(RoadSegment, RoadSegment.code == sums.c.segment_code)


#: The traffic rollup's sums the network KPIs are computed from, and the columns of a segment's row.
SEGMENT_SUMS = ("speeds", "inverse_speed_sum")
SEGMENT_COLUMNS = ("segment_code", "length_m", "free_flow_kmh", "road_class", *SEGMENT_SUMS)


@cached
def _segment_reference(engine: Engine) -> pd.DataFrame:
    """Each road segment's length, free-flow speed and class (``SEGMENT_COLUMNS`` without the sums)."""
    return read_frame(engine, select(RoadSegment.code.label("segment_code"), RoadSegment.length_m,
                                     RoadSegment.free_flow_kmh, RoadSegment.road_class))


def _with_segment_edges(engine: Engine, frame: pd.DataFrame, edges: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per-segment rows (``SEGMENT_COLUMNS`` and ``keys``) with the signed edge sums ``edges`` (per segment and
    ``keys``) added; segments of no reference road are left out, as the rollup's read leaves them."""
    added = edges.merge(_segment_reference(engine), on="segment_code")
    both = pd.concat([frame.astype({n: float for n in SEGMENT_SUMS}), added[frame.columns]], ignore_index=True)
    groups = both.groupby([*keys, *SEGMENT_COLUMNS[:4]], as_index=False, dropna=False, sort=True)
    return groups[list(SEGMENT_SUMS)].sum()


@cached
def segment_sums(engine: Engine, start: datetime, end: datetime, timezone: str) -> list:
    """Per road segment over [start, end): tuples of its code, length, free-flow speed, class, speeds and Σ 1/v,
    with the observations at the period's edges (:mod:`dashboard.queries.edges`)."""
    return plain_tuples(_read_rows(engine, _segments_statement, start, end, timezone))


@lru_cache(maxsize=64)
def _network_statement(shape, by_day: bool = False):
    """The network totals (:data:`~dashboard.kpis.traffic.NETWORK_TOTALS`) of the rated segments of a period of
    ``shape``, per local day (as the driver returns it) when ``by_day``, summed from its per-segment rows
    (:func:`_segments_statement`) as :func:`~dashboard.kpis.traffic.network_measures_of` sums them: a segment's
    speed is its harmonic mean."""
    rows = _segments_statement(shape, by_day).subquery()
    length, speed = rows.c.length_m, cast(rows.c.speeds, Float) / rows.c.inverse_speed_sum
    congested_at = case(*((rows.c.road_class == road_class, bound) for road_class, bound in CONGESTED_AT.items()))
    keys = [rows.c.day] if by_day else []
    return (
        select(
            *keys, func.sum(length), func.sum(length / speed), func.count(),
            func.sum(length * rows.c.free_flow_kmh / speed), func.sum(case((speed <= congested_at, length), else_=0.0)),
        )
        .where(rows.c.speeds > 0, rows.c.inverse_speed_sum > 0, length > 0)
        .group_by(*keys)
    )


@cached
def period_network(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict[str, Measure]:
    """The network KPIs over [start, end), with the observations at the period's edges, from the per-segment sums
    of :func:`segment_sums` totalled by the database (no value without a rated segment)."""
    (totals,) = _read_rows(engine, _network_statement, start, end, timezone)
    if not totals[2]:
        return no_network()
    return network_measures_of_totals([None], *([total] for total in totals))[None]


#: The columns of a duration histogram's rows.
HISTOGRAM = ("kind", "bucket", "tickets", "min_seconds", "max_seconds")


@lru_cache(maxsize=32)
def _histograms_statement(shape, parts: int):
    """The histograms of a period per kind and bucket, in one statement: the rollup rows of its whole hours (a
    period of ``shape``; None when it holds no whole hour) and its ``parts`` partial hours bucketed from the
    facts as the rollup buckets them (bounds :func:`edge_bounds`)."""
    sources = [_rows(DURATIONS, HISTOGRAM, shape)] if shape is not None else []
    if parts:
        sources.append(facts_histograms(edge_bounds(parts)).subquery())
    selects = [select(*(source.c[c] for c in HISTOGRAM)) for source in sources]
    rows = union_all(*selects).subquery() if len(selects) > 1 else sources[0]
    return select(
        rows.c.kind,
        rows.c.bucket,
        func.sum(rows.c.tickets).label("tickets"),
        func.min(rows.c.min_seconds).label("min_seconds"),
        func.max(rows.c.max_seconds).label("max_seconds"),
    ).group_by(rows.c.kind, rows.c.bucket).order_by(rows.c.kind, rows.c.bucket)


@cached
def duration_histograms(engine: Engine, start: datetime, end: datetime, timezone: str) -> list:
    """The duration histograms of [start, end): tuples of ``kind``, ``bucket``, ``tickets``, ``min_seconds``,
    ``max_seconds`` in bucket order (handling times of the tickets closed, waits of the hall tickets issued); the
    whole hours from the rollups, the partial hours at its edges from the facts (:mod:`dashboard.queries.edges`).
    """
    whole, parts = partial_hours(start, end)
    if whole is None and not parts:
        return []
    span = _span(*whole, timezone) if whole else None
    params = (span.params(timezone) if span else {}) | edge_values(parts)
    statement = _histograms_statement(span.shape if span else None, len(parts))
    try:
        with engine.connect() as conn:
            math_functions(conn)  # the partial hours' buckets need log2 and floor
            return plain_tuples(conn.execute(statement, params).all())  # fetched at once: iterating fetches row by row
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc


#: The start of the last local day of the daily rollup beginning by ``hour``: the days before it hold only hours
#: before it, and the hourly rollup holds the rest up to ``hour`` (in whatever zone the days were kept).
_DAY_SPLIT = func.coalesce(
    select(func.max(ComplaintDaily.day)).where(ComplaintDaily.day <= _time("hour")).scalar_subquery(), _time("hour")
)
#: The start of the last local month of the monthly rollup beginning by the day split: the months before it hold
#: only days before it, and the daily rollup holds the rest up to the day split (the daily rollup's first day when
#: the monthly one holds no month by then).
_MONTH_SPLIT = func.coalesce(
    select(func.max(ComplaintMonthly.month)).where(ComplaintMonthly.month <= _DAY_SPLIT).scalar_subquery(),
    select(func.min(ComplaintDaily.day)).scalar_subquery(),
)
#: The running counts of the open and the overdue tickets (see the complaint rollups).
_RUNNING = ("received", "closed", "overdue_from", "overdue_to")


@lru_cache(maxsize=2)
def _running_statement(by_district: bool):
    """The sums of :data:`_RUNNING` over every hour before ``hour``, of the city or of ``district``: the local
    days before the day split from a daily rollup (the city's whole months before it from the monthly one), the
    hours from it on from the hourly one (the city's from its city totals)."""
    hourly, daily = AREAS if by_district else (CITY_OF[ComplaintHourly.__table__], ComplaintDaily.__table__)

    def where(table: Table) -> tuple:
        return (table.c.district_code == bindparam("district"),) if by_district else ()

    hours = select(*(hourly.c[n] for n in _RUNNING)).where(
        hourly.c.hour >= _DAY_SPLIT, hourly.c.hour < _time("hour"), *where(hourly)
    )
    if by_district:
        parts = [select(*(daily.c[n] for n in _RUNNING)).where(daily.c.day < _DAY_SPLIT, *where(daily)), hours]
    else:
        monthly = MONTHLY_OF[daily]
        parts = [
            select(*(monthly.c[n] for n in _RUNNING)).where(monthly.c.month < _MONTH_SPLIT),
            select(*(daily.c[n] for n in _RUNNING)).where(daily.c.day >= _MONTH_SPLIT, daily.c.day < _DAY_SPLIT),
            hours,
        ]
    return select(*_sums(union_all(*parts).subquery(), _RUNNING))


@lru_cache(maxsize=2)
def _hour_so_far_statement(by_district: bool):
    """For the tickets with an event time in [hour, now] (found through the three time indexes): (backlog,
    overdue) at ``now`` less what the rollup's hours before ``hour`` count of them."""
    c = Complaint.__table__.c
    hour, now = _time("hour"), _time("now")
    touched = union(*(select(c.id).where(column >= hour, column <= now)
                      for column in (c.requested_at, c.due_at, c.closed_at))).subquery()
    is_open = and_(c.requested_at <= now, or_(c.closed_at.is_(None), c.closed_at > now))
    counted_open = flag(c.requested_at < hour) - flag(c.closed_at < hour)
    counted_overdue = (flag(and_(c.requested_at < hour, c.due_at < hour))
                       - flag(and_(c.due_at < hour, c.closed_at < hour)))
    extra = (c.district_code == bindparam("district"),) if by_district else ()
    return select(
        func.coalesce(func.sum(flag(is_open) - counted_open), ZERO),
        func.coalesce(func.sum(flag(and_(is_open, c.due_at < now)) - counted_overdue), ZERO),
    ).where(c.id.in_(select(touched.c.id)), *extra)


@lru_cache(maxsize=2)
def _open_tickets_statement(by_district: bool):
    """:func:`_running_statement` and :func:`_hour_so_far_statement` side by side, in one row."""
    running = _running_statement(by_district).subquery()
    so_far = _hour_so_far_statement(by_district).subquery()
    return select(*running.c, *so_far.c).select_from(running.join(so_far, true()))


#: The hourly rollup of each KPI domain: the hours it holds are the hours the domain has data for.
DOMAIN_HOURS = {
    "complaints": ComplaintHourly,
    "halls": HallHourly,
    "traffic": TrafficHourly,
    "environment": EnvironmentHourly,
}


#: :func:`data_hours` in one statement, each bound its own subquery: an index's first or last entry (a MIN and a
#: MAX in one SELECT would make SQLite scan the table).
DATA_HOURS = select(
    *(
        select(bound(table.hour)).scalar_subquery()
        for table in DOMAIN_HOURS.values()
        for bound in (func.min, func.max)
    )
)


@cached
def data_hours(engine: Engine) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Per KPI domain: the first and the last UTC hour its hourly rollup holds ((None, None): no data)."""
    (row,) = read_rows(engine, DATA_HOURS)
    bounds = iter(row)
    return {domain: tuple(hour and _utc(hour) for hour in (next(bounds), next(bounds))) for domain in DOMAIN_HOURS}



@cached
def open_tickets(engine: Engine, now: datetime, district: str | None = None) -> tuple[int, int]:
    """(backlog, overdue) as of ``now``, of the city or one ``district``: tickets requested by ``now`` and not
    closed by then, and those of them past their deadline at ``now``.

    Read as running counts from the rollups (received less closed, overdue_from less overdue_to) over the hours
    before the one ``now`` lies in; the tickets with an event in that hour up to ``now`` are then taken as they
    stand at ``now``, from the facts. The cost is the rollup's days and one hour's tickets, for the present as for
    any moment of the past."""
    params = {"hour": hour_start(now.astimezone(UTC)), "now": now}
    params |= {"district": district} if district is not None else {}
    ((received, closed, overdue_from, overdue_to, open_so_far, overdue_so_far),) = read_rows(
        engine, _open_tickets_statement(district is not None), params
    )
    return int(received) - int(closed) + int(open_so_far), int(overdue_from) - int(overdue_to) + int(overdue_so_far)


# --- KPI tables -------------------------------------------------------------------------------------------


def period_measures(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict[str, Measure]:
    """Every period KPI over [start, end) (measures by KPI id)."""
    sums = period_sums(engine, start, end, timezone)
    days = (end - start).total_seconds() / 86400
    return (
        complaint_kpis.complaint_measures(sums["complaints"], days, sums["population"])
        | hall_kpis.hall_measures(sums["halls"])
        | environment_kpis.environment_measures(sums["environment"])
        | period_network(engine, start, end, timezone)
        | duration_measures(duration_histograms(engine, start, end, timezone))
    )


def kpi_values(
    engine: Engine, registry: Registry, start: datetime, end: datetime, now: datetime, timezone: str
) -> pd.DataFrame:
    """The registry's KPIs for the period [start, min(end, now)), plus backlog and overdue as of ``now``."""
    measures = period_measures(engine, start, min(end, now), timezone)
    backlog, overdue = open_tickets(engine, now)
    measures |= {
        "complaint_backlog": Measure(float(backlog)),
        "complaint_overdue": Measure(float(overdue), overdue, backlog),
    }
    return kpi_table(registry, measures)


def comparison_values(engine: Engine, registry: Registry, base: Span) -> pd.Series:
    """Each registry KPI's value (by id) over the comparison span ``base`` (backlog and overdue at its as-of
    moment), read by the same measures as the current values; NaN (no data, not 0) where the KPI's domain holds
    no data reaching back to the span's start (see :func:`dashboard.kpis.compare.covered`)."""
    values = kpi_values(engine, registry, base.start, base.full_end, base.end, base.timezone).set_index("id")["value"]
    hours = data_hours(engine)
    known = {k.id for k in registry if covered(*hours.get(k.domain, (None, None)), base.start)}
    return values.where(values.index.isin(known))


@lru_cache(maxsize=16)
def _daily_sums_statement(shape, domain: str):
    hourly, daily, names = LEVELS[domain]
    rows = _rows((hourly, daily), names, shape, by_day=True)
    return select(rows.c.day, *_sums(rows, names)).group_by(rows.c.day)


def _daily_sums(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict[str, dict[datetime, dict]]:
    """Per domain, per local day of [start, end) (keyed by its UTC start): the sums of the domain's rollup."""
    return {
        domain: {row.day: dict(row._mapping) for row in _read_rows(engine, _daily_sums_statement, start, end,
                                                                 timezone, domain)}
        for domain in LEVELS
    }


@lru_cache(maxsize=16)
def _area_days_statement(shape, names: tuple[str, ...]):
    rows = _rows(AREAS, ("district_code", *names), shape, by_day=True)
    return (
        select(rows.c.day, *_sums(rows, names))
        .where(rows.c.district_code == bindparam("district"))
        .group_by(rows.c.day)
    )


def _by_days(rows, names: tuple[str, ...], start: datetime, end: datetime, timezone: str, grain: str) -> pd.DataFrame:
    """Rows of (day, sums) as a frame with every local day of [start, end) (zero when quiet), summed by local
    month when ``grain`` is "month"; ``hour`` is each day's or month's UTC start (the column the charts read)."""
    by_day = {_utc(row.day): row._mapping for row in rows}
    days = [day for day, _ in local_days(start, end, timezone)]
    sums = {n: [float(by_day[day][n]) if day in by_day else 0.0 for day in days] for n in names}
    frame = pd.DataFrame({"hour": pd.to_datetime(days, utc=True), **sums}, columns=["hour", *names])
    if grain != "month" or frame.empty:
        return frame
    months = pd.to_datetime([period_bounds(day, timezone, "month")[0] for day in days], utc=True)
    return frame.assign(hour=months).groupby("hour", as_index=False, sort=True)[list(names)].sum()


@cached
def domain_series(
    engine: Engine, start: datetime, end: datetime, timezone: str, grain: str, domain: str
) -> pd.DataFrame:
    """The sums of one domain's rollup (``LEVELS``) in [start, end) per local day or month (``grain``) of the
    city's zone, from the daily rollups and the edge hours from the hourly ones, with the facts at the period's
    edges for the ``EDGE_DOMAINS``; see :func:`_by_days`."""
    span = _span(start, end, timezone)
    rows = read_rows(engine, _daily_sums_statement(span.shape, domain), span.params(timezone))
    frame = _by_days(rows, LEVELS[domain][2], start, end, timezone, grain)
    return _with_edge_days(frame, engine, start, end, timezone, grain, domain) if domain in EDGE_DOMAINS else frame


@cached
def complaint_series(
    engine: Engine, start: datetime, end: datetime, timezone: str, grain: str, district: str | None = None
) -> pd.DataFrame:
    """Complaints received and closed in [start, end) per local day or month (``grain``), of the city or one
    ``district``: ``hour`` (the day's or month's UTC start), ``received``, ``closed``."""
    names = ("received", "closed")
    if district is None:
        frame = domain_series(engine, start, end, timezone, grain, "complaints")[["hour", *names]]
    else:
        span = _span(start, end, timezone)
        statement, params = _area_days_statement(span.shape, names), span.params(timezone) | {"district": district}
        frame = _by_days(read_rows(engine, statement, params), names, start, end, timezone, grain)
        frame = _with_edge_days(frame, engine, start, end, timezone, grain, "complaints", district)
    return frame.astype(dict.fromkeys(names, int))


def _bucket_edges(engine: Engine, start: datetime, end: datetime, buckets: list[datetime], domain: str,
                  names: tuple[str, ...], by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The facts a per-bucket read of [start, end) from the rollups misplaces, as signed sums of ``names`` per
    ``bucket`` (the UTC starts of its local days or months, in order) and ``by``: a bucket read from the rollups
    holds the hours [ceil(its start), ceil(its end)), so the facts of [start, ceil(start)) are added to the first
    bucket, those of [end, ceil(end)) taken from the last, and at a boundary inside an hour (the midnight of a
    half-hour time zone) those of [boundary, ceil(boundary)) moved from the bucket before to the one it starts."""
    moments = (start, *buckets[1:], end)
    sums = boundary_sums(engine, moments, domain, names, by)
    parts = []
    for i in range(len(moments)):
        rows = sums[sums["boundary"] == i].drop(columns="boundary")
        if not rows.empty and i < len(buckets):
            parts.append(rows.assign(bucket=buckets[i]))
        if not rows.empty and i > 0:
            parts.append(rows.assign(bucket=buckets[i - 1], **{n: -rows[n] for n in names}))
    if not parts:
        return pd.DataFrame(columns=["bucket", *by, *names])
    return pd.concat(parts, ignore_index=True).groupby(["bucket", *by], as_index=False)[list(names)].sum()


def _with_edge_days(frame: pd.DataFrame, engine: Engine, start: datetime, end: datetime, timezone: str, grain: str,
                    domain: str, district: str | None = None) -> pd.DataFrame:
    """``frame`` (per local day or month: hour and sums of ``domain``'s rollup) with the facts the rollups'
    hours misplace (:func:`_bucket_edges`); of one ``district`` of the complaints when given."""
    names = [c for c in frame.columns if c != "hour"]
    if frame.empty:
        return frame
    buckets = [hour.to_pydatetime() for hour in frame["hour"]]
    edges = _bucket_edges(engine, start, end, buckets, domain, tuple(names), ("district_code",) if district else ())
    edges = edges[edges["district_code"] == district] if district else edges
    if edges.empty:
        return frame
    added = edges.assign(hour=pd.to_datetime(edges["bucket"], utc=True)).groupby("hour")[names].sum()
    frame = frame.set_index("hour")
    frame[names] = frame[names].astype(float).add(added.reindex(frame.index, fill_value=0.0))
    return frame.reset_index()


def _daily_network(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict[datetime, dict]:
    """The network KPIs of each local day of [start, end) (keyed by its UTC start), from per-segment sums totalled
    by the database (one row a day)."""
    rows = _read_rows(engine, _network_statement, start, end, timezone, True)
    columns = list(zip(*rows, strict=True)) or [()] * 6
    return network_measures_of_totals([_utc(day) for day in columns[0]], *columns[1:])


def _segment_days(engine: Engine, start: datetime, end: datetime, timezone: str) -> pd.DataFrame:
    """Per local day of [start, end) (``day``, its UTC start) and road segment: ``SEGMENT_COLUMNS``, with the
    observations the rollups' hours misplace (:func:`_bucket_edges`)."""
    rows = _read_rows(engine, _segments_statement, start, end, timezone, True)
    frame = pd.DataFrame([(_utc(row[0]), *row[1:]) for row in rows], columns=["day", *SEGMENT_COLUMNS[1:],
                                                                              "segment_code"])
    days = [day for day, _ in local_days(start, end, timezone)]
    edges = _bucket_edges(engine, start, end, days, "traffic", SEGMENT_SUMS, ("segment_code",))
    if edges.empty:
        return frame
    return _with_segment_edges(engine, frame, edges.rename(columns={"bucket": "day"}), ["day"])


@cached
def network_series(engine: Engine, start: datetime, end: datetime, timezone: str, grain: str) -> pd.DataFrame:
    """The network TPI of [start, end) per local day or month (``grain``): ``hour`` (the day's or month's UTC
    start), ``tpi``. A day's is that of its per-segment sums (the observations at the period's edges included);
    a month's weighs each segment-day by its length (the mean of the month's daily conditions). Days or months
    without a rated segment are left out."""
    frame = _segment_days(engine, start, end, timezone)
    keys = [pd.Timestamp(day).to_pydatetime() for day in frame["day"]]
    if grain == "month":
        keys = [period_bounds(day, timezone, "month")[0] for day in keys]
    measures = network_measures_of(keys, *(frame[c].to_numpy() for c in SEGMENT_COLUMNS[1:]))
    ordered = sorted(measures)
    return pd.DataFrame(
        {"hour": pd.to_datetime(ordered, utc=True), "tpi": [measures[k]["traffic_tpi"].value for k in ordered]}
    )


@cached
def daily_measures(engine: Engine, start: datetime, end: datetime, timezone: str) -> tuple[dict, dict]:
    """Per local day of [start, end) (keyed by its UTC start): the sums of each domain's rollup (by domain, then
    day) and the network KPIs (by day); one cached read for the trend's whole days."""
    return _daily_sums(engine, start, end, timezone), _daily_network(engine, start, end, timezone)


def _utc(moment: str | datetime) -> datetime:
    """A stored timestamp as the driver returns it (SQLite: text; PostgreSQL: a naive datetime), as UTC."""
    return (datetime.fromisoformat(moment) if isinstance(moment, str) else moment).replace(tzinfo=UTC)


def kpi_trend(engine: Engine, registry: Registry, now: datetime, timezone: str, days: int = 14) -> pd.DataFrame:
    """Per local day of the last ``days`` (today so far last): ``day`` (local date), ``city_score`` and one
    float column per registry KPI (NaN: no value; percentile KPIs and the as-of-now counts have none)."""
    today = period_bounds(now, timezone, "day")[0]
    start = period_bounds(now, timezone, "day", back=days - 1)[0]
    past, networks = daily_measures(engine, start, today, timezone)  # whole days: the daily level only
    current = period_sums(engine, today, now, timezone)  # today so far: the very reads of the day's KPIs
    by_day = {
        day: ({d: past[d].get(day, {}) for d in LEVELS}, networks.get(day, {}), end)
        for day, end in local_days(start, today, timezone)
    }
    by_day[today] = (current, period_network(engine, today, now, timezone), now)
    zone = ZoneInfo(timezone)
    dates, rows = [], []
    for day, (sums, network, end) in by_day.items():
        length = (end - day).total_seconds() / 86400
        measures = (
            complaint_kpis.complaint_measures(sums["complaints"], length, current["population"])
            | hall_kpis.hall_measures(sums["halls"])
            | environment_kpis.environment_measures(sums["environment"])
            | network
        )
        values, score = values_and_score(registry, measures)
        dates.append(day.astimezone(zone).date())
        rows.append([score, *values.values()])
    # one float block (None: NaN), built at once: a frame of per-day dicts costs more than the trend's reads
    columns = ["city_score", *(kpi.id for kpi in registry)]
    frame = pd.DataFrame(np.array(rows, dtype=float).reshape(len(rows), len(columns)), columns=columns)
    frame.insert(0, "day", dates)
    return frame


# --- headline KPIs ----------------------------------------------------------------------------------------

#: Local days (today so far and the whole days before it) of the ``last_30_days`` window.
LAST_DAYS = 30


@dataclass(frozen=True)
class Headline:
    """A headline KPI's measure over its window, the facts its card states beside it and, for a latest-reading
    window (the latest interval, the latest hour), when the reading's window ended (None: no reading)."""

    kpi: Kpi
    measure: Measure
    facts: dict[str, Any]
    read_at: datetime | None = None


#: What a headline window reads: the measures, the facts of each, and when a latest reading's window ended.
Read = tuple[dict[str, Measure], dict[str, Any], datetime | None]


def _today(engine: Engine, now: datetime, timezone: str) -> Read:
    start = local_day(now, timezone)[0]
    sums = period_sums(engine, start, now, timezone)
    yesterday = period_sums(engine, *local_day(now, timezone, days_back=1), timezone)
    days = (now - start).total_seconds() / 86400
    measures = complaint_kpis.complaint_measures(sums["complaints"], days, sums["population"])
    return measures | hall_kpis.hall_measures(sums["halls"]), {
        "complaints_received": {"yesterday": int(yesterday["complaints"]["received"])},
        "hall_wait_minutes": {"called": int(sums["halls"]["called"])},
    }, None


def _last_days(engine: Engine, now: datetime, timezone: str) -> Read:
    """The window's whole days from the daily level, today so far from the very read of today's KPIs."""
    start, today = local_day(now, timezone, days_back=LAST_DAYS - 1)[0], local_day(now, timezone)[0]
    past = domain_sums(engine, start, today, timezone, "complaints")
    so_far = period_sums(engine, today, now, timezone)["complaints"]
    sums = {name: past[name] + so_far[name] for name in past}
    measures = complaint_kpis.complaint_measures(sums, (now - start).total_seconds() / 86400, None)
    rate = measures["complaint_on_time_rate"]
    return measures, {"complaint_on_time_rate": {"on_time": int(rate.numerator), "due": int(rate.denominator),
                                                 "days": LAST_DAYS}}, None


def _latest_interval(engine: Engine, now: datetime, timezone: str) -> Read:
    """The network KPIs of the segments' newest observations of the latest interval by ``now`` (what the traffic
    page and its map show); the interval ends at its newest observation."""
    rows = traffic.latest_observation_rows(engine, now)
    _codes, observed, speed, free, length, classes = zip(*rows, strict=True) if rows else [()] * 6
    measures = observed_measures(speed, free, length, classes)
    tpi = measures["traffic_tpi"]
    return measures, {"traffic_tpi": {"tti": measures["traffic_tti"].value, "segments": int(tpi.denominator or 0),
                                      "length_km": float(tpi.numerator or 0)}}, max(observed, default=None)


def _latest_hour(engine: Engine, now: datetime, timezone: str) -> Read:
    """The environment KPIs of the newest full hour with air readings by ``now``: its city AQI as the rollup
    rates it."""
    city = environment.city_aqi(engine, timezone, now)
    aqi = {} if city is None else {"aqi_hours": 1, "aqi_sum": city.result.aqi}
    facts = {} if city is None else {"primary": city.result.primary, "stations": city.stations}
    ended = None if city is None else city.observed_at + timedelta(hours=1)
    return environment_kpis.environment_measures(aqi), {"air_aqi": facts}, ended


WINDOWS = {"today": _today, "last_30_days": _last_days, "latest_interval": _latest_interval,
           "latest_hour": _latest_hour}


def headline_values(engine: Engine, registry: Registry, now: datetime, timezone: str) -> list[Headline]:
    """The registry's headline KPIs at ``now`` in display order: each its period KPI's measure over its window."""
    windows: dict[str, Read] = {}
    out = []
    for kpi in registry.headline:
        if kpi.window not in windows:
            windows[kpi.window] = WINDOWS[kpi.window](engine, now, timezone)
        measures, facts, read_at = windows[kpi.window]
        out.append(Headline(kpi, measures.get(kpi.measure, Measure(None)), facts.get(kpi.measure, {}), read_at))
    return out


def latest_reading(engine: Engine, kpi: Kpi, now: datetime, timezone: str) -> Reading:
    """A latest-reading headline KPI's (the network TPI, the city AQI) reading by ``now``, as its card reads it."""
    measures, _facts, ended = WINDOWS[kpi.window](engine, now, timezone)
    return Reading(measures.get(kpi.measure, Measure(None)).value, ended, now)


# --- department ranking --------------------------------------------------------------------------------


#: The ranking's sums per department, as the complaint rollups define them (dashboard.db.rollups).
DEPARTMENT_SUMS = ("due", "due_met", "rated", "satisfied", "received", "returned")


@lru_cache(maxsize=64)
def _department_statement(shape):
    """Per handling department (the department a row names, else its category's service type's; rows of neither
    are left out), named (by its code when it has none): the sums of the department rollups and of the facts at
    the period's edges."""
    rows = _rows(DEPARTMENTS, ("department_code", "category", *DEPARTMENT_SUMS), shape, facts="complaints")
    by_category = select(ServiceType.department_code).where(ServiceType.code == rows.c.category).scalar_subquery()
    handling = func.coalesce(func.nullif(rows.c.department_code, ""), by_category).label("department_code")
    sums = select(handling, *_sums(rows, DEPARTMENT_SUMS)).group_by(handling).subquery()
    return (
        select(
            sums.c.department_code,
            *(func.coalesce(name, sums.c.department_code).label(name.key) for name in (Department.name_zh,
                                                                                       Department.name_en)),
            *(sums.c[n] for n in DEPARTMENT_SUMS),
        )
        .select_from(sums)
        .outerjoin(Department, Department.code == sums.c.department_code)
        .where(sums.c.department_code.is_not(None), sums.c.due + sums.c.rated + sums.c.received > 0)
        .order_by(sums.c.department_code)
    )


@cached
def department_sums(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict[str, list]:
    """Complaint sums per handling department (:data:`dashboard.queries.complaints.DEPARTMENT_KEY`, as the
    per-department breakdown of the complaints page) over [start, end), as columns by name: ``department_code``,
    ``name_zh`` and ``name_en`` (its code when it has none) and :data:`DEPARTMENT_SUMS`, from the department
    rollups and the facts at the period's edges; deadlines count once they have passed (the period is read up
    to now at most), so that on-time closure stays within 100 %. Departments without a ticket due, rated or
    received in the period are left out."""
    end = max(start, min(end, clock.now()))  # a period still to come: nothing yet
    span = _span(start, end, timezone)
    statement = _department_statement(span.shape)
    rows = read_rows(engine, statement, span.params(timezone))
    names = tuple(statement.selected_columns.keys())
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {name: [int(v) for v in column] if name in DEPARTMENT_SUMS else list(column)
            for name, column in zip(names, columns, strict=True)}


def department_ranking(
    engine: Engine, registry: Registry, start: datetime, end: datetime, timezone: str
) -> pd.DataFrame:
    """Departments ranked by the weighted score of ``registry.ranking_weights`` (see kpis.ranking), named."""
    sums = department_sums(engine, start, end, timezone)
    return rank_departments(sums, registry.ranking_weights, keep=("name_zh", "name_en"))


# --- the registry of a request ----------------------------------------------------------------------------


@cached
def admin_targets(engine: Engine) -> dict[str, AdminTarget]:
    """The targets and thresholds admins have set, by KPI id."""
    columns = (KpiTarget.kpi, KpiTarget.target, KpiTarget.threshold_green, KpiTarget.threshold_red)
    return {
        row.kpi: AdminTarget(
            float(row.target),
            None if pd.isna(row.threshold_green) else float(row.threshold_green),
            None if pd.isna(row.threshold_red) else float(row.threshold_red),
        )
        for row in read_rows(engine, select(*columns))
    }


def kpi_registry(engine: Engine, targets_file) -> Registry:
    """The registry for a request: defaults, then the city's TOML file, then the admins' targets."""
    return with_admin_targets(load_registry(targets_file), admin_targets(engine))
