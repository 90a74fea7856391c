"""Noise (LAeq every 15 minutes) at roadside stations and river water quality (hourly)."""

from __future__ import annotations

import numpy as np

from simulator.dynamics.air import _ar1
from simulator.dynamics.table import STREAM_NOISE, STREAM_STATIC, STREAM_WATER, Table, rng_for
from simulator.dynamics.weather import weather_latent, winter_factor
from simulator.timefmt import day_start, local_hours


def noise_day(seed: int, n_stations: int, day: int) -> Table:
    """LAeq dB(A) per noise station every 15 minutes: about 45 at night, 60-70 in the day near roads."""
    times = day_start(day) + np.arange(96, dtype=np.int64) * 900
    road = rng_for(seed, STREAM_STATIC, 2).uniform(14, 22, n_stations)
    hour = local_hours(times)[:, None] + 0.125
    activity = 1 / (1 + np.exp(-(hour - 6.2) * 2.2)) / (1 + np.exp((hour - 22.3) * 1.8))
    noise = rng_for(seed, STREAM_NOISE, day).normal(0, 1.4, (len(times), n_stations))
    laeq = 44 + road[None, :] * activity + 2.5 * np.exp(-0.5 * ((hour - 8) / 1.2) ** 2) + noise
    return Table(
        {
            "station": np.tile(np.arange(n_stations, dtype=np.int32), len(times)),
            "time": np.repeat(times, n_stations),
            "laeq": np.round(laeq, 1).ravel(),
        }
    )


def water_day(seed: int, n_stations: int, day: int) -> Table:
    """Hourly pH, dissolved oxygen (mg/L) and turbidity (NTU) per river section."""
    times = day_start(day) + np.arange(24, dtype=np.int64) * 3600
    static = rng_for(seed, STREAM_STATIC, 3)
    ph_offset, do_offset, turbidity_base = (
        static.normal(0, 0.12, n_stations),
        static.normal(0, 0.4, n_stations),
        static.uniform(8, 20, n_stations),
    )
    ar = _ar1(seed, STREAM_WATER, day, n_stations, 24)
    cycle = np.sin(2 * np.pi * (local_hours(times) - 8) / 24)[:, None]
    summer = (2 - winter_factor(times))[:, None]
    rain = -np.minimum(weather_latent(seed, times), 0)[:, None]
    ph = 7.35 + ph_offset + 0.2 * cycle + 0.05 * ar
    dissolved = 9.6 - 2.4 * summer + do_offset + 0.7 * cycle + 0.2 * ar
    turbidity = turbidity_base * np.exp(1.2 * rain + 0.15 * ar)
    return Table(
        {
            "station": np.tile(np.arange(n_stations, dtype=np.int32), len(times)),
            "time": np.repeat(times, n_stations),
            "ph": np.round(ph, 2).ravel(),
            "do": np.round(dissolved, 2).ravel(),
            "turbidity": np.round(turbidity, 1).ravel(),
        }
    )
