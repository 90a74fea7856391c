"""Rollups (hourly, four-hour blocks, daily, dekads, monthly, duration histograms, the city's environment) equal a
recomputation from the facts after any sequence of inserts, updates and re-pulls; the block level is the hourly
one summed per four UTC hours, the daily level the hourly one summed per local day, the dekad and monthly levels
the daily one summed per local dekad and month."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Float, delete, insert, literal, select, union_all

from collectors.records import ComplaintRecord, HallTicketRecord, SensorRecord, TrafficRecord
from collectors.sinks import store
from dashboard.db import rollups
from dashboard.db.models import (
    Complaint,
    ComplaintAreaDaily,
    ComplaintBlock,
    ComplaintCityHourly,
    ComplaintDaily,
    ComplaintDepartmentDaily,
    ComplaintEvent,
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
from dashboard.kpis import durations
from dashboard.settings import get_settings

#: 08:00 on 11-29 in Shanghai: three days of facts cross local midnights, and the local month's end at 11-30
#: 16:00 UTC (T0 + 40 h)
T0 = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)
HOUR = timedelta(hours=1)
TZ = "Asia/Shanghai"
SATISFACTION = st.sampled_from([None, "satisfied", "basically_satisfied", "unsatisfied"])
#: 25 examples a property, fewer when the loaded profile asks for fewer (``make mutate``)
EXAMPLES = settings(max_examples=min(25, settings.default.max_examples), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

#: The tables of each domain's rollups (hourly level first).
TABLES = {
    "complaints": (ComplaintHourly, ComplaintCityHourly, ComplaintBlock, ComplaintDaily, ComplaintAreaDaily,
                   ComplaintDepartmentDaily, ComplaintMonthly, DurationHourly, DurationBlock, DurationDaily,
                   DurationDekad, DurationMonthly),
    "halls": (HallHourly, HallCityHourly, HallBlock, HallDaily, HallMonthly, DurationHourly, DurationBlock,
              DurationDaily, DurationDekad, DurationMonthly),
    "sensors": (SensorHourly, EnvironmentHourly, EnvironmentDaily),
    "traffic": (TrafficHourly, TrafficBlock, TrafficDaily, TrafficDekad, TrafficMonthly),
}


@st.composite
def complaint_versions(draw):
    """A ticket at some version: times within three days, maybe closed, maybe rated, maybe reopened."""
    ticket = draw(st.integers(0, 7))
    requested = T0 + timedelta(minutes=draw(st.integers(0, 48 * 60)))
    closed = draw(st.one_of(st.none(), st.integers(1, 30 * 60).map(lambda m: requested + timedelta(minutes=m))))
    due = requested + timedelta(hours=draw(st.sampled_from([4, 24, 48])))
    version = draw(st.integers(0, 5))
    return ComplaintRecord(
        source_id=f"T{ticket}",
        category=draw(st.sampled_from(["noise", "garbage", None])),
        status="closed" if closed else "accepted",
        district_code=draw(st.sampled_from(["339901", "339902", None])),
        department_code=draw(st.sampled_from(["D01", "D02", None])),
        requested_at=requested,
        closed_at=closed,
        due_at=due,
        revisited_at=closed + timedelta(hours=5) if closed and version % 2 else None,
        satisfaction=draw(SATISFACTION) if closed else None,
        returned_count=draw(st.integers(0, 2)),
        reopened_count=draw(st.integers(0, 1)),
        updated_at=T0 + timedelta(days=4, minutes=version),
    )


@st.composite
def hall_versions(draw):
    """A hall ticket at some version: issued within three days, maybe called (or called before it was issued:
    a clock skew the wait histogram counts as no wait), maybe finished."""
    ticket = draw(st.integers(0, 7))
    issued = T0 + timedelta(minutes=draw(st.integers(0, 60 * 60)))
    wait = draw(st.one_of(st.none(), st.integers(0, 240)))
    called = None if wait is None else issued + timedelta(minutes=wait)
    finished = None if called is None or draw(st.booleans()) else called + timedelta(minutes=draw(st.integers(1, 60)))
    version = draw(st.integers(0, 5))
    return HallTicketRecord(
        source_id=f"Q{ticket}",
        hall_code=draw(st.sampled_from(["H1", "H2"])),
        service_item=draw(st.sampled_from(["社保", None])),
        channel=draw(st.sampled_from(["online", "offline", None])),
        issued_at=issued,
        called_at=called,
        finished_at=finished,
        visits=draw(st.sampled_from([None, 1, 2])),
        rating=draw(st.sampled_from([None, 2, 5])),
        updated_at=T0 + timedelta(days=4, minutes=version),
    )


@st.composite
def sensor_readings(draw):
    """A reading of an air or a noise station within three days (re-pulls repeat a source id)."""
    station, quantity, scale = draw(st.sampled_from([("A1", "pm25", 200), ("A1", "no2", 300), ("N1", "laeq", 80),
                                                     ("N2", "laeq", 80)]))
    minute = draw(st.integers(0, 72 * 60 - 1))
    return SensorRecord(source_id=f"{station}/{quantity}@{minute}", station_code=station, quantity=quantity,
                        observed_at=T0 + timedelta(minutes=minute), value=float(draw(st.integers(0, scale))))


@st.composite
def traffic_observations(draw):
    """A 15-minute observation of a segment within three days."""
    segment, step = draw(st.sampled_from(["R1", "R2"])), draw(st.integers(0, 3 * 96 - 1))
    speed = float(draw(st.integers(0, 80)))
    return TrafficRecord(source_id=f"{segment}:{step}", segment_code=segment,
                         observed_at=T0 + timedelta(minutes=15 * step), period_s=900, speed_kmh=speed, volume=10.0,
                         occupancy=0.1, congested=speed < 20)


def _table(engine, model, **where) -> pd.DataFrame:
    table = model.__table__
    stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all())
    if frame.empty:
        return frame
    keys = [c.name for c in table.primary_key.columns]
    return frame.sort_values(keys).reset_index(drop=True)


def _of_domain(domain: str, model) -> dict:
    """The rows of ``model`` maintained by ``domain`` (the duration tables hold one histogram per domain)."""
    if model in (DurationHourly, DurationBlock, DurationDaily, DurationDekad, DurationMonthly):
        return {"kind": durations.HANDLING if domain == "complaints" else durations.WAIT}
    return {}


def _assert_equals_rebuild(engine, domain: str) -> dict:
    """Every rollup of ``domain`` equals its recomputation from the facts; returns the incremental tables."""
    incremental = {m: _table(engine, m, **_of_domain(domain, m)) for m in TABLES[domain]}
    with engine.begin() as conn:
        rollups.rebuild(conn, domain)
    for model, frame in incremental.items():
        rebuilt = _table(engine, model, **_of_domain(domain, model))
        pd.testing.assert_frame_equal(frame, rebuilt, check_dtype=False, obj=model.__tablename__)
    return incremental


def _local_day(hours: pd.Series) -> pd.Series:
    """The UTC start of the local day of each hour."""
    local = pd.to_datetime(hours, utc=True).dt.tz_convert(TZ)
    return local.dt.normalize().dt.tz_convert("UTC")


def _assert_sums(lower: pd.DataFrame, upper: pd.DataFrame, key: str, periods: pd.Series, dims: list[str]) -> None:
    """The ``upper`` level's rows (time column ``key``) are the ``lower`` level's rows summed (least / greatest for
    min_ / max_) per the period (its UTC start, ``periods``) each lower row falls in."""
    if lower.empty:
        assert upper.empty
        return
    measures = [c for c in upper.columns if c not in (key, *dims)]
    aggregations = {m: "min" if m.startswith("min_") else "max" if m.startswith("max_") else "sum" for m in measures}
    expected = lower.assign(**{key: periods}).groupby([key, *dims], as_index=False).agg(aggregations)
    actual = upper.assign(**{key: pd.to_datetime(upper[key], utc=True)})
    merged = expected.merge(actual, on=[key, *dims], how="outer", suffixes=("", "_upper"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    for m in measures:
        assert np.allclose(merged[m].astype(float), merged[f"{m}_upper"].astype(float), atol=1e-6), m


def _assert_daily_sums_hourly(hourly: pd.DataFrame, daily: pd.DataFrame, dims: list[str]) -> None:
    """The daily rows are the hourly rows summed per local day."""
    _assert_sums(hourly, daily, "day", None if hourly.empty else _local_day(hourly["hour"]), dims)


def _assert_blocks_sum_hourly(hourly: pd.DataFrame, blocks: pd.DataFrame, dims: list[str]) -> None:
    """The block rows are the hourly rows summed per four UTC hours from midnight UTC."""
    blocks_of = None if hourly.empty else pd.to_datetime(hourly["hour"], utc=True).dt.floor("4h")
    _assert_sums(hourly, blocks, "block", blocks_of, dims)


def _assert_city_hours_sum_hourly(hourly: pd.DataFrame, city: pd.DataFrame) -> None:
    """The city rows are the hourly rows summed per hour over every dimension."""
    measures = [c for c in city.columns if c != "hour"]
    by_hour = hourly[["hour", *measures]] if not hourly.empty else hourly
    _assert_sums(by_hour, city, "hour", None if hourly.empty else pd.to_datetime(hourly["hour"], utc=True), [])


def _assert_monthly_sums_daily(daily: pd.DataFrame, monthly: pd.DataFrame, dims: list[str]) -> None:
    """The monthly rows are the daily rows summed per local month."""
    if daily.empty:
        _assert_sums(daily, monthly, "month", None, dims)
        return
    local = pd.to_datetime(daily["day"], utc=True).dt.tz_convert(TZ)
    month = local.dt.tz_localize(None).dt.to_period("M").dt.start_time.dt.tz_localize(TZ).dt.tz_convert("UTC")
    _assert_sums(daily, monthly, "month", month, dims)


def _assert_dekads_sum_daily(daily: pd.DataFrame, dekads: pd.DataFrame, dims: list[str]) -> None:
    """The dekad rows are the daily rows summed per local dekad: days 1-10, 11-20 and 21 to the month's end."""
    if daily.empty:
        _assert_sums(daily, dekads, "dekad", None, dims)
        return
    local = pd.to_datetime(daily["day"], utc=True).dt.tz_convert(TZ).dt.tz_localize(None)
    first = np.select([local.dt.day <= 10, local.dt.day <= 20], [1, 11], 21)
    starts = pd.to_datetime({"year": local.dt.year, "month": local.dt.month, "day": first})
    _assert_sums(daily, dekads, "dekad", starts.dt.tz_localize(TZ).dt.tz_convert("UTC"), dims)


