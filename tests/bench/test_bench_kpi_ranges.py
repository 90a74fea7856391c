"""The KPI-reads rows of the time model's range types (a year, a quarter with 环比 and 同比, a custom 90 days): on a
small year the fair SQLite baseline must give the rollups' numbers over every span of each range (the rollups
are the independent implementation), and each range type must yield its row."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bench import kpi_reads

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bench-small-year")]  # one build of the small year

#: A spring afternoon (the previous quarter starts before the data) and an autumn night hour (it does not).
MOMENTS = [kpi_reads.START + timedelta(days=120, hours=7, minutes=13),
           kpi_reads.START + timedelta(days=250, hours=19, minutes=41)]



def test_the_range_spans_are_the_selections():
    now = MOMENTS[0]  # 2026-03-22 15:13 in Shanghai (UTC+8, no daylight saving)
    shanghai_midnight = {d: datetime(*d, tzinfo=UTC) - timedelta(hours=8) for d in
                         [(2026, 1, 1), (2025, 1, 1), (2025, 10, 1), (2026, 3, 22), (2025, 12, 22)]}
    (year,) = kpi_reads.range_spans("this_year", now)
    assert (year.start, year.end) == (shanghai_midnight[2026, 1, 1], now)
    (last,) = kpi_reads.range_spans("last_year", now)
    assert (last.start, last.end) == (shanghai_midnight[2025, 1, 1], shanghai_midnight[2026, 1, 1])
    quarter, before, year_before = kpi_reads.range_spans("this_quarter, 环比 and 同比", now)
    assert (quarter.start, before.start) == (shanghai_midnight[2026, 1, 1], shanghai_midnight[2025, 10, 1])
    # the same elapsed part: 80 days 15:13 after 1 October is 20 December 15:13 local
    assert before.end == datetime(2025, 12, 20, 7, 13, tzinfo=UTC)
    assert (year_before.start, year_before.end) == (shanghai_midnight[2025, 1, 1], now.replace(year=2025))
    (custom,) = kpi_reads.range_spans("custom 90 days", now)
    assert (custom.start, custom.end) == (shanghai_midnight[2025, 12, 22], shanghai_midnight[2026, 3, 22])


@pytest.mark.parametrize("now", MOMENTS)
@pytest.mark.parametrize("kind", kpi_reads.RANGES)
def test_fair_sqlite_baseline_gives_the_rollups_numbers_over_each_range(small_year, kind, now):
    path, engine, _ = small_year
    spans = kpi_reads.range_spans(kind, now)
    scans = kpi_reads.SQLiteScans(path)
    try:
        numbers = kpi_reads.baseline_range(scans, engine, spans)
    finally:
        scans.close()
    kpi_reads.check_range(numbers, engine, spans)  # raises naming the first number that differs
    assert np.isfinite(numbers[0]["complaints_received"]) and numbers[0]["complaints_received"] > 0
    for span, values in zip(spans[1:], numbers[1:], strict=True):
        # a compared span starting before the year's first fact has no data, not 0
        assert values.isna().all() == (span.start < kpi_reads.START)


def test_each_range_type_yields_a_row(small_year):
    path, engine, facts = small_year
    refreshes = kpi_reads._range_refreshes(engine, MOMENTS)
    baselines = kpi_reads.range_baselines(path, engine, MOMENTS, time.perf_counter() + 600)
    rows = [kpi_reads._range_row(kind, refreshes[kind], baselines.get(kind), facts, False) for kind in refreshes]
    assert [row.name.split(": a ")[1].split(" refresh")[0] for row in rows] == list(kpi_reads.RANGES)
    for row in rows:
        assert row.ratio > 0 and "p95" in row.detail and "the same numbers" in row.detail, row


def test_a_range_whose_baseline_did_not_fit_says_so(small_year):
    path, engine, facts = small_year
    baselines = kpi_reads.range_baselines(path, engine, MOMENTS, time.perf_counter() - 1)
    assert baselines == {}
    row = kpi_reads._range_row("this_year", [0.01, 0.02], baselines.get("this_year"), facts, True)
    assert row.met is False and "baseline not run" in row.detail
