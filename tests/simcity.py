"""The simulated city for tests that talk to it over loopback: built from the committed city files, its clock
frozen when asked, stopped afterwards (skipped where the simulator package is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

CITY_DIR = Path(__file__).resolve().parents[1] / "data" / "city"


@contextmanager
def running_city(
    drop_dir: Path, seed: int, history_days: float, frozen_at: datetime | None = None
) -> Iterator:
    """A running simulator with ``history_days`` of history, writing hotline exports to ``drop_dir``."""
    simulator = pytest.importorskip("simulator")
    clock = {} if frozen_at is None else {"clock": lambda: frozen_at}
    sim = simulator.start(
        simulator.SimulatorConfig(
            seed=seed, history_days=history_days, host="127.0.0.1", port=0, drop_dir=drop_dir, data_dir=CITY_DIR,
            **clock,
        )
    )
    try:
        yield sim
    finally:
        sim.stop()