def _buckets(seconds: pd.Series) -> np.ndarray:
    values = seconds.to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        buckets = np.floor(durations.PER_DOUBLING * np.log2(np.maximum(values, 1))).astype(int)
    return np.where(values < 1, durations.UNDER_ONE_SECOND, np.minimum(buckets, durations.LAST_BUCKET))


def _assert_histogram(histogram: pd.DataFrame, hours: pd.Series, seconds: pd.Series) -> None:
    """The hourly histogram holds each duration once, in its hour and bucket, with the bucket's least and most."""
    facts = pd.DataFrame({"hour": pd.to_datetime(hours, utc=True).dt.floor("h"), "bucket": _buckets(seconds),
                          "seconds": seconds.to_numpy(dtype=float)})
    expected = facts.groupby(["hour", "bucket"], as_index=False).agg(
        tickets=("seconds", "size"), min_seconds=("seconds", "min"), max_seconds=("seconds", "max")
    )
    actual = histogram.assign(hour=pd.to_datetime(histogram["hour"], utc=True)) if not histogram.empty else histogram
    assert len(actual) == len(expected)
    if expected.empty:
        return
    merged = expected.merge(actual, on=["hour", "bucket"], suffixes=("", "_rollup"))
    assert len(merged) == len(expected)
    assert (merged["tickets"] == merged["tickets_rollup"]).all()
    for column in ("min_seconds", "max_seconds"):
        assert np.allclose(merged[column], merged[f"{column}_rollup"], atol=1e-3), column  # julianday arithmetic


