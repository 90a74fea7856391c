"""The boundaries maps draw are simplified for display: within their tolerance of the real boundary (shapely's
Hausdorff distance, densified, computed here) and with every district and every part of it still an area."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, shape

from dashboard.geo.geometry import polygonal, simplified
from layouts.figures.map_base import DIGITS, TOLERANCE, drawable_areas

DATAV = ("datav_330400_full", "datav_330100_full", "datav_320200_full", "datav_330000_full")
#: Rounding each coordinate to DIGITS decimals moves a vertex by at most half a unit of the last digit on
#: each axis: √2 / 2 · 10^-DIGITS.
ROUNDING = math.sqrt(2) / 2 * 10**-DIGITS


def _hausdorff(a, b) -> float:
    """The Hausdorff distance with each segment cut in 4 (points along the lines, not only their vertices)."""
    return shapely.hausdorff_distance(a, b, densify=0.25)


def _areas(geom) -> list[Polygon]:
    parts = geom.geoms if hasattr(geom, "geoms") else [geom]
    return [p for p in parts if p.geom_type == "Polygon" and p.area > 0]


def _frame(shapes: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [{"code": code, "name_zh": code, "name_en": code, "geometry": geom} for code, geom in shapes.items()]
    )


def _wiggly(cx: float, cy: float, radius: float, vertices: int, jitter: float, seed: int) -> Polygon:
    """A round district whose boundary has ``vertices`` points, each off the circle by up to ``jitter``."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    r = radius + rng.uniform(-jitter, jitter, vertices)
    return Polygon(np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)]))


@pytest.mark.parametrize("name", DATAV)
@pytest.mark.parametrize("tolerance", [TOLERANCE, 2e-4])
def test_real_boundaries_stay_within_tolerance(realdata, name, tolerance):
    """Every district of a real DataV file, at the maps' tolerance and a coarser one (at 2e-4 one ring's first
    vertex, dropped after the fact by the simplifier, strays 3.1e-4 from Jiaxing's 南湖区)."""
    collection = json.loads((realdata / "china" / f"{name}.geojson").read_text(encoding="utf-8"))
    for feature in collection["features"]:
        original = polygonal(shape(feature["geometry"]))
        drawn = simplified(original, tolerance)
        assert _hausdorff(original, drawn) <= tolerance * (1 + 1e-9), feature["properties"]["name"]
        assert len(_areas(drawn)) == len(_areas(original)), feature["properties"]["name"]


def test_real_boundaries_as_drawn(realdata):
    """What the maps send: each Jiaxing district within the tolerance plus the rounding of its coordinates."""
    collection = json.loads((realdata / "china" / "datav_330400_full.geojson").read_text(encoding="utf-8"))
    originals = {str(f["properties"]["adcode"]): polygonal(shape(f["geometry"])) for f in collection["features"]}
    drawn = drawable_areas(_frame(originals))
    assert sorted(drawn["code"]) == sorted(originals)
    for code, geom in zip(drawn["code"], drawn["geometry"], strict=True):
        assert _hausdorff(originals[code], geom) <= TOLERANCE + ROUNDING, code


def test_hand_made_city_simplified_and_nothing_vanishes():
    """A wiggly district loses the wiggles under the tolerance; a district far smaller than the tolerance and a
    tiny island of another keep their polygons."""
    wiggly = _wiggly(120.5, 30.5, 0.05, 1000, TOLERANCE / 4, seed=7)
    tiny = box(120.6, 30.6, 120.6 + TOLERANCE / 5, 30.6 + TOLERANCE / 5)  # about 2 m a side
    island = box(120.7, 30.7, 120.7 + TOLERANCE / 3, 30.7 + TOLERANCE / 3)
    mainland = box(120.62, 30.62, 120.68, 30.68)
    originals = {"wiggly": wiggly, "tiny": tiny, "islands": MultiPolygon([mainland, island])}
    drawn = drawable_areas(_frame(originals)).set_index("code")["geometry"]

    assert sorted(drawn.index) == sorted(originals)
    assert len(drawn["wiggly"].exterior.coords) < len(wiggly.exterior.coords) / 4
    for code, original in originals.items():
        assert _hausdorff(original, drawn[code]) <= TOLERANCE + ROUNDING, code
        assert len(_areas(drawn[code])) == len(_areas(original)), code
    assert drawn["tiny"].area > 0
