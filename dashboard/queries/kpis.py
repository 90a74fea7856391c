"""KPI reads from the hourly rollups (never a scan of the fact tables), cached by period.

Every period KPI is a sum over whole UTC hours of a rollup, so a local day of Asia/Shanghai (16:00–16:00 UTC)
or any other zone is exact. Three reads use the facts, each through an index range rather than a scan:
handling-time median/P90 (tickets closed in the period, ``ix_complaint_closed_at``), the hall wait P90
(tickets issued in the period, ``ix_hall_ticket_issued_at``), and the backlog and overdue tickets as of now
(open tickets: the ``closed_at IS NULL`` range of ``ix_complaint_closed_at``). Percentiles need the
distribution, which a sum rollup does not keep; a day holds a few thousand tickets.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, case, func, select

from dashboard.cache import cached
from dashboard.db.models import (
    Complaint,
    ComplaintHourly,
    Department,
    District,
    HallHourly,
    HallTicket,
    RoadSegment,
    SensorHourly,
    ServiceType,
    TrafficHourly,
)
from dashboard.db.rollups import seconds_between
from dashboard.kpis import complaints as complaint_kpis
from dashboard.kpis import halls as hall_kpis
from dashboard.kpis.cityscore import city_score, kpi_table
from dashboard.kpis.environment import air_measures, hourly_city_aqi, noise_measures
from dashboard.kpis.measure import Measure
from dashboard.kpis.periods import local_days
from dashboard.kpis.ranking import rank_departments
from dashboard.kpis.registry import Registry
from dashboard.kpis.traffic import network_measures
from dashboard.queries.base import read_frame

#: Sensor quantities the environment KPIs read.
ENV_QUANTITIES = ("pm25", "pm10", "o3", "no2", "so2", "co", "laeq")


def _sums(table, names):
    return [func.coalesce(func.sum(table.c[n]), 0).label(n) for n in names]


def _in_period(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)


def _day_bucket(column, days: list[tuple[datetime, datetime]]):
    """The index of the local day ``column`` falls in (exact in any zone: one WHEN per day boundary)."""
    return case(*((column < end, i) for i, (_, end) in enumerate(days)), else_=len(days)).label("day")


# --- rollup sums ------------------------------------------------------------------------------------------


@cached
def complaint_sums(engine: Engine, start: datetime, end: datetime) -> dict[str, float]:
    """Sums of the complaint rollup over [start, end)."""
    t = ComplaintHourly.__table__
    stmt = select(*_sums(t, complaint_kpis.SUMS)).where(_in_period(t.c.hour, start, end))
    return read_frame(engine, stmt).iloc[0].astype(float).to_dict()


@cached
def hall_sums(engine: Engine, start: datetime, end: datetime) -> dict[str, float]:
    """Sums of the hall rollup over [start, end)."""
    t = HallHourly.__table__
    stmt = select(*_sums(t, hall_kpis.SUMS)).where(_in_period(t.c.hour, start, end))
    return read_frame(engine, stmt).iloc[0].astype(float).to_dict()


@cached
def segment_sums(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Per road segment over [start, end): speeds, Σ 1/v, with its length, free-flow speed and class."""
    t = TrafficHourly.__table__
    sums = (
        select(
            t.c.segment_code,
            func.sum(t.c.speeds).label("speeds"),
            func.sum(t.c.inverse_speed_sum).label("inverse_speed_sum"),
        )
        .where(_in_period(t.c.hour, start, end))
        .group_by(t.c.segment_code)
        .subquery()
    )
    stmt = select(sums, RoadSegment.length_m, RoadSegment.free_flow_kmh, RoadSegment.road_class).join(
        RoadSegment, RoadSegment.code == sums.c.segment_code
    )
    return read_frame(engine, stmt)


