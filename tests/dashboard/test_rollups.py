"""Hourly rollups equal a recomputation from the facts after any sequence of inserts, updates and re-pulls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from collectors.records import ComplaintRecord, HallTicketRecord, SensorRecord, TrafficRecord
from collectors.sinks import store
from dashboard.db import rollups
from dashboard.db.models import (
    Complaint,
    ComplaintEvent,
    ComplaintHourly,
    HallHourly,
    SensorHourly,
    TrafficHourly,
)

T0 = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)
SATISFACTION = st.sampled_from([None, "satisfied", "basically_satisfied", "unsatisfied"])


@st.composite
def complaint_versions(draw):
    """A ticket at some version: times within three days, maybe closed, maybe rated."""
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
        requested_at=requested,
        closed_at=closed,
        due_at=due,
        revisited_at=closed + timedelta(hours=5) if closed and version % 2 else None,
        satisfaction=draw(SATISFACTION) if closed else None,
        returned_count=draw(st.integers(0, 2)),
        updated_at=T0 + timedelta(days=4, minutes=version),
    )


def _table(engine, model) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(model.__table__)).mappings().all())
    if frame.empty:
        return frame
    keys = [c.name for c in model.__table__.primary_key.columns]
    return frame.sort_values(keys).reset_index(drop=True)


def _assert_equals_rebuild(engine, domain, model):
    incremental = _table(engine, model)
    with engine.begin() as conn:
        rollups.rebuild(conn, domain)
    pd.testing.assert_frame_equal(incremental, _table(engine, model), check_dtype=False)
    return incremental


def _oracle_complaints(engine) -> pd.DataFrame:
    """Complaint rollup computed independently in pandas from the facts."""
    facts = _table(engine, Complaint)
    for column in ("requested_at", "closed_at", "due_at", "revisited_at"):
        facts[column] = pd.to_datetime(facts[column], utc=True)
    facts["district_code"] = facts["district_code"].fillna("")
    facts["category"] = facts["category"].fillna("")
    parts = []
    for time_col, measures in {
        "requested_at": lambda f: {"received": 1, "received_closed": f["closed_at"].notna().astype(int),
                                   "returned": f["returned_count"]},
        "closed_at": lambda f: {"closed": 1, "closed_on_time": (f["closed_at"] <= f["due_at"]).astype(int),
                                "handling_seconds": (f["closed_at"] - f["requested_at"]).dt.total_seconds()},
        "due_at": lambda f: {"due": 1, "due_met": (f["closed_at"].notna() & (f["closed_at"] <= f["due_at"])).astype(int)},
        "rated_at": lambda f: {"rated": 1, "satisfied": f["satisfaction"].isin(["satisfied", "basically_satisfied"]).astype(int)},
    }.items():
        f = facts.assign(rated_at=facts["revisited_at"].fillna(facts["closed_at"]))
        if time_col == "rated_at":
            f = f[f["satisfaction"].notna()]
        f = f[f[time_col].notna()]
        part = pd.DataFrame({"hour": f[time_col].dt.floor("h"), "district_code": f["district_code"],
                             "category": f["category"], **measures(f)})
        parts.append(part)
    oracle = pd.concat(parts).fillna(0).groupby(["hour", "district_code", "category"], as_index=False).sum()
    return oracle


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(complaint_versions(), min_size=1, max_size=6), min_size=1, max_size=5))
def test_complaint_rollup_equals_recomputation(sqlite_engine, batches):
    with sqlite_engine.begin() as conn:
        for model in (Complaint, ComplaintEvent, ComplaintHourly):
            conn.execute(delete(model))
    for batch in batches + batches[:1]:  # the first batch is pulled again at the end
        with sqlite_engine.begin() as conn:
            store(conn, "complaints", "hotline", batch, NOW)
    incremental = _assert_equals_rebuild(sqlite_engine, "complaints", ComplaintHourly)
    oracle = _oracle_complaints(sqlite_engine)
    measures = list(rollups.COMPLAINT_MEASURES)
    merged = incremental.merge(oracle, on=["hour", "district_code", "category"], how="outer", suffixes=("", "_oracle"))
    for m in measures:
        assert (merged[m].fillna(0) - merged[f"{m}_oracle"].fillna(0)).abs().max() < 1e-3, m


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
        store(conn, "traffic", "ngsi", segments, NOW)
        store(conn, "sensors", "air", readings, NOW)
        store(conn, "halls", "queue", tickets, NOW)
    traffic = _assert_equals_rebuild(engine, "traffic", TrafficHourly)
    sensors = _assert_equals_rebuild(engine, "sensors", SensorHourly)
    halls = _assert_equals_rebuild(engine, "halls", HallHourly)

    first = traffic.iloc[0]
    assert (first.observations, first.speeds, first.congested) == (4, 3, 2)
    assert first.inverse_speed_sum == 1 / 40 + 1 / 20 + 1 / 10
    assert list(sensors.readings) == [3, 1] and list(sensors.value_max) == [50.0, 70.0]
    hall = halls.iloc[0]
    assert (hall.issued, hall.called, hall.waited_over_30min, hall.finished) == (2, 2, 1, 1)
    assert abs(hall.wait_seconds - (40 + 10) * 60) < 0.01  # julianday arithmetic: sub-millisecond error
    assert (hall.online, hall.single_visit, hall.rated, hall.rated_good) == (1, 1, 2, 1)
