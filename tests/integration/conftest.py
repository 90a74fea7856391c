"""The simulated city on loopback, frozen in time, shared by the integration tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from democity import CITY_DIR, FROZEN_AT, City


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    """The demo city with one day of history, its clock frozen at :data:`FROZEN_AT`."""
    simulator = pytest.importorskip("simulator")
    drop = tmp_path_factory.mktemp("hotline-drop")
    sim = simulator.start(
        simulator.SimulatorConfig(
            seed=20261121, history_days=1, host="127.0.0.1", port=0, drop_dir=drop, data_dir=CITY_DIR,
            clock=lambda: FROZEN_AT,
        )
    )
    # Collectors running on the real clock must still reach back to the frozen city's first day.
    reach_back_days = (datetime.now(UTC) - FROZEN_AT) / timedelta(days=1) + 1.5
    env = {
        "CITYOPS_SIMULATOR_URL": sim.url,
        "CITYOPS_HOTLINE_DROP_DIR": str(drop),
        "CITYOPS_BACKFILL_DAYS": f"{reach_back_days:.3f}",
    }
    yield City(sim, env, drop)
    sim.stop()
