"""``make bench-scale`` builds on PostgreSQL the same year of the city as the KPI benchmark builds in SQLite: at a
tiny size, every fact table and rollup holds the same rows and sums in both (the SQLite build is the independent
implementation), and no traffic or sensor fact is left in a default partition."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from bench import kpi_reads, scale

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SERVER = os.environ.get("CITYOPS_TEST_DATABASE_URL")
SUMMARIES = {
    "complaint": "count(*), count(closed_at), count(satisfaction), min(requested_at), max(requested_at)",
    "hall_ticket": "count(*), sum(visits), sum(rating), min(issued_at), max(finished_at)",
    "traffic_observation": "count(*), sum(speed_kmh), min(observed_at), max(observed_at)",
    "sensor_reading": "count(*), sum(value), count(DISTINCT station_code)",
    "traffic_hourly": "count(*), sum(observations), sum(inverse_speed_sum)",
    "complaint_daily": "count(*), sum(received), sum(closed), sum(closed_on_time)",
    "hall_daily": "count(*), sum(issued), sum(waited_over_30min)",
    "complaint_monthly": "count(*), sum(received), sum(closed), sum(due_met)",
    "hall_monthly": "count(*), sum(issued), sum(waited_over_30min)",
    "traffic_monthly": "count(*), sum(observations), sum(speeds)",
    "duration_monthly": "count(*), sum(tickets)",
    "complaint_block": "count(*), sum(received), sum(closed), sum(due_met)",
    "complaint_city_hourly": "count(*), sum(received), sum(closed), sum(overdue_from)",
    "hall_city_hourly": "count(*), sum(issued), sum(waited_over_30min)",
    "traffic_block": "count(*), sum(observations), sum(speeds)",
    "duration_block": "count(*), sum(tickets)",
    "traffic_dekad": "count(*), sum(observations), sum(speeds)",
    "duration_dekad": "count(*), sum(tickets)",
}


@pytest.mark.skipif(not SERVER, reason="needs CITYOPS_TEST_DATABASE_URL")
def test_the_postgresql_year_equals_the_sqlite_year(tmp_path):
    size = 0.003
    path = tmp_path / "year.sqlite"
    sqlite_facts = kpi_reads.build(path, kpi_reads.Size.of(size))
    name = f"cityops_scale_test_{uuid.uuid4().hex[:10]}"
    url, facts, _ = scale.build(SERVER, size, name)
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        assert facts == sqlite_facts
        lite, pg = create_engine(f"sqlite:///{path}"), create_engine(url)
        for table, summary in SUMMARIES.items():
            with lite.connect() as a, pg.connect() as b:
                expected = a.execute(text(f"SELECT {summary} FROM {table}")).one()
                got = b.execute(text(f"SELECT {summary} FROM {table}")).one()
            assert [_plain(v) for v in got] == [_plain(v) for v in expected], table
        with lite.connect() as a, pg.connect() as b:  # SQLite rounds each duration to the millisecond
            query = text("SELECT sum(issued), sum(wait_seconds) FROM hall_daily")
            (issued, lite_wait), (_, pg_wait) = a.execute(query).one(), b.execute(query).one()
        assert abs(lite_wait - pg_wait) <= 0.0005 * issued
        with pg.connect() as conn:
            for table in ("traffic_observation", "sensor_reading"):
                assert conn.execute(text(f"SELECT count(*) FROM {table}_default")).scalar() == 0
        lite.dispose()
        pg.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _plain(value):
    """Times (SQLite's text, PostgreSQL's timestamps) as text to the second; numbers as floats."""
    if isinstance(value, str) or hasattr(value, "year"):
        return str(value).replace("T", " ")[:19]
    return None if value is None else float(f"{float(value):.11g}")  # sums in another order: 11 digits agree
