"""Coordinate systems of Chinese feeds: WGS-84 ⇄ GCJ-02 (AMap, Tencent) ⇄ BD-09 (Baidu), vectorised.

GCJ-02 and BD-09 have no EPSG code and pyproj does not know them; this module implements the published
forward formulas (as in the widely used coordtransform libraries) and inverts them by fixed-point
iteration to better than 1e-6°. Points outside China are left unchanged by GCJ-02, as its definition says.
Any ``EPSG:nnnn`` code goes through pyproj.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
from pyproj import Transformer

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30

#: Spellings of the three named systems once case, spaces, "-", "_" and ":" are dropped (GCJ-02, gcj02, GCJ_02 …).
_ALIASES = {
    "WGS84": "WGS84",
    "EPSG4326": "WGS84",
    "GCJ02": "GCJ02",
    "BD09": "BD09",
    "BD09LL": "BD09",
}
_SEPARATORS = re.compile(r"[\s_:\-]")

ArrayLike = Sequence[float | None] | np.ndarray


class UnknownCrsError(ValueError):
    """The feed names a coordinate system this module cannot convert."""


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)


def out_of_china(lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    """True where GCJ-02 leaves a point unshifted (outside mainland China's bounding box)."""
    lon, lat = _as_arrays(lons, lats)
    return ~((lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271))


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 shift (degrees) at WGS-84 points."""
    x, y = lon - 105.0, lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def wgs84_to_gcj02(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → GCJ-02."""
    lon, lat = _as_arrays(lons, lats)
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _invert(forward, target_lon: np.ndarray, target_lat: np.ndarray, lon: np.ndarray, lat: np.ndarray):
    """Solve ``forward(x) = target`` from the guess ``(lon, lat)`` by fixed-point iteration to 1e-9°."""
    for _ in range(_INVERSE_MAX_STEPS):
        got_lon, got_lat = forward(lon, lat)
        err_lon, err_lat = target_lon - got_lon, target_lat - got_lat
        lon, lat = lon + err_lon, lat + err_lat
        if (
            max(np.nanmax(np.abs(err_lon), initial=0.0), np.nanmax(np.abs(err_lat), initial=0.0))
            < _INVERSE_TOLERANCE_DEG
        ):
            break
    return lon, lat


def gcj02_to_wgs84(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS-84: the WGS-84 point whose GCJ-02 shift lands on the input (iterated)."""
    lon, lat = _as_arrays(lons, lats)
    return _invert(wgs84_to_gcj02, lon, lat, lon.copy(), lat.copy())


def gcj02_to_bd09(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09."""
    x, y = _as_arrays(lons, lats)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The published one-step BD-09 → GCJ-02 formula (about 1e-6° off)."""
    lon, lat = _as_arrays(lons, lats)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02: the published formula, refined by iteration to an exact inverse of GCJ-02 → BD-09."""
    lon, lat = _as_arrays(lons, lats)
    return _invert(gcj02_to_bd09, lon, lat, *_bd09_to_gcj02_approx(lon, lat))


def bd09_to_wgs84(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lons, lats))


def wgs84_to_bd09(lons: ArrayLike, lats: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lons, lats))


def normalize_crs(crs: str) -> str:
    """The canonical name of ``crs``: "WGS84", "GCJ02", "BD09" or "EPSG:nnnn"; any case and separators are
    tolerated (``GCJ-02``, ``gcj02``, ``BD-09``, ``epsg:3857``, ``EPSG 4490``)."""
    name = _SEPARATORS.sub("", str(crs).strip().upper())
    if name in _ALIASES:
        return _ALIASES[name]
    if name.startswith("EPSG") and name[4:].isdigit():
        return f"EPSG:{name[4:]}"
    raise UnknownCrsError(f"unknown coordinate system {crs!r}; use WGS84, GCJ02, BD09 or EPSG:nnnn")


@cache
def _to_wgs84_transformer(epsg: str) -> Transformer:
    return Transformer.from_crs(epsg, "EPSG:4326", always_xy=True)


def to_wgs84(lons: ArrayLike, lats: ArrayLike, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert points from ``crs`` to WGS-84 (missing values stay NaN)."""
    name = normalize_crs(crs)
    if name == "WGS84":
        return _as_arrays(lons, lats)
    if name == "GCJ02":
        return gcj02_to_wgs84(lons, lats)
    if name == "BD09":
        return bd09_to_wgs84(lons, lats)
    return _to_wgs84_transformer(name).transform(*_as_arrays(lons, lats))
