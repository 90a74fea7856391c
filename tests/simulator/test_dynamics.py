"""City dynamics: deterministic, fast, and plausible."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from simulator.config import SimulatorConfig
from simulator.dynamics.complaints import CLOSED, REVISITED, complaints_day
from simulator.dynamics.context import build_context
from simulator.dynamics.halls import halls_day
from simulator.dynamics.table import STREAM_COMPLAINTS
from simulator.dynamics.traffic import traffic_day
from simulator.timefmt import MISSING, local_hours
from simulator.world import World

SEED = 20261121
MONDAY = date(2026, 11, 16).toordinal()
SATURDAY = date(2026, 11, 21).toordinal()


@pytest.fixture(scope="module")
def ctx(city):
    return build_context(city, SEED)


def _network_speed(table, n_segments: int, hour: float) -> float:
    speed = table["speed"].reshape(-1, n_segments)[int(hour * 4)]
    return len(speed) / float(np.sum(1 / speed))


def test_days_do_not_depend_on_when_the_simulator_started(city):
    early = World(SimulatorConfig(history_days=2, clock=lambda: datetime(2026, 11, 18, 3, tzinfo=UTC)), city)
    late = World(SimulatorConfig(history_days=1, clock=lambda: datetime(2026, 11, 19, 3, tzinfo=UTC)), city)
    for feed in ("traffic", "complaints", "halls", "observations"):
        a, b = early.tables[feed], late.tables[feed]
        key = "start" if feed == "traffic" else "time" if feed == "observations" else "id"
        if key == "id":
            common_a = np.isin(a["id"], b["id"])
            common_b = np.isin(b["id"], a["id"])
        else:
            common_a = np.isin(a[key], b[key])
            common_b = np.isin(b[key], a[key])
        assert common_a.sum() > 0
        for column in a.columns:
            assert np.array_equal(a[column][common_a], b[column][common_b]), (feed, column)


def test_thirty_days_of_history_are_generated(city):
    """How long generating takes is a benchmark's business; here, that a month of complaints is there."""
    world = World(SimulatorConfig(history_days=30, clock=lambda: datetime(2026, 11, 21, 2, tzinfo=UTC)), city)
    assert len(world.tables["complaints"]) > 30 * 1200


def test_traffic_peaks(ctx):
    n = len(ctx.free_flow)
    weekday, weekend = traffic_day(ctx, MONDAY, 15), traffic_day(ctx, SATURDAY, 15)
    night = _network_speed(weekday, n, 3)
    morning, evening = _network_speed(weekday, n, 8.25), _network_speed(weekday, n, 18.25)
    assert morning < 0.7 * night and evening < 0.7 * night
    assert _network_speed(weekend, n, 8.25) > morning and _network_speed(weekend, n, 18.25) > evening
    flow = weekday["intensity"].reshape(-1, n)
    assert flow[33].sum() > 3 * flow[12].sum()
    arterial = ctx.road_class == "arterial"
    secondary = ctx.road_class == "secondary"
    drop = 1 - weekday["speed"].reshape(-1, n)[33] / ctx.free_flow
    assert drop[arterial].mean() > drop[secondary].mean()
    assert np.array_equal(traffic_day(ctx, MONDAY, 15)["speed"], weekday["speed"])


def test_complaints_volume_hours_and_lifecycle(ctx):
    days = [complaints_day(ctx, STREAM_COMPLAINTS, 1500, d, "") for d in range(MONDAY, MONDAY + 14)]
    counts = [len(t) for t in days]
    assert 1300 < np.mean(counts) < 1700
    assert np.mean(counts[:5]) > np.mean(counts[5:7])
    events = np.concatenate([t["events"] for t in days])
    hours = np.bincount(local_hours(events[:, 0]).astype(int), minlength=24)
    assert hours[10] > 5 * hours[3] and hours[15] > 5 * hours[3]
    present = np.where(events == MISSING, -1, events)
    for i in range(len(present)):
        row = present[i][present[i] >= 0]
        assert np.all(np.diff(row) >= 0)
    final = np.concatenate([t["final_deadline"] for t in days])
    late = np.mean(events[:, CLOSED] > final)
    assert 0.05 < late < 0.12
    rated = np.mean(events[:, REVISITED] != MISSING)
    assert 0.75 < rated < 0.85
    channels = np.bincount(np.concatenate([t["channel"] for t in days])) / len(events)
    assert 0.55 < channels[0] < 0.65
    returned = np.mean(events[:, 3] != MISSING)
    assert 0.06 < returned < 0.10


def test_hall_waits_peak_mid_morning():
    windows = [60, 43, 45, 29, 32, 19, 19, 18]
    table = halls_day(SEED, windows, MONDAY)
    served = table["called"] != MISSING
    wait = (table["called"] - table["issued"])[served] / 60
    hour = local_hours(table["issued"][served])
    assert wait[(hour >= 10) & (hour < 11)].mean() > 2 * wait[(hour >= 12.5) & (hour < 13.5)].mean()
    assert 25 < wait.max() < 90
    per_hall = np.bincount(table["hall"], minlength=8)
    assert per_hall.min() >= 350 and per_hall.max() <= 1000
    assert 0.005 < np.mean(table["abandoned"] != MISSING) < 0.06
    assert 0.3 < np.mean(table["online"]) < 0.4
    assert len(halls_day(SEED, windows, date(2026, 11, 22).toordinal())) == 0
