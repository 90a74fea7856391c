"""Duration percentiles from histograms: complaint handling times and hall waits without reading the facts.

Durations (seconds) fall in fixed log-spaced buckets, :data:`PER_DOUBLING` per doubling from 1 s (bucket ``k``
holds [2^(k/16), 2^((k+1)/16)) s; below 1 s is bucket −1, 2^25 s ≈ 388 days and beyond the last one), and each
bucket keeps its count, least and greatest value. A percentile follows numpy's default (linear interpolation
between the order statistics around rank q·(n−1)); each order statistic is estimated within its bucket, its
values taken as evenly spread from the bucket's least to its greatest. The result is exact when the buckets
around the rank hold at most two values each, and otherwise off by less than one bucket's width: under
2^(1/16) − 1 ≈ 4.4 % of the value.
"""

from __future__ import annotations

import numpy as np

from dashboard.kpis.measure import Measure

PER_DOUBLING = 16
#: Bucket of durations under one second (and of negative ones).
UNDER_ONE_SECOND = -1
#: The open last bucket: 2^25 s and longer.
LAST_BUCKET = 25 * PER_DOUBLING
#: The histograms kept, by the ``kind`` of their rows.
HANDLING, WAIT = "complaint_handling", "hall_wait"


def percentile(tickets, least, most, q: float) -> Measure:
    """The ``q``-th percentile (0–100) of a histogram's durations, over how many durations: ``tickets``,
    ``least`` and ``most`` (seconds) of each bucket, in bucket order."""
    counts = np.asarray(tickets, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return Measure(None, 0, 0)
    least, most = np.asarray(least, dtype=float), np.asarray(most, dtype=float)
    ends = np.cumsum(counts)

    def order_statistic(k: int) -> float:
        i = int(np.searchsorted(ends, k, side="right"))
        size = counts[i]
        if size == 1:
            return float(least[i])
        offset = k - (ends[i] - size)
        return float(least[i] + (most[i] - least[i]) * offset / (size - 1))

    rank = q / 100 * (total - 1)
    low = int(np.floor(rank))
    high = min(low + 1, total - 1)
    first = order_statistic(low)
    value = first + (rank - low) * (order_statistic(high) - first)
    return Measure(value, total, total)


def _scaled(measure: Measure, scale: float) -> Measure:
    return Measure(None if measure.value is None else measure.value * scale, measure.numerator, measure.denominator)


def _columns(histograms, kind: str) -> tuple[tuple, tuple, tuple]:
    """The ``tickets``, ``min_seconds`` and ``max_seconds`` of the rows of ``kind``, as three columns."""
    rows = [row[2:] for row in histograms if row[0] == kind]
    return tuple(zip(*rows, strict=True)) if rows else ((), (), ())


def duration_measures(histograms) -> dict[str, Measure]:
    """Handling-time median and P90 (hours) and the hall wait P90 (minutes) from a period's histograms: rows of
    (``kind``, ``bucket``, ``tickets``, ``min_seconds``, ``max_seconds``) in bucket order."""
    handling, waits = (_columns(histograms, kind) for kind in (HANDLING, WAIT))
    return {
        "complaint_handling_hours_median": _scaled(percentile(*handling, 50), 1 / 3600),
        "complaint_handling_hours_p90": _scaled(percentile(*handling, 90), 1 / 3600),
        "hall_wait_p90_minutes": _scaled(percentile(*waits, 90), 1 / 60),
    }
