"""City-wide weather: a smooth latent shared by all stations, the season, and pollution episodes."""

from __future__ import annotations

from datetime import date

import numpy as np

from simulator.dynamics.table import STREAM_EPISODES, STREAM_WEATHER, rng_for
from simulator.timefmt import LOCAL_OFFSET_S

KNOT_S = 6 * 3600


def _knot(seed: int, index: int) -> float:
    return float(rng_for(seed, STREAM_WEATHER, index).normal(0, 0.35))


def weather_latent(seed: int, seconds: np.ndarray) -> np.ndarray:
    """Log-multiplier of stagnation (positive: still air, pollutants accumulate), linear between 6-hour knots."""
    first, last = int(seconds.min()) // KNOT_S, int(seconds.max()) // KNOT_S + 1
    knots = np.arange(first, last + 1)
    values = np.array([_knot(seed, int(k)) for k in knots])
    return np.interp(seconds / KNOT_S, knots, values)


def winter_factor(seconds: np.ndarray) -> np.ndarray:
    """About 1.4 in mid-January, 0.6 in mid-July."""
    doy = ((seconds + LOCAL_OFFSET_S) / 86400.0 - 10957.0) % 365.25
    return 1 + 0.4 * np.cos(2 * np.pi * (doy - 15) / 365.25)


def _episodes_of_month(seed: int, month_index: int) -> list[tuple[float, float, float]]:
    rng = rng_for(seed, STREAM_EPISODES, month_index)
    year, month = divmod(month_index, 12)
    start = (date(year, month + 1, 1).toordinal() - date(1970, 1, 1).toordinal()) * 86400.0
    return [
        (start + rng.uniform(0, 27) * 86400, rng.uniform(1.8, 3.2) * 86400, rng.uniform(150, 250))
        for _ in range(int(rng.integers(1, 3)))
    ]


def episode_pm25(seed: int, seconds: np.ndarray) -> np.ndarray:
    """Extra PM2.5 (µg/m³) of the month's 1-2 pollution episodes, each building up for a couple of days."""
    extra = np.zeros(len(seconds))
    first = date.fromordinal(int(seconds.min()) // 86400 + date(1970, 1, 1).toordinal())
    index = first.year * 12 + first.month - 1
    last = date.fromordinal(int(seconds.max()) // 86400 + date(1970, 1, 1).toordinal())
    for month_index in range(index - 1, last.year * 12 + last.month):
        for begin, duration, peak in _episodes_of_month(seed, month_index):
            phase = (seconds - begin) / duration
            rising = np.clip(phase / 0.7, 0, 1)
            falling = np.clip((1 - phase) / 0.3, 0, 1)
            shape = np.where(phase < 0.7, np.sin(rising * np.pi / 2) ** 2, falling**2)
            extra += np.where((phase >= 0) & (phase <= 1), shape * (peak - 40), 0.0)
    return extra