def _oracle_complaints(engine) -> pd.DataFrame:
    """Complaint rollup computed independently in pandas from the facts."""
    facts = _table(engine, Complaint)
    for column in ("requested_at", "closed_at", "due_at", "revisited_at"):
        facts[column] = pd.to_datetime(facts[column], utc=True)
    facts["district_code"] = facts["district_code"].fillna("")
    facts["category"] = facts["category"].fillna("")
    facts["department_code"] = facts["department_code"].fillna("")
    parts = []
    for time_col, measures in {
        "requested_at": lambda f: {"received": 1, "received_closed": f["closed_at"].notna().astype(int),
                                   "returned": f["returned_count"]},
        "closed_at": lambda f: {"closed": 1, "closed_on_time": (f["closed_at"] <= f["due_at"]).astype(int),
                                "handling_seconds": (f["closed_at"] - f["requested_at"]).dt.total_seconds(),
                                "reopened": (f["reopened_count"] > 0).astype(int)},
        "due_at": lambda f: {"due": 1,
                             "due_met": (f["closed_at"].notna() & (f["closed_at"] <= f["due_at"])).astype(int)},
        "rated_at": lambda f: {"rated": 1,
                               "satisfied": f["satisfaction"].isin(["satisfied", "basically_satisfied"]).astype(int)},
        # overdue from the moment a ticket is both requested and past due, until it is both that and closed
        "overdue_from_at": lambda f: {"overdue_from": 1},
        "overdue_to_at": lambda f: {"overdue_to": 1},
    }.items():
        due = facts["due_at"].notna()
        f = facts.assign(
            rated_at=facts["revisited_at"].fillna(facts["closed_at"]),
            overdue_from_at=facts[["requested_at", "due_at"]].max(axis=1).where(due),
            overdue_to_at=facts[["requested_at", "due_at", "closed_at"]].max(axis=1).where(
                due & facts["closed_at"].notna()),
        )
        if time_col == "rated_at":
            f = f[f["satisfaction"].notna()]
        f = f[f[time_col].notna()]
        part = pd.DataFrame({"hour": f[time_col].dt.floor("h"), "district_code": f["district_code"],
                             "category": f["category"], "department_code": f["department_code"], **measures(f)})
        parts.append(part)
    keys = ["hour", "district_code", "category", "department_code"]
    oracle = pd.concat(parts).fillna(0).groupby(keys, as_index=False).sum()
    return oracle


def _clear(engine, *models) -> None:
    with engine.begin() as conn:
        for model in models:
            conn.execute(delete(model))


def _pull(engine, domain: str, source: str, batches: list[list]) -> None:
    for batch in batches + batches[:1]:  # the first batch is pulled again at the end
        with engine.begin() as conn:
            store(conn, domain, source, batch, NOW, timezone=TZ)


@EXAMPLES
@given(batches=st.lists(st.lists(complaint_versions(), min_size=1, max_size=6), min_size=1, max_size=5))
def test_complaint_rollups_equal_recomputation(sqlite_engine, batches):
    _clear(
        sqlite_engine, Complaint, ComplaintEvent, ComplaintHourly, ComplaintCityHourly, ComplaintBlock, ComplaintDaily,
        ComplaintAreaDaily,
        ComplaintDepartmentDaily, ComplaintMonthly, DurationHourly, DurationBlock, DurationDaily, DurationDekad,
        DurationMonthly,
    )
    _pull(sqlite_engine, "complaints", "hotline", batches)
    tables = _assert_equals_rebuild(sqlite_engine, "complaints")
    incremental = tables[ComplaintHourly]
    oracle = _oracle_complaints(sqlite_engine)
    keys = ["hour", "district_code", "category", "department_code"]
    merged = incremental.merge(oracle, on=keys, how="outer", suffixes=("", "_oracle"))
    for m in rollups.COMPLAINT_MEASURES:
        assert (merged[m].fillna(0) - merged[f"{m}_oracle"].fillna(0)).abs().max() < 1e-3, m
    by_category = incremental.drop(columns=["district_code", "department_code"])
    _assert_daily_sums_hourly(by_category, tables[ComplaintDaily], ["category"])
    by_area = incremental.drop(columns=["category", "department_code"])
    _assert_daily_sums_hourly(by_area, tables[ComplaintAreaDaily], ["district_code"])
    by_department = incremental.drop(columns="district_code")
    _assert_daily_sums_hourly(by_department, tables[ComplaintDepartmentDaily], ["department_code", "category"])
    _assert_daily_sums_hourly(tables[DurationHourly], tables[DurationDaily], ["kind", "bucket"])
    _assert_blocks_sum_hourly(by_category, tables[ComplaintBlock], ["category"])
    _assert_city_hours_sum_hourly(incremental, tables[ComplaintCityHourly])
    _assert_blocks_sum_hourly(tables[DurationHourly], tables[DurationBlock], ["kind", "bucket"])
    _assert_monthly_sums_daily(tables[ComplaintDaily], tables[ComplaintMonthly], ["category"])
    _assert_monthly_sums_daily(tables[DurationDaily], tables[DurationMonthly], ["kind", "bucket"])
    _assert_dekads_sum_daily(tables[DurationDaily], tables[DurationDekad], ["kind", "bucket"])
    facts = _table(sqlite_engine, Complaint)
    closed = facts[facts["closed_at"].notna()]
    handling = pd.to_datetime(closed["closed_at"], utc=True) - pd.to_datetime(closed["requested_at"], utc=True)
    _assert_histogram(tables[DurationHourly], closed["closed_at"], handling.dt.total_seconds())


