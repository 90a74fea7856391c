"""Redo rate (重办率), noise against the limits of each station's acoustic class (day vs night), and admin
targets over the TOML file and the defaults: hand-computed, through the real ingest path, on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from collectors.records import ComplaintRecord, SensorRecord
from collectors.sinks import store
from dashboard.auth.store import set_kpi_target
from dashboard.db.models import Station
from dashboard.kpis.periods import period_bounds
from dashboard.kpis.registry import load_registry
from dashboard.queries import kpis

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # local midnight: the day before is whole
DAY = period_bounds(NOW - timedelta(hours=1), TZ, "day")  # 2026-11-20 local = 11-19 16:00 … 11-20 16:00 UTC


def _local(hour: int, minute: int = 0) -> datetime:
    """A time on 2026-11-20 in Shanghai, in UTC."""
    return DAY[0] + timedelta(hours=hour, minutes=minute)


def _ticket(n: int, closed: datetime | None, reopened: int, status: str = "closed") -> ComplaintRecord:
    return ComplaintRecord(
        source_id=f"C{n}", category="road", status=status, requested_at=_local(1) - timedelta(days=2),
        closed_at=closed, reopened_count=reopened, updated_at=_local(23),
    )


def test_redo_rate_over_the_tickets_closed_in_the_period(engine):
    tickets = [
        _ticket(1, _local(9), 0),
        _ticket(2, _local(10), 1),  # reopened once, closed again today: redone
        _ticket(3, _local(11), 0),
        _ticket(4, _local(23, 30), 2),  # closed again twice: one ticket redone
        _ticket(5, None, 1, status="reopened"),  # reopened and open again: not closed, not counted yet
        _ticket(6, _local(9) - timedelta(days=1), 1),  # closed the day before: another period
    ]
    with engine.begin() as conn:
        store(conn, "complaints", "hotline", tickets, NOW, timezone=TZ)
    row = kpis.kpi_values(engine, load_registry(), *DAY, NOW, TZ).set_index("id").loc["complaint_redo_rate"]
    assert (row["numerator"], row["denominator"]) == (2, 4)
    assert row["value"] == pytest.approx(0.5)
    assert row["rag"] == "red"  # lower is better, red above 8 %
    assert kpis.open_tickets(engine, NOW) == (1, 0)  # the reopened ticket is in the backlog again


def test_noise_compliance_by_acoustic_class_day_and_night(engine):
    with engine.begin() as conn:
        conn.execute(insert(Station), [
            {"code": code, "name_zh": code, "name_en": code, "kind": "noise", "lon": 120.6, "lat": 30.9,
             "noise_class": noise_class}
            for code, noise_class in (("N1", "1"), ("N2", "4a"), ("N3", None))
        ])
    # GB 3096-2008 (day, night): class 1 (55, 45), 4a (70, 55), N3 without a class is rated as class 2 (60, 50)
    levels = [
        ("N1", _local(10), 54.0),  # day, within
        ("N1", _local(23), 47.0),  # night, over
        ("N2", _local(10), 72.0),  # day, over
        ("N2", _local(23), 50.0),  # night, within
        ("N3", _local(10), 60.0),  # day, at the limit: within
        ("N3", _local(6, 10), 58.0),  # 06:10 is day: within (it would be over at night)
        ("N3", _local(23), 50.0),  # night, at the limit: within
        ("N3", _local(22, 30), 52.0),  # 22:30 is night: over (it would be within by day)
    ]
    readings = [
        SensorRecord(source_id=f"{code}@{at:%H%M}", station_code=code, quantity="laeq", observed_at=at, value=value)
        for code, at, value in levels
    ]
    with engine.begin() as conn:
        store(conn, "sensors", "noise", readings, NOW, timezone=TZ)
    table = kpis.kpi_values(engine, load_registry(), *DAY, NOW, TZ).set_index("id")
    expected = {"noise_day_compliance": (3, 4), "noise_night_compliance": (2, 4), "noise_compliance": (5, 8)}
    for kpi, (within, hours) in expected.items():
        assert (table.at[kpi, "numerator"], table.at[kpi, "denominator"]) == (within, hours), kpi
        assert table.at[kpi, "value"] == pytest.approx(within / hours), kpi
    week = kpis.kpi_values(engine, load_registry(), *period_bounds(NOW - timedelta(hours=1), TZ, "week"), NOW, TZ)
    assert week.set_index("id").at["noise_compliance", "denominator"] == 8  # the same hours from the daily level


def test_admin_targets_override_the_toml_file_and_the_defaults(engine, tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(
        "[kpis.complaint_on_time_rate]\ntarget = 0.98\nthresholds = [0.98, 0.9]\n"
        "[kpis.hall_wait_minutes]\ntarget = 12\nthresholds = [12, 25]\n",
        encoding="utf-8",
    )
    set_kpi_target(engine, "complaint_on_time_rate", 0.99, "admin")  # target only: the TOML thresholds stay
    set_kpi_target(engine, "air_aqi", 60, "admin", thresholds=(60, 120))
    set_kpi_target(engine, "complaints_today", 500, "admin")  # not a registry KPI: ignored
    registry = kpis.kpi_registry(engine, path)
    on_time, wait, aqi = registry["complaint_on_time_rate"], registry["hall_wait_minutes"], registry["air_aqi"]
    assert (on_time.target, on_time.thresholds) == (0.99, (0.98, 0.9))  # admin < TOML < default: admin wins
    assert (wait.target, wait.thresholds) == (12, (12, 25))  # TOML over the default 15 / (15, 30)
    assert (aqi.target, aqi.thresholds) == (60, (60, 120))  # admin over the default 75 / (100, 150)
    assert registry["complaint_satisfaction"].target == 0.9  # untouched default
    assert aqi.rag(110) == "amber" and load_registry()["air_aqi"].rag(110) == "amber"
    assert aqi.rag(130) == "red" and load_registry()["air_aqi"].rag(130) == "amber"
    assert aqi.score(120) == pytest.approx(0.5)  # the city score follows the admin's target too
