"""Breakdown rates (per department, category, district, hall) over generated tickets: never above 100 %, and
the on-time closure rate equals the DESIGN §6 cohort computed here by hand (tickets whose deadline fell in the
period up to now, overdue ones still open included; on time = closed by the deadline)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from collectors.records import ComplaintRecord, HallTicketRecord
from collectors.sinks import store
from dashboard.db.models import Base, District, ServiceHall
from dashboard.queries import complaints as complaint_queries
from dashboard.queries import halls as hall_queries
from dashboard.queries.complaints import ComplaintFilter
from dashboard.queries.map import area_kpis

T0 = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
START, NOW = T0 + timedelta(days=2), T0 + timedelta(days=5)
EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
RATES = ("over_30_pct", "online_pct", "single_visit_pct", "good_pct")


@st.composite
def tickets(draw):
    """A ticket requested over a week around the period, due 4 h to 5 days later (maybe after ``NOW``), maybe
    closed before or after its deadline, by a department named by code or by name."""
    requested = T0 + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60 - 1)))
    due = requested + timedelta(hours=draw(st.sampled_from([4, 24, 72, 120])))
    closed = draw(st.one_of(st.none(), st.integers(1, 6 * 24 * 60).map(lambda m: requested + timedelta(minutes=m))))
    closed = closed if closed is None or closed < NOW else None
    return dict(
        category=draw(st.sampled_from(["noise", "garbage", None])),
        department_code=draw(st.sampled_from(["D01", "D02", "住房和城乡建设局", None])),
        district_code=draw(st.sampled_from(["339901", "339902", None])),
        requested_at=requested,
        due_at=due,
        closed_at=closed,
    )


@st.composite
def hall_tickets(draw):
    """A hall ticket issued in the period, maybe never called, maybe finished, rated, with visits."""
    issued = START + timedelta(minutes=draw(st.integers(0, 2 * 24 * 60)))
    wait = draw(st.one_of(st.none(), st.integers(0, 120)))
    called = None if wait is None else issued + timedelta(minutes=wait)
    return dict(
        hall_code=draw(st.sampled_from(["H1", "H2", "H9"])),  # H9: a hall the city's reference does not list
        channel=draw(st.sampled_from(["online", "offline", None])),
        issued_at=issued,
        called_at=called,
        finished_at=None if called is None else called + timedelta(minutes=draw(st.integers(1, 60))),
        visits=draw(st.sampled_from([None, 1, 2])),
        rating=draw(st.sampled_from([None, 1, 5])),
    )


def _expected_on_time(facts: pd.DataFrame, key: str) -> dict:
    """Closed by the deadline / due in [START, NOW), per ``key`` (None grouped as "")."""
    due = facts[(facts["due_at"] >= START) & (facts["due_at"] < NOW)]
    met = due["closed_at"].notna() & (due["closed_at"] <= due["due_at"])
    rates = met.groupby(due[key].fillna("")).mean() * 100
    return rates.to_dict()


#: The facts the examples store and every rollup level they feed, emptied before each example.
STORED = [t for t in reversed(Base.metadata.sorted_tables) if t.name.startswith(("complaint", "hall_", "duration_"))]


def _store(engine, complaints: list[dict], halls: list[dict]) -> None:
    with engine.begin() as conn:
        for table in STORED:
            conn.execute(delete(table))
        records = [ComplaintRecord(source_id=f"T{i}", status="closed" if t["closed_at"] else "accepted",
                                   updated_at=NOW, **t) for i, t in enumerate(complaints)]
        store(conn, "complaints", "hotline", records, NOW, timezone="Asia/Shanghai")
        queue = [HallTicketRecord(source_id=f"Q{i}", service_item="社保", updated_at=NOW, **t)
                 for i, t in enumerate(halls)]
        store(conn, "halls", "queue", queue, NOW, timezone="Asia/Shanghai")
        if not conn.execute(District.__table__.select()).first():
            conn.execute(insert(District), [
                {"code": code, "name_zh": code, "name_en": code, "level": "district", "population": 1000,
                 "geometry": shapely.box(i, 0, i + 1, 1)} for i, code in enumerate(("339901", "339902"))])


@EXAMPLES
@given(complaints=st.lists(tickets(), min_size=1, max_size=25), halls=st.lists(hall_tickets(), max_size=10))
def test_no_breakdown_rate_above_100(sqlite_engine, complaints, halls):
    _store(sqlite_engine, complaints, halls)
    sel = ComplaintFilter(START, NOW)
    facts = pd.DataFrame(complaints)
    frames = {
        "department_code": complaint_queries.by_department(sqlite_engine, sel, NOW),
        "category": complaint_queries.by_category(sqlite_engine, sel, NOW),
    }
    for key, frame in frames.items():
        served = {k: r for k, r in zip(frame["key"], frame["on_time_rate"], strict=True) if r == r}
        assert served == _expected_on_time(facts, key), key
        assert (frame["on_time_rate"].dropna() <= 100).all(), key
    areas = area_kpis(sqlite_engine, sel, "Asia/Shanghai")
    expected = _expected_on_time(facts, "district_code")
    served = {c: r for c, r in zip(areas["code"], areas["on_time"], strict=True) if r == r}
    assert served == {c: r for c, r in expected.items() if c}
    assert (areas["on_time"].dropna() <= 100).all()
    stats = hall_queries.hall_stats(sqlite_engine, START, NOW)
    for rate in RATES:
        assert (stats[rate].dropna() <= 100).all(), rate


@EXAMPLES
@given(halls=st.lists(hall_tickets(), min_size=1, max_size=10), edges=st.sampled_from([(0, 0), (17, 23)]))
def test_hall_tiles_equal_the_tickets_by_hand(sqlite_engine, halls, edges):
    """The halls page's average wait and handling time (its tiles), over a district's halls and over the city, equal
    the tickets issued in the period averaged here, for a period of whole hours (no edge facts to add) and one that
    starts and ends inside an hour."""
    from layouts.viewmodels.halls import _sums, totals

    _store(sqlite_engine, [], halls)
    with sqlite_engine.begin() as conn:
        if not conn.execute(ServiceHall.__table__.select()).first():
            conn.execute(insert(ServiceHall), [{"code": code, "name_zh": code, "name_en": code, "lon": 120.0,
                                                "lat": 30.0, "district_code": "339901"} for code in ("H1", "H2")])
    start, end = START + timedelta(minutes=edges[0]), NOW - timedelta(minutes=edges[1])
    facts = pd.DataFrame(halls)
    issued = facts[(facts["issued_at"] >= start) & (facts["issued_at"] < end)]
    stats = hall_queries.hall_stats(sqlite_engine, start, end)
    assert all(pd.api.types.is_float_dtype(stats[c]) for c in ("wait_seconds", "handling_seconds"))  # never objects
    context = SimpleNamespace(engine=sqlite_engine, timezone="Asia/Shanghai")
    city = SimpleNamespace(district=None, start=start, now=end, context=context)
    district = SimpleNamespace(district="339901", start=start, now=end, context=context)  # H1 and H2 are in it
    in_district = hall_queries.hall_stats(sqlite_engine, start, end, "339901")
    listed = issued[issued["hall_code"] != "H9"]
    # over a district, its halls of the reference; over the city, every ticket, as the overview's KPIs count them
    for tiles, tickets in ((totals(_sums(district, in_district)), listed), (totals(_sums(city, stats)), issued)):
        called, finished = tickets[tickets["called_at"].notna()], tickets[tickets["finished_at"].notna()]
        if called.empty:
            assert tiles["wait_min"] is None
        else:
            wait = (called["called_at"] - called["issued_at"]).dt.total_seconds().sum() / len(called) / 60
            assert tiles["wait_min"] == pytest.approx(wait)
        if not finished.empty:
            handling = (finished["finished_at"] - finished["called_at"]).dt.total_seconds().sum() / len(finished) / 60
            assert tiles["handling_min"] == pytest.approx(handling)
