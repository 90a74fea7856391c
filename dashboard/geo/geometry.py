"""Polygonal geometry: keep the areas of any geometry (collections included), repair invalid ones, simplify them.

Real boundary files often hold self-intersecting rings; shapely's ``make_valid`` repairs them but may return a
GeometryCollection mixing the polygons with the lines or points left over. An area is only its polygonal part.
"""

from __future__ import annotations

from collections.abc import Iterator

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

POLYGONAL = ("Polygon", "MultiPolygon")


def polygons(geom: BaseGeometry | None) -> Iterator[Polygon]:
    """Every non-empty polygon in ``geom``, collections and multi-parts walked through."""
    if geom is None or geom.is_empty:
        return
    if geom.geom_type == "Polygon":
        yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from polygons(part)


def polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """The polygonal part of ``geom`` (a Polygon or MultiPolygon), or None when it has none."""
    parts = list(polygons(geom))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def repair(geom: BaseGeometry | None) -> tuple[Polygon | MultiPolygon | None, bool]:
    """A valid polygonal geometry for ``geom`` and whether it had to be repaired (made valid, or parts of
    another kind dropped); None when nothing polygonal is left."""
    if geom is None or geom.is_empty:
        return None, False
    if geom.is_valid and geom.geom_type in POLYGONAL:
        return geom, False
    return polygonal(geom if geom.is_valid else shapely.make_valid(geom)), True


def simplified(geom: BaseGeometry, tolerance: float) -> BaseGeometry:
    """``geom`` with fewer vertices, within ``tolerance`` of it (Hausdorff distance) and with as many polygons:
    simplified with its topology preserved, again at half the tolerance when that strays farther (the
    simplifier may drop a ring's first vertex after the fact), and ``geom`` itself when no try keeps every part."""
    parts = _areas(geom)
    for step in (tolerance, tolerance / 2, tolerance / 4):
        shape = geom.simplify(step, preserve_topology=True)
        if _areas(shape) == parts and shapely.hausdorff_distance(geom, shape) <= tolerance:
            return shape
    return geom


def _areas(geom: BaseGeometry) -> int:
    """How many polygons of ``geom`` enclose an area."""
    return sum(1 for part in polygons(geom) if part.area > 0)
