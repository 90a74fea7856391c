"""A local metric plane around the city centre (equirectangular; errors well under 0.1 % at city scale)."""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

CENTRE_LON = 120.6
CENTRE_LAT = 30.9
_M_PER_DEG_LAT = 110_850.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTRE_LAT))
_GEOD = Geod(ellps="WGS84")


def _to_lonlat(coords: np.ndarray) -> np.ndarray:
    lon = CENTRE_LON + coords[:, 0] / _M_PER_DEG_LON
    lat = CENTRE_LAT + coords[:, 1] / _M_PER_DEG_LAT
    return np.round(np.column_stack([lon, lat]), 6)


def _to_metres(coords: np.ndarray) -> np.ndarray:
    x = (coords[:, 0] - CENTRE_LON) * _M_PER_DEG_LON
    y = (coords[:, 1] - CENTRE_LAT) * _M_PER_DEG_LAT
    return np.column_stack([x, y])


def to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """Metric plane to WGS-84, rounded to 6 decimals."""
    return shapely.transform(geometry, _to_lonlat)


def to_metres(geometry: BaseGeometry) -> BaseGeometry:
    """WGS-84 to the metric plane."""
    return shapely.transform(geometry, _to_metres)


def point_lonlat(x: float, y: float) -> tuple[float, float]:
    """One metric point as rounded (lon, lat)."""
    lon, lat = _to_lonlat(np.array([[x, y]]))[0]
    return float(lon), float(lat)


def geodesic_length_m(line: BaseGeometry) -> float:
    """Geodesic length on WGS-84 of a lon/lat line, in metres."""
    return float(_GEOD.geometry_length(line))


def geodesic_area_km2(polygon: BaseGeometry) -> float:
    """Geodesic area on WGS-84 of a lon/lat polygon, in km²."""
    return abs(float(_GEOD.geometry_area_perimeter(polygon)[0])) / 1e6
