"""Service-hall queues: tickets through a multi-server FIFO queue per hall and day, with abandonment."""

from __future__ import annotations

import heapq

import numpy as np

from simulator.city.names import HALL_ITEMS
from simulator.dynamics.table import STREAM_HALLS, Table, rng_for
from simulator.timefmt import MISSING, day_start, local_day, local_weekday

STATUSES = ["waiting", "called", "serving", "finished", "abandoned"]
ITEM_WEIGHTS = np.array([10, 12, 9, 7, 6, 6, 7, 8, 8, 3, 5, 2, 2, 4, 4], dtype=float)
MEAN_SERVICE_MIN = float(np.dot(ITEM_WEIGHTS, [m for _, _, m in HALL_ITEMS]) / ITEM_WEIGHTS.sum())


def opening_hours(hall_index: int, weekday: int) -> tuple[float, float] | None:
    """Local opening hours: weekdays 09-17; the municipal hall (first) also Saturday 09-12."""
    if weekday < 5:
        return 9.0, 17.0
    if weekday == 5 and hall_index == 0:
        return 9.0, 12.0
    return None


def _arrival_density(minutes: np.ndarray) -> np.ndarray:
    hour = minutes / 60
    lunch = np.where((hour >= 12) & (hour < 13.5), 0.55, 1.0)
    return (0.35 + np.exp(-0.5 * ((hour - 10) / 0.8) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 14.5) / 0.8) ** 2)) * lunch


def _simulate(arrivals: np.ndarray, service: np.ndarray, patience: np.ndarray, servers: int, opens: int):
    """FIFO queue with ``servers`` windows: (called, window, abandoned) per arrival."""
    free = [(opens, w) for w in range(servers)]
    heapq.heapify(free)
    called = np.full(len(arrivals), MISSING, dtype=np.int64)
    window = np.full(len(arrivals), -1, dtype=np.int16)
    abandoned = np.full(len(arrivals), MISSING, dtype=np.int64)
    for i, (arrival, duration, limit) in enumerate(
        zip(arrivals.tolist(), service.tolist(), patience.tolist(), strict=True)
    ):
        ready, w = free[0]
        begin = max(arrival, ready)
        if begin - arrival > limit:
            abandoned[i] = arrival + limit
            continue
        heapq.heapreplace(free, (begin + duration, w))
        called[i], window[i] = begin, w
    return called, window, abandoned


def halls_day(seed: int, windows: list[int], day: int) -> Table:
    """All tickets of every hall on one local day, ordered by hall then issue time."""
    rng = rng_for(seed, STREAM_HALLS, day)
    start = day_start(day)
    weekday = int(local_weekday(np.array([start]))[0])
    parts = []
    for h, n_windows in enumerate(windows):
        hours = opening_hours(h, weekday)
        if hours is None:
            continue
        open_min, close_min = hours[0] * 60, hours[1] * 60 - 15
        expected = (400 + 500 * (n_windows - 15) / 45) * (close_min - open_min) / 465
        n = int(rng.poisson(expected))
        grid = np.arange(open_min, close_min, 1.0)
        cdf = np.cumsum(_arrival_density(grid))
        arrival_min = np.interp(rng.uniform(0, cdf[-1], n), cdf, grid)
        issued = np.sort(start + (arrival_min * 60).astype(np.int64))
        item = rng.choice(len(HALL_ITEMS), size=n, p=ITEM_WEIGHTS / ITEM_WEIGHTS.sum())
        mean_s = np.array([m for _, _, m in HALL_ITEMS])[item] * 60
        service = (mean_s * rng.lognormal(-0.1, 0.45, n)).astype(np.int64)
        walk = rng.integers(20, 120, n)
        servers = max(3, int(np.ceil(expected / (close_min - open_min) * MEAN_SERVICE_MIN / 0.86)))
        patience = rng.exponential(180 * 60, n).astype(np.int64) + 20 * 60
        called, window, abandoned = _simulate(issued, service + walk, patience, servers, start + int(open_min) * 60)
        done = called != MISSING
        served = np.where(done, called + walk, MISSING)
        finished = np.where(done, served + service, MISSING)
        wait_min = np.where(done, (called - issued) / 60, 0)
        rated = done & (rng.random(n) < 0.68)
        rating = np.where(
            wait_min > 40,
            rng.choice([2, 3, 4, 5], n, p=[0.15, 0.25, 0.3, 0.3]),
            rng.choice([1, 2, 3, 4, 5], n, p=[0.02, 0.03, 0.07, 0.18, 0.7]),
        )
        date_text = local_day(start).strftime("%Y%m%d")
        parts.append(
            Table(
                {
                    "id": np.array([f"H{h + 1:02d}-{date_text}-{k + 1:04d}" for k in range(n)], dtype=object),
                    "hall": np.full(n, h, dtype=np.int16),
                    "item": item.astype(np.int16),
                    "online": rng.random(n) < 0.35,
                    "issued": issued,
                    "called": called,
                    "served": served,
                    "finished": finished,
                    "abandoned": abandoned,
                    "window": window,
                    "rating": np.where(rated, rating, 0).astype(np.int8),
                    "visits": rng.choice([1, 2, 3], n, p=[0.9, 0.07, 0.03]).astype(np.int8),
                }
            )
        )
    table = Table({})
    for part in parts:
        table = table.concat(part)
    return table