@EXAMPLES
@given(batches=st.lists(st.lists(hall_versions(), min_size=1, max_size=6), min_size=1, max_size=5))
def test_hall_rollups_equal_recomputation(sqlite_engine, batches):
    _clear(sqlite_engine, HallTicket, HallHourly, HallCityHourly, HallBlock, HallDaily, HallMonthly, DurationHourly,
           DurationBlock, DurationDaily, DurationDekad, DurationMonthly)
    _pull(sqlite_engine, "halls", "queue", batches)
    tables = _assert_equals_rebuild(sqlite_engine, "halls")
    _assert_daily_sums_hourly(tables[HallHourly].drop(columns="service_item"), tables[HallDaily], ["hall_code"])
    _assert_blocks_sum_hourly(tables[HallHourly].drop(columns="service_item"), tables[HallBlock], ["hall_code"])
    _assert_city_hours_sum_hourly(tables[HallHourly], tables[HallCityHourly])
    _assert_blocks_sum_hourly(tables[DurationHourly], tables[DurationBlock], ["kind", "bucket"])
    _assert_daily_sums_hourly(tables[DurationHourly], tables[DurationDaily], ["kind", "bucket"])
    _assert_monthly_sums_daily(tables[HallDaily], tables[HallMonthly], ["hall_code"])
    _assert_monthly_sums_daily(tables[DurationDaily], tables[DurationMonthly], ["kind", "bucket"])
    _assert_dekads_sum_daily(tables[DurationDaily], tables[DurationDekad], ["kind", "bucket"])
    facts = _table(sqlite_engine, HallTicket)
    called = facts[facts["called_at"].notna()]
    wait = pd.to_datetime(called["called_at"], utc=True) - pd.to_datetime(called["issued_at"], utc=True)
    _assert_histogram(tables[DurationHourly], called["issued_at"], wait.dt.total_seconds().clip(lower=0))


@EXAMPLES
@given(
    readings=st.lists(st.lists(sensor_readings(), min_size=1, max_size=8), min_size=1, max_size=4),
    observations=st.lists(st.lists(traffic_observations(), min_size=1, max_size=8), min_size=1, max_size=4),
)
def test_sensor_and_traffic_rollups_equal_recomputation(sqlite_engine, readings, observations):
    _clear(sqlite_engine, SensorReading, SensorHourly, EnvironmentHourly, EnvironmentDaily, Station,
           TrafficObservation, TrafficHourly, TrafficBlock, TrafficDaily, TrafficDekad, TrafficMonthly)
    with sqlite_engine.begin() as conn:
        conn.execute(insert(Station), [
            {"code": "N1", "name_zh": "N1", "name_en": "N1", "kind": "noise", "lon": 0, "lat": 0, "noise_class": "1"},
            {"code": "N2", "name_zh": "N2", "name_en": "N2", "kind": "noise", "lon": 0, "lat": 0, "noise_class": None},
        ])
    _pull(sqlite_engine, "sensors", "air", readings)
    _pull(sqlite_engine, "traffic", "ngsi", observations)
    sensors = _assert_equals_rebuild(sqlite_engine, "sensors")
    traffic = _assert_equals_rebuild(sqlite_engine, "traffic")
    _assert_daily_sums_hourly(sensors[EnvironmentHourly], sensors[EnvironmentDaily], [])
    _assert_daily_sums_hourly(traffic[TrafficHourly], traffic[TrafficDaily], ["segment_code"])
    _assert_blocks_sum_hourly(traffic[TrafficHourly], traffic[TrafficBlock], ["segment_code"])
    _assert_monthly_sums_daily(traffic[TrafficDaily], traffic[TrafficMonthly], ["segment_code"])
    _assert_dekads_sum_daily(traffic[TrafficDaily], traffic[TrafficDekad], ["segment_code"])
    noise = sensors[SensorHourly]
    noise = noise[noise["quantity"] == "laeq"] if not noise.empty else noise
    environment = sensors[EnvironmentHourly]
    rated = 0 if environment.empty else int((environment["noise_day_hours"] + environment["noise_night_hours"]).sum())
    assert rated == len(noise)  # every noise station-hour is rated, by day or by night


