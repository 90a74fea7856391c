"""Hourly air quality per station: AR(1) persistence, shared weather, episodes, O3 and NO2 daily cycles."""

from __future__ import annotations

import numpy as np

from simulator.dynamics.table import STREAM_AIR, STREAM_STATIC, Table, rng_for
from simulator.dynamics.weather import episode_pm25, weather_latent, winter_factor
from simulator.timefmt import day_start, local_hours, local_weekday

BURN_IN_DAYS = 3
PHI = 0.85


def _ar1(seed: int, stream: int, day: int, n_stations: int, per_day: int) -> np.ndarray:
    """AR(1) noise for ``day`` whose innovations are fixed per day, so adjacent days join smoothly."""
    shocks = np.vstack(
        [rng_for(seed, stream, d).normal(0, 1, (per_day, n_stations)) for d in range(day - BURN_IN_DAYS, day + 1)]
    )
    state = np.zeros(n_stations)
    out = np.empty_like(shocks)
    scale = np.sqrt(1 - PHI**2)
    for i, shock in enumerate(shocks):
        state = PHI * state + scale * shock
        out[i] = state
    return out[-per_day:]


def _bump(hour: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hour - centre) / width) ** 2)


def air_day(seed: int, n_stations: int, day: int) -> Table:
    """24 hourly readings per air station for one local day, ordered by (hour, station)."""
    times = day_start(day) + np.arange(24, dtype=np.int64) * 3600
    static = rng_for(seed, STREAM_STATIC, 1)
    offset = static.normal(0, 0.15, n_stations)
    traffic_exposure = static.uniform(0.7, 1.4, n_stations)
    ar = _ar1(seed, STREAM_AIR, day, n_stations, 24)
    ar2 = _ar1(seed, STREAM_AIR + 100, day, n_stations, 24)
    w = weather_latent(seed, times)[:, None]
    winter = winter_factor(times)[:, None]
    summer = 2 - winter
    hour = local_hours(times)[:, None]
    weekday = (local_weekday(times) < 5)[:, None]
    episode = episode_pm25(seed, times)[:, None]

    night = 1 + 0.15 * np.cos(2 * np.pi * (hour - 2) / 24)
    pm25 = 30 * winter * np.exp(w + 0.35 * ar + offset) * night + episode * np.exp(0.1 * ar)
    pm10 = pm25 * (1.35 + 0.1 * traffic_exposure) + 14 * np.exp(0.3 * ar2)
    rush = _bump(hour, 8.0, 1.2) + _bump(hour, 18.5, 1.5)
    no2 = (16 + 24 * rush * np.where(weekday, 1.0, 0.6)) * traffic_exposure * np.sqrt(winter) * np.exp(
        0.4 * w + 0.3 * ar2
    ) + 0.08 * episode
    o3 = (18 + 115 * _bump(hour, 15, 2.5) * summer) * np.exp(-0.25 * w + 0.2 * ar)
    so2 = 6 * winter * np.exp(0.3 * w + 0.4 * ar2)
    co = 0.45 + 0.007 * pm25 * np.exp(0.1 * ar2)
    n = len(times)
    return Table(
        {
            "station": np.tile(np.arange(n_stations, dtype=np.int32), n),
            "time": np.repeat(times, n_stations),
            "pm25": np.round(pm25).ravel(),
            "pm10": np.round(pm10).ravel(),
            "no2": np.round(no2).ravel(),
            "so2": np.round(so2).ravel(),
            "o3": np.round(o3).ravel(),
            "co": np.round(co, 1).ravel(),
        }
    )
