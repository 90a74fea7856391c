"""A level above another (blocks, local days, dekads, months) is summed with each lower row's period picked by a
balanced tree of comparisons, so the work per lower row grows with the logarithm of the periods one statement
recomputes, not with their number. Written as a flat CASE over the periods, each row was tested against every
period before its own: a rebuild's 62 local days a statement cost SQLite about 30 comparisons a row, and summing
a year of the hourly level into blocks and days took 1.6–2.0× as long (the four complaint levels at a quarter of
the benchmark city: 1.0–1.3 s each with the tree, 1.7–2.0 s with the flat CASE)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from dashboard.db import rollups
from dashboard.db.models import TrafficDaily, TrafficHourly

TZ = "Asia/Shanghai"
FIRST_DAY = datetime(2026, 1, 1, 16, tzinfo=UTC)  # 2026-01-02 00:00 in Shanghai
DAYS = 124
SEGMENTS = ("S1", "S2", "S3")
HOURS = [FIRST_DAY + timedelta(hours=h) for h in range(DAYS * 24)]


def _hourly_rows(path: str) -> None:
    """Every hour of the days, each segment one observation of speed 40 km/h."""
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO traffic_hourly (hour, segment_code, observations, speed_sum, inverse_speed_sum, speeds, "
            "volume_sum, occupancy_sum, congested) VALUES (?, ?, 1, 40.0, 0.025, 1, 0, 0, 0)",
            [(hour.strftime("%Y-%m-%d %H:%M:%S.000000"), segment) for hour in HOURS for segment in SEGMENTS],
        )


def _instructions_per_row(engine, days: list[tuple[datetime, datetime]]) -> tuple[float, list]:
    """SQLite virtual-machine instructions per hourly row read when summing ``days`` in one statement, and the
    rows."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    query = rollups._upper_select(TrafficDaily.__table__, TrafficHourly.__table__, None, days)
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        driver.set_progress_handler(count, 1)
        rows = conn.execute(query).all()
        driver.set_progress_handler(None, 1)
    return steps / (len(days) * 24 * len(SEGMENTS)), rows


def test_the_work_per_lower_row_grows_with_the_logarithm_of_the_periods_of_a_statement(sqlite_engine):
    _hourly_rows(sqlite_engine.url.database)
    days = rollups.local_days(HOURS, TZ)
    assert len(days) == DAYS
    two, _ = _instructions_per_row(sqlite_engine, days[:2])
    eight, _ = _instructions_per_row(sqlite_engine, days[:8])
    many, rows = _instructions_per_row(sqlite_engine, days[:rollups.DAYS_PER_STATEMENT])
    # A row is tested against 1, 3 and 5-6 period starts in a tree (log2 of 2, 8 and 62 periods): from 2 to 62 periods
    # about 2.5 times the extra work of 2 to 8. A flat CASE tests a row against 1.5, 4.5 and 31.5 on average: 10 times.
    assert many - two <= 4 * (eight - two), (two, eight, many)
    # and the sums are each local day's: 24 hours of one observation per segment
    assert len(rows) == rollups.DAYS_PER_STATEMENT * len(SEGMENTS)
    assert {(row.observations, row.speed_sum) for row in rows} == {(24, 24 * 40.0)}
    # Shanghai keeps UTC+8 all year: each local day starts at 16:00 UTC
    starts = [FIRST_DAY + timedelta(days=d) for d in range(rollups.DAYS_PER_STATEMENT)]
    assert sorted({row.day for row in rows}) == starts
