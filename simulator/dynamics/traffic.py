"""Traffic flow per road segment and interval: daily peaks, class and bridge effects, incidents, noise."""

from __future__ import annotations

import numpy as np

from simulator.dynamics.context import CityContext
from simulator.dynamics.table import STREAM_INCIDENTS, STREAM_TRAFFIC, Table, rng_for
from simulator.timefmt import day_start, local_weekday

CLASS_DROP = {"expressway": 0.36, "arterial": 0.5, "secondary": 0.34}
LANE_CAPACITY_H = {"expressway": 1800, "arterial": 1200, "secondary": 800}


def _bump(hour: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hour - centre) / width) ** 2)


def demand_profile(hour: np.ndarray, weekend: bool) -> np.ndarray:
    """Relative travel demand (0-1) by local hour: night trough, morning and evening peaks, milder at weekends."""
    daytime = 1 / (1 + np.exp(-(hour - 6.5) * 2.5)) * 1 / (1 + np.exp((hour - 22) * 1.5))
    if weekend:
        return 0.05 + 0.45 * daytime + 0.15 * _bump(hour, 10.5, 1.5) + 0.25 * _bump(hour, 17.5, 1.2)
    return 0.05 + 0.35 * daytime + 0.6 * _bump(hour, 8.25, 0.6) + 0.65 * _bump(hour, 18.25, 0.7)


def traffic_day(ctx: CityContext, day: int, interval_minutes: int) -> Table:
    """All observations of one local day, ordered by (interval start, segment)."""
    rng = rng_for(ctx.seed, STREAM_TRAFFIC, day)
    n_t, n_s = 1440 // interval_minutes, len(ctx.free_flow)
    starts = day_start(day) + np.arange(n_t, dtype=np.int64) * interval_minutes * 60
    hour = (np.arange(n_t) + 0.5) * interval_minutes / 60
    weekend = bool(local_weekday(np.array([starts[0]]))[0] >= 5)
    demand = demand_profile(hour, weekend)[:, None]
    class_drop = np.array([CLASS_DROP[c] for c in ctx.road_class]) * np.where(ctx.bridge, 1.4, 1.0)
    load = np.clip(demand * ctx.sensitivity[None, :], 0, 1.3)
    drop = class_drop[None, :] * load**2 + rng.normal(0, 0.04, (n_t, n_s))
    factor = np.clip(1 - drop, 0.12, 1.08)

    incidents = rng_for(ctx.seed, STREAM_INCIDENTS, day)
    for _ in range(incidents.poisson(5)):
        weights = np.where(ctx.road_class == "secondary", 0.5, 1.0)
        segment = incidents.choice(n_s, p=weights / weights.sum())
        begin = incidents.uniform(6, 21) * 60
        end = begin + incidents.uniform(30, 90)
        minutes = np.arange(n_t) * interval_minutes
        hit = (minutes + interval_minutes > begin) & (minutes < end)
        factor[hit, segment] = np.minimum(factor[hit, segment], incidents.uniform(0.12, 0.3))

    speed = np.round(np.maximum(ctx.free_flow[None, :] * factor, 3.0), 1)
    capacity = np.array([LANE_CAPACITY_H[c] for c in ctx.road_class]) * ctx.lanes
    flow_h = capacity[None, :] * (0.03 + 0.85 * np.clip(load, 0, 1)) * (1 - 0.5 * np.clip(0.5 - factor, 0, 1))
    flow_h *= rng.lognormal(0, 0.08, (n_t, n_s))
    intensity = np.round(flow_h * interval_minutes / 60).astype(np.int64)
    density = flow_h / ctx.lanes[None, :] / speed
    occupancy = np.round(np.clip(density * 0.0065, 0.0, 0.95), 3)
    return Table(
        {
            "segment": np.tile(np.arange(n_s, dtype=np.int32), n_t),
            "start": np.repeat(starts, n_s),
            "speed": speed.ravel(),
            "intensity": intensity.ravel(),
            "occupancy": occupancy.ravel(),
            "congested": (speed < 0.5 * ctx.free_flow[None, :]).ravel(),
        }
    )
