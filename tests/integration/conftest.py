"""The simulated city on loopback, frozen in time, shared by the integration tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from democity import FROZEN_AT, City
from simcity import running_city


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    """The demo city with one day of history, its clock frozen at :data:`FROZEN_AT`."""
    drop = tmp_path_factory.mktemp("hotline-drop")
    with running_city(drop, 20261121, 1, FROZEN_AT) as sim:
        # Collectors running on the real clock must still reach back to the frozen city's first day.
        reach_back_days = (datetime.now(UTC) - FROZEN_AT) / timedelta(days=1) + 1.5
        env = {
            "CITYOPS_SIMULATOR_URL": sim.url,
            "CITYOPS_HOTLINE_DROP_DIR": str(drop),
            "CITYOPS_BACKFILL_DAYS": f"{reach_back_days:.3f}",
        }
        yield City(sim, env, drop)