def test_observation_and_hall_rollups_on_both_dialects(engine):
    segments = [
        TrafficRecord(source_id=f"R1:{i}", segment_code="R1", observed_at=T0 + timedelta(minutes=15 * i),
                      period_s=900, speed_kmh=speed, volume=100, occupancy=0.2, congested=speed < 20)
        for i, speed in enumerate([40.0, 20.0, 10.0, 0.0, 60.0])
    ]
    readings = [SensorRecord(source_id=f"A:{i}", station_code="A", quantity="pm25",
                             observed_at=T0 + timedelta(minutes=20 * i), value=v, unit="µg/m³")
                for i, v in enumerate([10.0, 30.0, 50.0, 70.0])]
    tickets = [
        HallTicketRecord(source_id="Q1", hall_code="H01", service_item="社保业务", channel="online",
                         issued_at=T0, called_at=T0 + timedelta(minutes=40), finished_at=T0 + timedelta(minutes=50),
                         visits=1, rating=5, updated_at=T0 + timedelta(minutes=50)),
        HallTicketRecord(source_id="Q2", hall_code="H01", service_item="社保业务", channel="offline",
                         issued_at=T0 + timedelta(minutes=5), called_at=T0 + timedelta(minutes=15),
                         visits=2, rating=2, updated_at=T0 + timedelta(minutes=15)),
    ]
    with engine.begin() as conn:
        conn.execute(insert(Station), [{"code": "A", "name_zh": "A", "name_en": "A", "kind": "air", "lon": 120.0,
                                        "lat": 30.0}])  # one of the city's air stations: the city AQI is theirs
        store(conn, "traffic", "ngsi", segments, NOW, timezone=TZ)
        store(conn, "sensors", "air", readings, NOW, timezone=TZ)
        store(conn, "halls", "queue", tickets, NOW, timezone=TZ)
    traffic = _assert_equals_rebuild(engine, "traffic")[TrafficHourly]
    sensors = _assert_equals_rebuild(engine, "sensors")
    halls = _assert_equals_rebuild(engine, "halls")

    first = traffic.iloc[0]
    assert (first.observations, first.speeds, first.congested) == (4, 3, 2)
    assert first.inverse_speed_sum == 1 / 40 + 1 / 20 + 1 / 10
    assert list(sensors[SensorHourly].readings) == [3, 1] and list(sensors[SensorHourly].value_max) == [50.0, 70.0]
    # city AQI of PM2.5 means 30 and 70 µg/m³ (HJ 633-2026 24-hour nodes, rounded up): 50/35·30 → 43 and
    # 100 + 50/55·10 → 110
    environment = sensors[EnvironmentHourly]
    assert list(environment.aqi_hours) == [1, 1] and list(environment.aqi_sum) == [43, 110]
    assert list(environment.aqi_over_100_hours) == [0, 1]
    day = sensors[EnvironmentDaily].iloc[0]
    assert (day.aqi_hours, day.aqi_sum, day.aqi_over_100_hours) == (2, 153, 1)
    hall = halls[HallHourly].iloc[0]
    assert (hall.issued, hall.called, hall.waited_over_30min, hall.finished) == (2, 2, 1, 1)
    assert abs(hall.wait_seconds - (40 + 10) * 60) < 0.01  # julianday arithmetic: sub-millisecond error
    assert (hall.online, hall.single_visit, hall.rated, hall.rated_good) == (1, 1, 2, 1)
    waits = halls[DurationHourly]
    assert list(waits.tickets) == [1, 1] and np.allclose(waits.min_seconds, [600, 2400], atol=0.01)
    assert list(halls[HallDaily].issued) == [2]


def _tickets_around_midnight(engine, evening: datetime) -> list[ComplaintRecord]:
    """Store three tickets: one requested at ``evening`` (15:30 UTC, 23:30 in Shanghai), two in the hour after
    Shanghai's midnight (16:30 and 16:35 UTC); returns them."""
    midnight = evening + timedelta(hours=1)
    tickets = [
        ComplaintRecord(source_id=f"C{i}", category="noise", status="received", requested_at=at, updated_at=at)
        for i, at in enumerate([evening, midnight, midnight + timedelta(minutes=5)])
    ]
    with engine.begin() as conn:
        store(conn, "complaints", "hotline", tickets, NOW, timezone=TZ)
    return tickets


def test_daily_rows_follow_the_local_day(engine):
    # 15:30 and 16:30 UTC on 11-29 are 23:30 on 11-29 and 00:30 on 11-30 in Shanghai: two local days
    _tickets_around_midnight(engine, T0 + timedelta(hours=15, minutes=30))
    daily = _table(engine, ComplaintDaily)
    assert [d.astimezone(UTC) for d in daily["day"]] == [T0 - timedelta(hours=8), T0 + timedelta(hours=16)]
    assert list(daily["received"]) == [1, 2]


def test_monthly_rows_follow_the_local_month(engine):
    # 15:30 and 16:30 UTC on 11-30 are 23:30 on 11-30 and 00:30 on 12-01 in Shanghai: two local months, which
    # begin at 16:00 UTC on the day before their first (10-31 and 11-30)
    evening = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    tickets = _tickets_around_midnight(engine, evening)
    monthly = _table(engine, ComplaintMonthly)
    assert [m.astimezone(UTC) for m in monthly["month"]] == [datetime(2026, 10, 31, 16, tzinfo=UTC),
                                                              datetime(2026, 11, 30, 16, tzinfo=UTC)]
    assert list(monthly["received"]) == [1, 2]
    # a newer version of C2 was requested in November after all: both months are recomputed
    moved = tickets[2].model_copy(update={"requested_at": evening + timedelta(minutes=15), "updated_at": NOW})
    with engine.begin() as conn:
        store(conn, "complaints", "hotline", [moved], NOW, timezone=TZ)
    assert list(_table(engine, ComplaintMonthly)["received"]) == [2, 1]


def test_local_months_of_a_zone_with_summer_time_and_across_a_year():
    # Berlin: March 2026 begins at 00:00 CET (23:00 UTC on 02-28) and ends at 00:00 CEST (22:00 UTC on 03-31);
    # Shanghai: December 2026 runs from 16:00 UTC on 11-30 to 16:00 UTC on 12-31
    march = [(datetime(2026, 3, 29, 22, tzinfo=UTC), datetime(2026, 3, 30, 22, tzinfo=UTC))]
    assert rollups.local_months(march, "Europe/Berlin") == [
        (datetime(2026, 2, 28, 23, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC))
    ]
    december = [(datetime(2026, 12, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))]
    assert rollups.local_months(december * 2, TZ) == [
        (datetime(2026, 11, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    ]


def _hours(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column], utc=True).dt.floor("h")


def _seconds(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later, utc=True) - pd.to_datetime(earlier, utc=True)).dt.total_seconds()


