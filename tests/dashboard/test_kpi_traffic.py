"""TTI and TPI: the documented TTI→TPI map, level boundaries and the length-weighted network index."""

import math

import pandas as pd
import pytest

from dashboard.kpis.traffic import (
    congested_speeds,
    network_measures,
    network_tpi,
    segment_tpi,
    tpi_from_tti,
    tpi_level,
    tti,
)


def test_tti_is_free_flow_over_speed():
    assert tti(60, 30) == 2.0
    assert math.isnan(tti(60, 0))
    assert math.isnan(tti(60, float("nan")))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.8, 0.0),
        (1.0, 0.0),
        (1.25, 1.0),
        (1.5, 2.0),
        (2.0, 4.0),
        (2.5, 5.0),
        (3.0, 6.0),
        (4.0, 8.0),
        (5.0, 10.0),
        (9.0, 10.0),
    ],
)
def test_tpi_from_tti(value, expected):
    assert tpi_from_tti(value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("tpi", "key"),
    [
        (0, "smooth"),
        (1.99, "smooth"),
        (2, "basically_smooth"),
        (4, "light_congestion"),
        (5.9, "light_congestion"),
        (6, "moderate_congestion"),
        (8, "heavy_congestion"),
        (10, "heavy_congestion"),
    ],
)
def test_levels(tpi, key):
    assert tpi_level(tpi).key == key


def test_network_tpi_is_length_weighted():
    frame = pd.DataFrame(
        {"speed_kmh": [60, 30, 15, None], "free_flow_kmh": [60, 60, 60, 60], "length_m": [1000, 2000, 1000, 5000]}
    )
    result = network_tpi(frame)
    assert result.tti == pytest.approx(2.25)  # (1·1 + 2·2 + 1·4) / 4 km; the segment without speed is left out
    assert result.tpi == pytest.approx(4.5)
    assert result.level.key == "light_congestion"
    assert (result.segments, result.length_km) == (3, 4.0)
    assert network_tpi(frame.iloc[3:]) is None


def test_per_segment_index_and_congestion_by_road_class():
    """GB/T 33171-2016 grades, by hand: an arterial at 20 km/h is at the lower bound of 轻度拥堵 (congested), at
    21 km/h it is not; an expressway at 35 km/h is; a missing speed or an unknown class never is. Segment S1 at
    30 km/h with free flow 60: TTI 2.0, TPI 4.0; S2 at 40 km/h with free flow 60: TTI 1.5, TPI 2.0."""
    assert congested_speeds(
        ["arterial", "arterial", "expressway", "arterial", "track"], [20.0, 21.0, 35.0, float("nan"), 1.0]
    ).tolist() == [True, False, True, False, False]
    # a speed from sums, one observation at 20 km/h left of two (Σ 1/v = 1/20 + 1/5 − 1/5): still at the bound
    at_bound, above = 1 / ((1 / 20 + 1 / 5) - 1 / 5), 20.01
    assert at_bound != 20.0 and congested_speeds(["arterial", "arterial"], [at_bound, above]).tolist() == [True, False]
    segments = segment_tpi(pd.DataFrame({"code": ["S1", "S2"], "free_flow_kmh": [60.0, 60.0], "speed_kmh": [30, 40]}))
    assert segments[["code", "tti", "tpi"]].values.tolist() == [["S1", 2.0, 4.0], ["S2", 1.5, 2.0]]
    assert type(tpi_from_tti(2.0)) is float and tpi_from_tti(2.0) == 4.0


def test_network_measures_from_per_segment_sums_by_hand():
    """S1, arterial, 2 km, free flow 60 km/h, two observations at 30 km/h (Σ 1/v = 2/30); S2, expressway, 1 km,
    free flow 80, one at 35 km/h; S3 never observed. Space-mean speed 3 km / (2/30 + 1/35) h = 31.5 km/h; TTI
    (2·60/30 + 1·80/35) / 3 = 2.0952; S2 at 35 km/h is congested for an expressway: 1 of 3 km."""
    measures = network_measures(
        [2000, 1000, 500], [60, 80, 60], ["arterial", "expressway", "arterial"], [2, 1, 0], [2 / 30, 1 / 35, 0]
    )
    speed, tti_, share = (measures[k] for k in ("traffic_network_speed", "traffic_tti", "traffic_congested_share"))
    assert (speed.value, speed.numerator, speed.denominator) == (pytest.approx(31.5), 3.0, 2)
    assert (tti_.value, tti_.numerator, tti_.denominator) == (pytest.approx((4 + 80 / 35) / 3), 3.0, 2)
    assert (share.value, share.numerator, share.denominator) == (pytest.approx(1 / 3), 1.0, 3.0)
    nothing = network_measures([500], [60], ["arterial"], [0], [0])
    assert {k: (m.value, m.numerator, m.denominator) for k, m in nothing.items()} == {
        k: (None, 0, 0) for k in ("traffic_tti", "traffic_tpi", "traffic_network_speed", "traffic_congested_share")
    }
