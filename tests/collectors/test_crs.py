"""WGS-84 ⇄ GCJ-02 ⇄ BD-09: published golden values of the coordtransform libraries and round-trip bounds."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.geo.crs import (
    UnknownCrsError,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

#: Tiananmen (116.404, 39.915) and the 128.543, 37.065 test point, as published by wandergis/coordtransform
#: and its ports (coordTransform_py, hutool CoordinateUtil, coordtransform-rs).
GOLDEN = [
    (wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    (gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    (wgs84_to_gcj02, (128.543, 37.065), (128.54820547949757, 37.065651049489816)),
    (gcj02_to_bd09, (128.543, 37.065), (128.54944656269413, 37.07113427883019)),
]


@pytest.mark.parametrize(("convert", "point", "expected"), GOLDEN)
def test_forward_conversions_match_published_values(convert, point, expected):
    lon, lat = convert(*point)
    assert (float(lon), float(lat)) == pytest.approx(expected, abs=1e-12)


#: The libraries' inverses are one-step approximations (up to ~2e-5°, two metres, off); ours are exact.
PUBLISHED_INVERSES = [
    (gcj02_to_wgs84, wgs84_to_gcj02, (116.404, 39.915), (116.39775550083061, 39.91359571849836)),
    (bd09_to_gcj02, gcj02_to_bd09, (116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    (bd09_to_gcj02, gcj02_to_bd09, (128.543, 37.065), (128.5365893261212, 37.058754503281534)),
    (bd09_to_wgs84, wgs84_to_bd09, (128.543, 37.065), (128.53136876750008, 37.0580926428705)),
]


@pytest.mark.parametrize(("inverse", "forward", "point", "published"), PUBLISHED_INVERSES)
def test_inverses_are_exact_and_near_the_published_approximations(inverse, forward, point, published):
    lon, lat = inverse(*point)
    assert (float(lon), float(lat)) == pytest.approx(published, abs=2e-5)
    back_lon, back_lat = forward(lon, lat)
    assert abs(back_lon - point[0]) < 1e-8 and abs(back_lat - point[1]) < 1e-8


def test_round_trips_over_china_stay_below_1e_6_degrees():
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(73.6, 134.7, 20_000), rng.uniform(18.2, 53.5, 20_000)
    for there, back in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        round_lon, round_lat = back(*there(lons, lats))
        assert np.max(np.abs(round_lon - lons)) < 1e-6
        assert np.max(np.abs(round_lat - lats)) < 1e-6


def test_gcj02_leaves_points_outside_china_alone():
    lon, lat = wgs84_to_gcj02([-122.4651145, 2.35], [37.762221815, 48.85])
    assert lon.tolist() == [-122.4651145, 2.35] and lat.tolist() == [37.762221815, 48.85]


@pytest.mark.parametrize("name", ["WGS84", "wgs-84", "EPSG:4326", "GCJ02", "GCJ-02", "BD09", "bd-09"])
def test_to_wgs84_accepts_the_usual_names_and_keeps_missing_values(name):
    lon, lat = to_wgs84([120.75, None], [30.75, None], name)
    assert np.isnan(lon[1]) and np.isnan(lat[1])
    assert abs(lon[0] - 120.75) < 0.02 and abs(lat[0] - 30.75) < 0.02


def test_gcj02_and_bd09_feeds_land_on_the_same_wgs84_point():
    wgs = (120.7555, 30.7460)  # Jiaxing
    from_gcj = to_wgs84(*wgs84_to_gcj02(*wgs), "GCJ02")
    from_bd = to_wgs84(*wgs84_to_bd09(*wgs), "BD-09")
    assert np.allclose(from_gcj, wgs, atol=1e-7) and np.allclose(from_bd, wgs, atol=1e-7)


def test_epsg_codes_go_through_pyproj():
    lon, lat = to_wgs84([500000.0], [3_400_000.0], "EPSG:32651")  # UTM 51N: central meridian 123°E
    assert lon[0] == pytest.approx(123.0, abs=1e-9)
    assert lat[0] == pytest.approx(30.73, abs=0.01)


def test_unknown_crs_is_refused():
    with pytest.raises(UnknownCrsError, match="unknown coordinate system 'Mars'"):
        to_wgs84([1.0], [2.0], "Mars")