def _oracle_halls(facts: pd.DataFrame) -> pd.DataFrame:
    """Hall hourly rollup computed in pandas from the tickets (no SQL of the product)."""
    wait = _seconds(facts["called_at"], facts["issued_at"])
    return pd.DataFrame({
        "hour": _hours(facts, "issued_at"), "hall_code": facts["hall_code"],
        "service_item": facts["service_item"].fillna(""), "issued": 1, "called": facts["called_at"].notna(),
        "wait_seconds": wait.fillna(0), "waited_over_30min": wait > 1800, "finished": facts["finished_at"].notna(),
        "handling_seconds": _seconds(facts["finished_at"], facts["called_at"]).fillna(0),
        "online": facts["channel"] == "online", "with_visits": facts["visits"].notna(),
        "single_visit": facts["visits"] == 1, "rated": facts["rating"].notna(), "rated_good": facts["rating"] >= 4,
    }).groupby(["hour", "hall_code", "service_item"], as_index=False).sum()


def _oracle_traffic(facts: pd.DataFrame) -> pd.DataFrame:
    """Traffic hourly rollup computed in pandas from the observations."""
    speed = facts["speed_kmh"].astype(float)
    moving = speed > 0
    return pd.DataFrame({
        "hour": _hours(facts, "observed_at"), "segment_code": facts["segment_code"], "observations": 1,
        "speed_sum": speed.fillna(0), "inverse_speed_sum": (1 / speed.where(moving)).fillna(0), "speeds": moving,
        "volume_sum": facts["volume"].astype(float).fillna(0),
        "occupancy_sum": facts["occupancy"].astype(float).fillna(0),
        "congested": facts["congested"].eq(True),
    }).groupby(["hour", "segment_code"], as_index=False).sum()


def _oracle_sensors(facts: pd.DataFrame) -> pd.DataFrame:
    """Sensor hourly rollup computed in pandas from the readings."""
    frame = facts.assign(hour=_hours(facts, "observed_at"), value=facts["value"].astype(float))
    return frame.groupby(["hour", "station_code", "quantity"], as_index=False).agg(
        readings=("value", "count"), value_sum=("value", "sum"), value_min=("value", "min"),
        value_max=("value", "max"),
    )


