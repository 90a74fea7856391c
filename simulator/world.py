"""The simulated world: every feed's records from the start of history to a horizon a day ahead of now."""

from __future__ import annotations

import threading

import numpy as np

from simulator.city import City
from simulator.config import SimulatorConfig
from simulator.dynamics.air import air_day
from simulator.dynamics.complaints import complaints_day
from simulator.dynamics.context import build_context
from simulator.dynamics.halls import halls_day
from simulator.dynamics.observations import Catalogue, observations_day
from simulator.dynamics.sensors import noise_day, water_day
from simulator.dynamics.table import STREAM_COMPLAINTS, STREAM_HOTLINE, Table
from simulator.dynamics.traffic import traffic_day
from simulator.timefmt import DAY_S, day_start, local_day_number, to_epoch

COMPLAINTS_PER_DAY = 1500
HOTLINE_PER_DAY = 150
FEEDS = ("traffic", "air", "observations", "complaints", "hotline", "halls")


class World:
    """Generated records per feed; tables only grow (append-only), so row indexes are stable ids."""

    def __init__(self, config: SimulatorConfig, city: City) -> None:
        self.config = config
        self.city = city
        self.ctx = build_context(city, config.seed)
        self.catalogue = Catalogue(city)
        now = to_epoch(config.clock())
        self.first_day = local_day_number(now - int(config.history_days * DAY_S))
        self.start = day_start(self.first_day)
        self.next_day = self.first_day
        self.tables: dict[str, Table] = {feed: Table({}) for feed in FEEDS}
        self._lock = threading.Lock()
        self.extend_to(now + DAY_S)

    @property
    def horizon(self) -> int:
        """Epoch seconds up to which records exist."""
        return day_start(self.next_day)

    def now(self) -> int:
        """The simulator's current time in epoch seconds."""
        return to_epoch(self.config.clock())

    def _day(self, day: int) -> dict[str, Table]:
        seed, ctx = self.config.seed, self.ctx
        kinds = {k: len(self.city.stations_of(k)) for k in ("air", "noise", "water")}
        air = air_day(seed, kinds["air"], day)
        noise = noise_day(seed, kinds["noise"], day)
        water = water_day(seed, kinds["water"], day)
        return {
            "traffic": traffic_day(ctx, day, self.config.traffic_interval_minutes),
            "air": air,
            "observations": observations_day(self.catalogue, air, noise, water),
            "complaints": complaints_day(ctx, STREAM_COMPLAINTS, COMPLAINTS_PER_DAY, day, ""),
            "hotline": complaints_day(ctx, STREAM_HOTLINE, HOTLINE_PER_DAY, day, "GD"),
            "halls": halls_day(seed, [int(h["windows"]) for h in self.city.halls], day),
        }

    def extend_to(self, until: int) -> int:
        """Generate whole local days until the horizon passes ``until``; returns the number of days added."""
        with self._lock:
            days = []
            while day_start(self.next_day + len(days)) <= until:
                days.append(self._day(self.next_day + len(days)))
            if not days:
                return 0
            for feed in FEEDS:
                parts = [self.tables[feed]] + [d[feed] for d in days]
                columns = [p for p in parts if len(p)]
                self.tables[feed] = Table({k: np.concatenate([p[k] for p in columns]) for k in columns[0].columns})
            self.next_day += len(days)
            return len(days)
