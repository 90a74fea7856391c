"""Fitting a map's view to its districts, clear of the room its colour bars take: checked with the Web Mercator
projection written out here (the tiles' standard, EPSG:3857 in 512-pixel tiles), not with the fitting code."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import shapely

from layouts.figures.map_base import fit_view

#: A panel of 1000 × 600 pixels.
PANEL = (1000, 600)


def _pixel(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator world pixels of a point at ``zoom`` (the world 512·2^zoom pixels wide)."""
    world = 512 * 2**zoom
    phi = math.radians(lat)
    return world * (lon + 180) / 360, world * (1 - math.log(math.tan(math.pi / 4 + phi / 2)) / math.pi) / 2


def _drawn(bounds, room) -> tuple[float, float, float, float]:
    """The districts' box in the panel's pixels (left, top, right, bottom) once fitted."""
    west, south, east, north = bounds
    districts = pd.DataFrame({"geometry": [shapely.box(west, south, east, north)]})
    centre, zoom = fit_view(districts, PANEL, room)
    cx, cy = _pixel(centre["lon"], centre["lat"], zoom)
    (left, top), (right, bottom) = _pixel(west, north, zoom), _pixel(east, south, zoom)
    return left - cx + PANEL[0] / 2, top - cy + PANEL[1] / 2, right - cx + PANEL[0] / 2, bottom - cy + PANEL[1] / 2


@pytest.mark.parametrize(
    "bounds",
    [
        (120.2, 30.6, 121.0, 31.2),  # a city about as wide as the demo's
        (116.0, 39.6, 116.8, 40.2),  # further north
        (-0.5, 51.3, 0.3, 51.7),  # wide and low
        (151.0, -34.0, 151.3, -33.5),  # tall, south of the equator
    ],
)
@pytest.mark.parametrize("room", [(0, 0), (140, 0), (0, 70)])
def test_the_districts_fit_in_the_panel_less_the_bars_room(bounds, room):
    left, top, right, bottom = _drawn(bounds, room)
    free_width, free_height = PANEL[0] - room[0], PANEL[1] - room[1]
    assert left >= 0 and top >= 0 and right <= free_width + 0.5 and bottom <= free_height + 0.5
    # fitted, not merely inside: the box fills its tighter side but for the view's margin of 0.15 zoom levels
    filled = max((right - left) / free_width, (bottom - top) / free_height)
    assert 2**-0.15 - 0.02 <= filled <= 2**-0.15 + 0.02, filled
    # and sits in the middle of what is left
    assert abs((left + right) / 2 - free_width / 2) < 1 and abs((top + bottom) / 2 - free_height / 2) < 3