def _assert_equals_oracle(rollup: pd.DataFrame, oracle: pd.DataFrame, keys: list[str]) -> None:
    """Same groups, same measures (to float precision)."""
    actual = rollup.assign(hour=pd.to_datetime(rollup["hour"], utc=True)) if not rollup.empty else rollup
    assert len(actual) == len(oracle)
    if oracle.empty:
        return
    merged = oracle.merge(actual, on=keys, how="outer", suffixes=("", "_rollup"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys]
    for measure in (c for c in oracle.columns if c not in keys):
        expected, stored = merged[measure].astype(float), merged[f"{measure}_rollup"].astype(float)
        assert np.allclose(expected, stored, rtol=1e-9, atol=1e-3, equal_nan=True), (measure, merged)


@EXAMPLES
@given(batches=st.lists(st.lists(hall_versions(), min_size=1, max_size=6), min_size=1, max_size=5))
def test_hall_rollups_equal_an_independent_pandas_recomputation(engine, batches):
    _clear(engine, HallTicket, HallHourly, HallDaily, DurationHourly, DurationDaily)
    _pull(engine, "halls", "queue", batches)
    _assert_equals_oracle(_table(engine, HallHourly), _oracle_halls(_table(engine, HallTicket)),
                          ["hour", "hall_code", "service_item"])


@EXAMPLES
@given(
    readings=st.lists(st.lists(sensor_readings(), min_size=1, max_size=8), min_size=1, max_size=4),
    observations=st.lists(st.lists(traffic_observations(), min_size=1, max_size=8), min_size=1, max_size=4),
)
def test_sensor_and_traffic_rollups_equal_an_independent_pandas_recomputation(engine, readings, observations):
    _clear(engine, SensorReading, SensorHourly, EnvironmentHourly, EnvironmentDaily, TrafficObservation,
           TrafficHourly, TrafficDaily)
    _pull(engine, "sensors", "air", readings)
    _pull(engine, "traffic", "ngsi", observations)
    _assert_equals_oracle(_table(engine, SensorHourly), _oracle_sensors(_table(engine, SensorReading)),
                          ["hour", "station_code", "quantity"])
    _assert_equals_oracle(_table(engine, TrafficHourly), _oracle_traffic(_table(engine, TrafficObservation)),
                          ["hour", "segment_code"])


def test_an_sqlite_without_math_functions_buckets_durations_alike(sqlite_engine, monkeypatch):
    # Buckets by hand (16 per doubling from 1 s): 0.5 s is under a second (-1); 1 s is bucket 0; 3,600 s is
    # floor(16 · log2 3600) = floor(16 · 11.8137) = 189; 2^26 s is past the last bucket's start (2^25 s): 400.
    monkeypatch.setattr(rollups, "_sqlite_has_math", lambda: False)  # log2 and floor made in Python instead
    handling = [0.5, 1, 3600, 2**26]
    tickets = [
        ComplaintRecord(source_id=f"C{i}", status="closed", requested_at=T0, updated_at=T0 + timedelta(days=800),
                        closed_at=T0 + timedelta(seconds=seconds))
        for i, seconds in enumerate(handling)
    ]
    with sqlite_engine.begin() as conn:
        store(conn, "complaints", "hotline", tickets, NOW, timezone=TZ)
    histogram = _table(sqlite_engine, DurationHourly)
    assert sorted(histogram["bucket"]) == [-1, 0, 189, 400]
    assert sorted(histogram["min_seconds"]) == pytest.approx(handling, abs=1e-3)


def test_retention_drops_no_fact_on_sqlite_so_a_rebuild_recomputes_every_month(sqlite_engine, monkeypatch):
    # Retention drops whole monthly partitions of PostgreSQL; SQLite's tables have none, so its facts of a month
    # long past are all still there, and a rebuild sums them again (4 observations, one hour, one day).
    monkeypatch.setenv("CITYOPS_RETENTION_MONTHS", "1")
    get_settings.cache_clear()
    long_ago = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    observations = [
        TrafficRecord(source_id=f"R1:{i}", segment_code="R1", observed_at=long_ago + timedelta(minutes=15 * i),
                      period_s=900, speed_kmh=30.0, volume=10.0, occupancy=0.1, congested=False)
        for i in range(4)
    ]
    try:
        with sqlite_engine.begin() as conn:
            store(conn, "traffic", "ngsi", observations, NOW, timezone=TZ)
            conn.execute(delete(TrafficHourly))
            conn.execute(delete(TrafficDaily))
            rollups.rebuild(conn, "traffic", TZ)
    finally:
        get_settings.cache_clear()
    assert list(_table(sqlite_engine, TrafficHourly)["observations"]) == [4]
    assert list(_table(sqlite_engine, TrafficDaily)["observations"]) == [4]


def test_a_rebuild_under_retention_keeps_a_short_local_day_that_ends_at_the_horizon(sqlite_engine, monkeypatch):
    # In the Azores summer time begins at local midnight of 2024-03-31: that local day runs 01:00 UTC to 00:00 UTC
    # of 04-01 (23 hours), ending exactly at a horizon of 2024-04-01 00:00 UTC. Its hours before the horizon are
    # kept by a rebuild under retention, so its day, dekad (from 03-21) and month must keep their 8 observations.
    zone, horizon = "Atlantic/Azores", datetime(2024, 4, 1, tzinfo=UTC)
    day, dekad, month = (datetime(2024, 3, d, 1, tzinfo=UTC) for d in (31, 21, 1))  # 00:00 local, UTC-1 then
    observations = [
        TrafficRecord(source_id=f"R1:{i}", segment_code="R1", observed_at=horizon - timedelta(hours=2, minutes=15 * i),
                      period_s=900, speed_kmh=30.0, volume=10.0, occupancy=0.1, congested=False)
        for i in range(8)
    ]
    with sqlite_engine.begin() as conn:
        store(conn, "traffic", "ngsi", observations, NOW, timezone=zone)
    monkeypatch.setattr(rollups, "_raw_facts_kept_from", lambda conn, domain: horizon)
    with sqlite_engine.begin() as conn:
        rollups.rebuild(conn, "traffic", zone)
    for model, key, start in ((TrafficDaily, "day", day), (TrafficDekad, "dekad", dekad),
                              (TrafficMonthly, "month", month)):
        rows = _table(sqlite_engine, model)
        assert rows[[key, "observations"]].values.tolist() == [[start, 8]], model.__tablename__


def test_times_a_feed_sends_in_its_own_offset_land_in_their_utc_hours_and_blocks(sqlite_engine):
    """A feed's times keep their offset (−05:00, +05:30): the rollups refreshed at ingest file them under their UTC
    hour and four-hour UTC block, as a rebuild from the stored facts does. 08:20−05:00 is 13:20 UTC (block 12:00);
    18:50+05:30 is 13:20 UTC too."""
    from datetime import timezone

    _clear(sqlite_engine, *TABLES["complaints"], Complaint, ComplaintEvent)
    tickets = [
        ComplaintRecord(source_id=f"Z{i}", category="noise", status="accepted", district_code="339901",
                        requested_at=datetime(2026, 11, 30, hour, minute, tzinfo=timezone(offset)),
                        due_at=datetime(2026, 12, 2, tzinfo=UTC), updated_at=T0)
        for i, (hour, minute, offset) in enumerate([(8, 20, timedelta(hours=-5)),
                                                    (18, 50, timedelta(hours=5, minutes=30))])
    ]
    with sqlite_engine.begin() as conn:
        store(conn, "complaints", "hotline", tickets, NOW, timezone=TZ)
    tables = _assert_equals_rebuild(sqlite_engine, "complaints")
    hourly, blocks = tables[ComplaintHourly], tables[ComplaintBlock]
    received = hourly[hourly["received"] > 0]
    assert received[["hour", "received"]].values.tolist() == [[datetime(2026, 11, 30, 13, tzinfo=UTC), 2]]
    received = blocks[blocks["received"] > 0]
    assert received[["block", "received"]].values.tolist() == [[datetime(2026, 11, 30, 12, tzinfo=UTC), 2]]


def test_hours_merge_into_ranges_of_consecutive_hours():
    def at(hours: int, minutes: int = 0) -> datetime:
        return T0 + timedelta(hours=hours, minutes=minutes)

    assert rollups.hour_ranges([at(3), at(0, 59), at(1, 5), at(1), at(5, 30)]) == [
        (at(0), at(2)), (at(3), at(4)), (at(5), at(6))
    ]
    assert rollups.hour_ranges([]) == []


def test_local_days_of_a_zone_with_summer_time_last_23_and_25_hours():
    # Berlin: 2026-03-29 begins at 00:00 CET (23:00 UTC the day before) and ends at 00:00 CEST (22:00 UTC);
    # 2026-10-25 begins at 00:00 CEST (22:00 UTC the day before) and ends at 00:00 CET (23:00 UTC)
    spring, autumn = datetime(2026, 3, 29, 10, tzinfo=UTC), datetime(2026, 10, 25, 10, tzinfo=UTC)
    assert rollups.local_days([autumn, spring, spring + HOUR], "Europe/Berlin") == [
        (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)),
        (datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 25, 23, tzinfo=UTC)),
    ]


