"""Percentiles from the duration histograms: within the stated resolution of numpy's percentile of the raw
durations (one bucket's width, 2^(1/16) − 1 ≈ 4.4 %), for thousands of tickets ingested the real way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from collectors.records import ComplaintRecord, HallTicketRecord
from collectors.sinks import store
from dashboard.kpis.durations import PER_DOUBLING, percentile
from dashboard.kpis.periods import period_bounds
from dashboard.kpis.registry import load_registry
from dashboard.queries import kpis

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
RESOLUTION = 2 ** (1 / PER_DOUBLING) - 1


def test_percentiles_are_within_one_bucket_of_the_exact_ones(sqlite_engine):
    rng = np.random.default_rng(3)
    week = period_bounds(NOW - timedelta(hours=1), TZ, "week")
    span = (NOW - week[0]).total_seconds()
    waits = np.round(rng.lognormal(np.log(12 * 60), 0.8, 3000))  # whole seconds, as queue systems log them
    issued = [week[0] + timedelta(seconds=float(s)) for s in rng.uniform(0, span - 3 * 3600, waits.size)]
    tickets = [
        HallTicketRecord(source_id=f"Q{i}", hall_code="H1", issued_at=at, called_at=at + timedelta(seconds=float(w)),
                         updated_at=at + timedelta(seconds=float(w)))
        for i, (at, w) in enumerate(zip(issued, waits, strict=True))
    ]
    handling = np.round(rng.lognormal(np.log(30 * 3600), 0.9, 2000))
    closed = [week[0] + timedelta(seconds=float(s)) for s in rng.uniform(0, span, handling.size)]
    complaints = [
        ComplaintRecord(source_id=f"C{i}", status="closed", requested_at=at - timedelta(seconds=float(h)),
                        closed_at=at, updated_at=at)
        for i, (at, h) in enumerate(zip(closed, handling, strict=True))
    ]
    with sqlite_engine.begin() as conn:
        for start in range(0, len(tickets), 1000):
            store(conn, "halls", "queue", tickets[start : start + 1000], NOW, timezone=TZ)
        store(conn, "complaints", "hotline", complaints, NOW, timezone=TZ)
    table = kpis.kpi_values(sqlite_engine, load_registry(), *week, NOW, TZ).set_index("id")
    exact = {
        "hall_wait_p90_minutes": np.percentile(waits, 90) / 60,
        "complaint_handling_hours_median": np.percentile(handling, 50) / 3600,
        "complaint_handling_hours_p90": np.percentile(handling, 90) / 3600,
    }
    for kpi, value in exact.items():
        assert table.at[kpi, "value"] == pytest.approx(value, rel=RESOLUTION), kpi
    assert table.at["hall_wait_p90_minutes", "denominator"] == waits.size
    assert table.at["complaint_handling_hours_p90", "denominator"] == handling.size


def test_a_percentile_between_two_durations_interpolates_between_neighbours():
    """Three tickets spread over one bucket of 0–200 s are 0, 100 and 200 s; the 25th percentile (rank 0.5, the
    usual linear method) lies halfway between the first two: 50 s."""
    assert percentile([3], [0], [200], 25).value == 50.0
    assert percentile([3], [0], [200], 75).value == 150.0
