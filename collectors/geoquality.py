"""Coordinate quality: points at (0, 0), outside the city, or with latitude and longitude swapped.

A point whose swap lands inside the city while the point itself does not is corrected and flagged
``swapped``; other points outside are flagged ``null_island`` (exactly 0, 0) or ``outside_city``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Which of the given points lie inside the city: (lons, lats) -> booleans.
Inside = Callable[[np.ndarray, np.ndarray], np.ndarray]

NULL_ISLAND, OUTSIDE, SWAPPED = "null_island", "outside_city", "swapped"


@dataclass
class Assessed:
    """Coordinates after correction (swaps undone) and one flag per point (None: fine or no point)."""

    lons: list[float | None]
    lats: list[float | None]
    flags: list[str | None]


def assess(lons: Sequence[float | None], lats: Sequence[float | None], inside: Inside) -> Assessed:
    """Flag and correct points against the city's extent (``inside``); missing points stay missing."""
    lon = np.array([np.nan if v is None else v for v in lons], dtype=float)
    lat = np.array([np.nan if v is None else v for v in lats], dtype=float)
    given = ~(np.isnan(lon) | np.isnan(lat))
    within = np.zeros(len(lon), dtype=bool)
    swapped_within = np.zeros(len(lon), dtype=bool)
    if given.any():
        within[given] = inside(lon[given], lat[given])
        plausible = given & ~within & (np.abs(lon) <= 90)  # a latitude can only be within ±90°
        if plausible.any():
            swapped_within[plausible] = inside(lat[plausible], lon[plausible])
    null_island = given & (lon == 0) & (lat == 0)
    flags: list[str | None] = [None] * len(lon)
    out_lons, out_lats = list(lons), list(lats)
    for i in np.flatnonzero(given & ~within):
        if null_island[i]:
            flags[i] = NULL_ISLAND
        elif swapped_within[i]:
            flags[i] = SWAPPED
            out_lons[i], out_lats[i] = float(lat[i]), float(lon[i])
        else:
            flags[i] = OUTSIDE
    return Assessed(out_lons, out_lats, flags)


def within_districts(locate: Callable[[list, list], Sequence[str | None]]) -> Inside:
    """An ``inside`` test from a district lookup (e.g. ``lambda x, y: locator.locate(x, y).district``)."""

    def inside(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        return np.array([d is not None for d in locate(lons.tolist(), lats.tolist())], dtype=bool)

    return inside
