"""A column table of numpy arrays, appended one generated day at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Table:
    """Equal-length named columns; immutable, so readers can keep a reference while a new one is built."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def concat(self, other: Table) -> Table:
        """This table followed by ``other``."""
        if not self.columns:
            return other
        return Table({k: np.concatenate([v, other.columns[k]]) for k, v in self.columns.items()})

    def take(self, index: np.ndarray) -> Table:
        """The rows at ``index``."""
        return Table({k: v[index] for k, v in self.columns.items()})


def rng_for(seed: int, stream: int, day: int) -> np.random.Generator:
    """The random generator of one stream on one day (independent of when or in which order days are built)."""
    return np.random.default_rng([seed, stream, day])


STREAM_TRAFFIC, STREAM_INCIDENTS, STREAM_AIR, STREAM_WEATHER, STREAM_EPISODES = 11, 12, 21, 22, 23
STREAM_NOISE, STREAM_WATER, STREAM_COMPLAINTS, STREAM_HOTLINE, STREAM_HALLS, STREAM_STATIC = 31, 32, 41, 42, 51, 90