@cached
def sensor_hours(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Hourly mean per station and quantity (air pollutants and noise) over [start, end)."""
    t = SensorHourly.__table__
    stmt = select(t.c.hour, t.c.station_code, t.c.quantity, (t.c.value_sum / t.c.readings).label("mean")).where(
        _in_period(t.c.hour, start, end), t.c.quantity.in_(ENV_QUANTITIES), t.c.readings > 0
    )
    return read_frame(engine, stmt)


@cached
def population(engine: Engine) -> float | None:
    """Population of the city: the sum over its districts (None when unknown)."""
    frame = read_frame(engine, select(func.sum(District.population).label("p")).where(District.level == "district"))
    value = frame.iloc[0]["p"]
    return None if value is None or pd.isna(value) else float(value)


# --- index-range reads of the facts ----------------------------------------------------------------------


@cached
def handling_seconds(engine: Engine, start: datetime, end: datetime) -> pd.Series:
    """Handling durations (s) of the tickets closed in [start, end)."""
    stmt = select(seconds_between(Complaint.requested_at, Complaint.closed_at).label("s")).where(
        _in_period(Complaint.closed_at, start, end)
    )
    return read_frame(engine, stmt)["s"]


@cached
def wait_seconds(engine: Engine, start: datetime, end: datetime) -> pd.Series:
    """Waits (s) of the hall tickets issued in [start, end) and called."""
    stmt = select(seconds_between(HallTicket.issued_at, HallTicket.called_at).label("s")).where(
        _in_period(HallTicket.issued_at, start, end), HallTicket.called_at.is_not(None)
    )
    return read_frame(engine, stmt)["s"]


@cached
def open_tickets(engine: Engine, now: datetime) -> tuple[int, int]:
    """(backlog, overdue) as of ``now``: tickets not closed, and those of them past their deadline."""
    overdue = func.sum(case(((Complaint.due_at < now), 1), else_=0))
    stmt = select(func.count().label("open"), func.coalesce(overdue, 0).label("overdue")).where(
        Complaint.closed_at.is_(None), Complaint.requested_at < now
    )
    row = read_frame(engine, stmt).iloc[0]
    return int(row["open"]), int(row["overdue"])


# --- KPI tables -------------------------------------------------------------------------------------------


def period_measures(
    engine: Engine, start: datetime, end: datetime, timezone: str, percentiles: bool = True
) -> dict[str, Measure]:
    """Every period KPI over [start, end) (measures by KPI id); ``percentiles`` also reads the distributions."""
    days = (end - start).total_seconds() / 86400
    sensors = sensor_hours(engine, start, end)
    measures = (
        complaint_kpis.complaint_measures(complaint_sums(engine, start, end), days, population(engine))
        | hall_kpis.hall_measures(hall_sums(engine, start, end))
        | network_measures(segment_sums(engine, start, end))
        | air_measures(hourly_city_aqi(sensors, timezone))
        | noise_measures(sensors, timezone)
    )
    if percentiles:
        durations = handling_seconds(engine, start, end)
        measures |= {
            "complaint_handling_hours_median": complaint_kpis.percentile_hours(durations, 50),
            "complaint_handling_hours_p90": complaint_kpis.percentile_hours(durations, 90),
            "hall_wait_p90_minutes": hall_kpis.wait_percentile(wait_seconds(engine, start, end)),
        }
    return measures


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


@cached
def _daily_complaints(engine: Engine, days: tuple) -> pd.DataFrame:
    t = ComplaintHourly.__table__
    bucket = _day_bucket(t.c.hour, list(days))
    stmt = (
        select(bucket, *_sums(t, complaint_kpis.SUMS))
        .where(_in_period(t.c.hour, days[0][0], days[-1][1]))
        .group_by(bucket)
    )
    return read_frame(engine, stmt)


@cached
def _daily_halls(engine: Engine, days: tuple) -> pd.DataFrame:
    t = HallHourly.__table__
    bucket = _day_bucket(t.c.hour, list(days))
    stmt = (
        select(bucket, *_sums(t, hall_kpis.SUMS)).where(_in_period(t.c.hour, days[0][0], days[-1][1])).group_by(bucket)
    )
    return read_frame(engine, stmt)


@cached
def _daily_segments(engine: Engine, days: tuple) -> pd.DataFrame:
    t = TrafficHourly.__table__
    bucket = _day_bucket(t.c.hour, list(days))
    sums = (
        select(
            bucket,
            t.c.segment_code,
            func.sum(t.c.speeds).label("speeds"),
            func.sum(t.c.inverse_speed_sum).label("inverse_speed_sum"),
        )
        .where(_in_period(t.c.hour, days[0][0], days[-1][1]))
        .group_by(bucket, t.c.segment_code)
        .subquery()
    )
    stmt = select(sums, RoadSegment.length_m, RoadSegment.free_flow_kmh, RoadSegment.road_class).join(
        RoadSegment, RoadSegment.code == sums.c.segment_code
    )
    return read_frame(engine, stmt)


def kpi_trend(engine: Engine, registry: Registry, now: datetime, timezone: str, days: int = 14) -> pd.DataFrame:
    """Per local day of the last ``days`` (today so far last): ``day`` (local date), ``city_score`` and one
    column per period KPI (percentile KPIs and the as-of-now counts are left out)."""
    bounds = local_days(now, now, timezone)[0]
    spans = tuple(local_days(bounds[0] - pd.Timedelta(days=days - 1), bounds[1], timezone))[-days:]
    pop = population(engine)
    complaints_by_day = _daily_complaints(engine, spans).set_index("day")
    halls_by_day = _daily_halls(engine, spans).set_index("day")
    segments_by_day = _daily_segments(engine, spans)
    sensors = sensor_hours(engine, spans[0][0], spans[-1][1])
    sensor_day = pd.to_datetime(sensors["hour"], utc=True).dt.tz_convert(timezone).dt.date
    rows = []
    for i, (start, end) in enumerate(spans):
        length = (min(end, now) - start).total_seconds() / 86400
        local_date = pd.Timestamp(start).tz_convert(timezone).date()
        day_sensors = sensors[sensor_day == local_date]
        measures = (
            complaint_kpis.complaint_measures(_row(complaints_by_day, i), length, pop)
            | hall_kpis.hall_measures(_row(halls_by_day, i))
            | network_measures(segments_by_day[segments_by_day["day"] == i])
            | air_measures(hourly_city_aqi(day_sensors, timezone))
            | noise_measures(day_sensors, timezone)
        )
        table = kpi_table(registry, measures)
        rows.append(
            {"day": local_date, "city_score": city_score(table), **dict(zip(table["id"], table["value"], strict=True))}
        )
    return pd.DataFrame(rows)


def _row(frame: pd.DataFrame, index: int) -> dict[str, float]:
    return frame.loc[index].astype(float).to_dict() if index in frame.index else {}


# --- department ranking and district rates ----------------------------------------------------------------


@cached
def department_sums(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Complaint rollup sums per department over [start, end), names included.

    The rollup is by category; each category belongs to the department its service type names (承办单位).
    """
    t = ComplaintHourly.__table__
    names = ("due", "due_met", "rated", "satisfied", "received", "returned")
    stmt = (
        select(ServiceType.department_code, *[func.sum(t.c[n]).label(n) for n in names])
        .join(ServiceType, ServiceType.code == t.c.category)
        .where(_in_period(t.c.hour, start, end), ServiceType.department_code.is_not(None))
        .group_by(ServiceType.department_code)
    )
    sums = read_frame(engine, stmt)
    departments = read_frame(
        engine, select(Department.code.label("department_code"), Department.name_zh, Department.name_en)
    )
    return sums.merge(departments, how="left", on="department_code")


def department_ranking(engine: Engine, registry: Registry, start: datetime, end: datetime) -> pd.DataFrame:
    """Departments ranked by the weighted score of ``registry.ranking_weights`` (see kpis.ranking)."""
    sums = department_sums(engine, start, end)
    ranked = rank_departments(sums, registry.ranking_weights)
    names = sums[["department_code", "name_zh", "name_en"]]
    merged = ranked.merge(names, how="left", on="department_code")
    merged["name_zh"] = merged["name_zh"].fillna(merged["department_code"])
    merged["name_en"] = merged["name_en"].fillna(merged["department_code"])
    return merged


@cached
def district_rates(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Per district: complaints received in [start, end), population and per 10k residents a day."""
    t = ComplaintHourly.__table__
    stmt = (
        select(t.c.district_code.label("code"), func.sum(t.c.received).label("received"))
        .where(_in_period(t.c.hour, start, end))
        .group_by(t.c.district_code)
    )
    counts = read_frame(engine, stmt)
    areas = read_frame(
        engine,
        select(District.code, District.name_zh, District.name_en, District.population).where(
            District.level == "district"
        ),
    )
    frame = areas.merge(counts, how="left", on="code")
    frame["received"] = frame["received"].fillna(0).astype(int)
    days = (end - start).total_seconds() / 86400
    population_ = frame["population"].astype("Float64")
    frame["per_10k_day"] = (frame["received"] / days / population_.where(population_ > 0) * 10_000).astype(float)
    return frame
