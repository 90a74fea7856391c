"""Polygonal geometry: keep the areas of any geometry (collections included) and repair invalid ones.

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