def test_the_facts_of_part_of_an_hour_are_summed_and_bucketed_as_the_rollup_does(sqlite_engine):
    # Of 00:10–00:55: Q2 and Q3 were issued in it (Q1 at 00:05 was not), Q2 waited 40 min (2,400 s); C1 closed
    # in it after 2 h 25 min (8,700 s). Buckets: floor(16 · log2 2400) = floor(179.66) = 179 and
    # floor(16 · log2 8700) = floor(209.39) = 209.
    def at(minutes: int) -> datetime:
        return T0 + timedelta(minutes=minutes)

    tickets = [
        HallTicketRecord(source_id=f"Q{i}", hall_code="H1", issued_at=at(issued), updated_at=at(90),
                         called_at=None if called is None else at(called))
        for i, (issued, called) in enumerate([(5, 15), (20, 60), (50, None)], start=1)
    ]
    complaint = ComplaintRecord(source_id="C1", status="closed", requested_at=at(-120), closed_at=at(25),
                                updated_at=at(90))
    part = [(at(10), at(55))]
    with sqlite_engine.begin() as conn:
        store(conn, "halls", "queue", tickets, NOW, timezone=TZ)
        store(conn, "complaints", "hotline", [complaint], NOW, timezone=TZ)
        rollups.math_functions(conn)
        (hall,) = conn.execute(rollups.facts_hourly("halls", part)).mappings().all()
        histograms = conn.execute(rollups.facts_histograms(part)).mappings().all()
    assert (hall["hall_code"], hall["issued"], hall["called"], hall["waited_over_30min"]) == ("H1", 2, 1, 1)
    assert hall["wait_seconds"] == pytest.approx(2400, abs=1e-3)
    assert sorted((h["kind"], h["bucket"], h["tickets"]) for h in histograms) == sorted(
        [(durations.WAIT, 179, 1), (durations.HANDLING, 209, 1)]
    )


def test_an_hour_of_observations_without_volume_or_occupancy_sums_them_to_zero(sqlite_engine):
    observations = [
        TrafficRecord(source_id=f"R1:{i}", segment_code="R1", observed_at=T0 + timedelta(minutes=15 * i),
                      period_s=900, speed_kmh=30.0, congested=False)
        for i in range(2)
    ]
    with sqlite_engine.begin() as conn:
        store(conn, "traffic", "ngsi", observations, NOW, timezone=TZ)
    (hour,) = _table(sqlite_engine, TrafficHourly).itertuples()
    assert (hour.observations, hour.speed_sum, hour.volume_sum, hour.occupancy_sum) == (2, 60.0, 0.0, 0.0)


@pytest.mark.postgres
def test_two_collector_processes_storing_one_hour_at_once_both_land_in_its_rollup(postgres_engine):
    """Two feeds of one domain in two collector processes (sharded by feed) store tickets of the same hour at
    once: the one that refreshes second must see the first's, not fail on the rows the first inserted (a unique
    violation) nor leave them out. The first holds its transaction open after its refresh; the second starts its
    own while it does."""
    at = T0 + timedelta(minutes=10)
    tickets = {source: [ComplaintRecord(source_id=f"{source}-1", category="noise", status="received",
                                        district_code="339901", requested_at=at, updated_at=at)]
               for source in ("open311", "hotline")}
    failures: list[BaseException] = []
    first = postgres_engine.connect()
    transaction = first.begin()
    store(first, "complaints", "open311", tickets["open311"], NOW, timezone=TZ)

    def second() -> None:
        try:
            with postgres_engine.begin() as conn:
                store(conn, "complaints", "hotline", tickets["hotline"], NOW, timezone=TZ)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    worker = threading.Thread(target=second)
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive()  # it waits on the first's transaction
    transaction.commit()
    first.close()
    worker.join(timeout=30)
    assert not worker.is_alive() and failures == []
    hourly = _table(postgres_engine, ComplaintHourly)
    assert hourly["received"].sum() == 2
    assert _table(postgres_engine, ComplaintDaily)["received"].sum() == 2


def test_a_run_of_consecutive_periods_is_read_as_one_range_and_a_gap_is_kept():
    def at(hours: int) -> datetime:
        return datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=hours)

    blocks = [(at(8), at(12)), (at(0), at(4)), (at(4), at(8)), (at(16), at(20)), (at(18), at(19))]
    assert rollups._joined(blocks) == [(at(0), at(12)), (at(16), at(20))]


#: Durations (seconds) at the buckets' edges and the bucket each falls in by the definition in
#: dashboard.kpis.durations (bucket k holds [2^(k/16), 2^((k+1)/16)) s; under 1 s: -1; from 2^25 s: 400),
#: worked by hand at exact powers of two and well inside buckets: 3 s is 2^1.585, bucket floor(25.36) = 25. (The
#: facts' durations are never unknown where they are bucketed: the statements read closed or called tickets.)
BUCKET_EDGES = [
    (-7.5, -1), (0.0, -1), (0.5, -1), (0.999, -1), (1.0, 0), (2.0, 16), (3.0, 25), (4.0, 32),
    (1024.0, 160), (2400.0, 179), (2.0**24, 384), (2.0**25 - 1, 399), (2.0**25, 400), (2.0**26, 400), (1e12, 400),
]


def test_durations_fall_in_the_buckets_their_definition_gives_on_both_databases(engine):
    values = union_all(*(select(literal(s, Float).label("seconds")) for s, _ in BUCKET_EDGES)).subquery()
    with engine.connect() as conn:
        rollups.math_functions(conn)
        rows = conn.execute(select(values.c.seconds, rollups.duration_bucket(values.c.seconds))).all()
    assert sorted(rows) == sorted(BUCKET_EDGES)


def test_a_negative_wait_counts_as_none_and_an_unknown_one_stays_unknown_on_both_databases(engine):
    values = union_all(*(select(literal(s, Float).label("seconds")) for s in (-3.0, 0.0, 2.5, None))).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(values.c.seconds, rollups.not_negative(values.c.seconds))).all()
    assert sorted(rows, key=lambda r: (r[0] is not None, r[0])) == [(None, None), (-3.0, 0.0), (0.0, 0.0), (2.5, 2.5)]
