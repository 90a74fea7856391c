"""The KPI-reads baselines compute an overview refresh's numbers from the facts; on a small year both the fair
SQLite scans and DuckDB on its copy of the facts must give the rollups' numbers (the rollups are the independent
implementation), and the SQLite scans must reach every time range through an index."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from bench import duckdb_peer, kpi_reads

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bench-small-year")]  # one build of the small year

#: Moments of the year: a night hour of a weekday, an afternoon near the year's end, and a working hour's middle
#: (its tickets so far are counted to the moment, not to the end of the hour).
MOMENTS = [kpi_reads.START + timedelta(days=200, hours=19, minutes=17), kpi_reads.START + timedelta(days=330, hours=6),
           kpi_reads.START + timedelta(days=100, hours=7, minutes=13)]



@pytest.mark.parametrize("now", MOMENTS)
def test_fair_sqlite_baseline_gives_the_rollups_numbers(small_year, now):
    path, engine, _ = small_year
    scans = kpi_reads.SQLiteScans(path)
    try:
        numbers = kpi_reads.baseline_overview(scans, engine, now)
    finally:
        scans.close()
    kpi_reads.check_equal(numbers, engine, now)  # raises naming the first number that differs


@pytest.mark.parametrize("now", MOMENTS)
def test_duckdb_peer_gives_the_rollups_numbers(small_year, now):
    path, engine, _ = small_year
    conn, load_seconds = duckdb_peer.load(path, kpi_reads.VERSION, threads=1)
    try:
        numbers = kpi_reads.baseline_overview(kpi_reads.DuckDBScans(conn, 1), engine, now)
    finally:
        conn.close()
    assert load_seconds > 0
    kpi_reads.check_equal(numbers, engine, now)


def test_every_sqlite_baseline_range_uses_an_index(small_year):
    path, _, _ = small_year
    scans = kpi_reads.SQLiteScans(path)
    try:
        statements = kpi_reads.complaint_scans(scans) | kpi_reads.fact_scans(scans)
        now = MOMENTS[0]
        plans = {name: scans.indexes(sql, s=now - timedelta(days=14), e=now, now=now)
                 for name, sql in statements.items()}
    finally:
        scans.close()
    assert {name: plan for name, plan in plans.items() if any("SCAN" in index for index in plan)} == {}
    # open now and closed since through (closed_at, due_at); requested since through a requested_at index (the
    # covering (h3, requested_at) one by a skip-scan where the cells are few, as on this small year)
    assert "ix_complaint_closed_at_due_at" in plans["open tickets"]
    assert set(plans["open tickets"]) <= {"ix_complaint_closed_at_due_at", "ix_complaint_requested_at",
                                          "ix_complaint_h3_requested_at"}
    assert set(plans["satisfaction"]) == {"ix_complaint_revisited_at", "ix_complaint_closed_at_due_at"}


def test_the_floor_replays_every_statement_a_refresh_runs(small_year):
    """The floor is the refresh's own statements, each replayed :data:`FLOOR_REPLAYS` times: SQLite's trace of what
    it ran (set on every connection the engine hands out) counts each statement of the refresh once through
    SQLAlchemy and once per replay."""
    _, engine, _ = small_year
    traced: list[str] = []

    def trace(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.set_trace_callback(traced.append)

    event.listen(engine, "checkout", trace)
    floors, counts = [], []
    try:
        for now in MOMENTS[:2]:
            traced.clear()
            floors.append(kpi_reads.statement_floor(engine, [now]))
            counts.append(sum(1 for sql in traced if sql.lstrip().upper().startswith(("SELECT", "WITH"))))
    finally:
        event.remove(engine, "checkout", trace)
        engine.dispose()  # the traced connections go; the other tests get new ones
    statements = [floor.statements[0] for floor in floors]
    assert all(n > 10 for n in statements)  # the overview's reads, not a cached refresh
    assert counts == [n * (1 + kpi_reads.FLOOR_REPLAYS) for n in statements]
    assert all(floor.seconds[0] > 0 for floor in floors)


def test_the_baselines_run_at_moments_spread_over_the_whole_loop():
    """Each baseline's runs span the refreshes' loop from its first moment to its last, at the counts the output
    names; the fair baseline runs at moments where DuckDB runs too, so both ratios share those minutes."""
    last = kpi_reads.REPEATS - 1
    fair, duckdb = kpi_reads.BASELINE_AT["fair"], kpi_reads.BASELINE_AT["duckdb"]
    assert (len(fair), len(duckdb)) == (kpi_reads.NAIVE_REPEATS, kpi_reads.PEER_REPEATS) == (3, 9)
    assert sorted(fair) == [0, 12, 24] and fair <= duckdb  # 25 moments: the 1st, 13th and 25th
    assert sorted(duckdb) == [0, 3, 6, 9, 12, 15, 18, 21, 24] and max(duckdb) == last
