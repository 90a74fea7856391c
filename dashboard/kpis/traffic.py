"""Traffic: travel-time index (TTI) and the Chinese traffic performance index (TPI, 0–10) with its levels.

TTI = free-flow speed / actual speed (1 = free flow). TPI is a piecewise-linear map of TTI chosen so that
its level boundaries match the speed grades of GB/T 33171-2016 for an arterial road with a 60 km/h free-flow
speed (畅通 > 40, 基本畅通 30–40, 轻度拥堵 20–30, 中度拥堵 15–20, 严重拥堵 ≤ 15 km/h):

    TTI  1.0  1.5  2.0  3.0  4.0  5.0
    TPI  0    2    4    6    8    10        (TTI ≤ 1 → 0, TTI ≥ 5 → 10)

The network index is the TPI of the length-weighted mean TTI of the segments observed in the last interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.kpis.measure import Measure, ratio

TTI_NODES = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0)
TPI_NODES = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)


@dataclass(frozen=True)
class TpiLevel:
    """A TPI level: upper bound (exclusive, except the last), key and map colour."""

    upper: float
    key: str
    color: str


TPI_LEVELS = (
    TpiLevel(2.0, "smooth", "#2DC26B"),
    TpiLevel(4.0, "basically_smooth", "#A6D96A"),
    TpiLevel(6.0, "light_congestion", "#FDD835"),
    TpiLevel(8.0, "moderate_congestion", "#FB8C00"),
    TpiLevel(10.0, "heavy_congestion", "#D32F2F"),
)


@dataclass(frozen=True)
class NetworkTpi:
    """The network TPI with its TTI, level, the observed length and the number of segments."""

    tpi: float
    tti: float
    level: TpiLevel
    length_km: float
    segments: int


def tti(free_flow_kmh, speed_kmh):
    """Travel-time index; NaN where the speed is missing or not positive (scalars or arrays)."""
    speed = np.asarray(speed_kmh, dtype=float)
    free = np.asarray(free_flow_kmh, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(speed > 0, free / speed, np.nan)
    return float(result) if result.ndim == 0 else result


def tpi_from_tti(value):
    """TPI (0–10) from TTI by the table above (scalars or arrays; NaN stays NaN)."""
    result = np.interp(np.asarray(value, dtype=float), TTI_NODES, TPI_NODES)
    result = np.where(np.isnan(np.asarray(value, dtype=float)), np.nan, result)
    return float(result) if result.ndim == 0 else result


def tpi_level(tpi: float) -> TpiLevel:
    """The level of a TPI value (a boundary value belongs to the more congested level)."""
    return next((level for level in TPI_LEVELS if tpi < level.upper), TPI_LEVELS[-1])


def segment_tpi(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``tti`` and ``tpi`` to rows with ``speed_kmh`` and ``free_flow_kmh``."""
    out = frame.copy()
    out["tti"] = tti(out["free_flow_kmh"], out["speed_kmh"])
    out["tpi"] = tpi_from_tti(out["tti"])
    return out


def observation_measures(frame: pd.DataFrame) -> dict[str, Measure]:
    """Network KPIs (:func:`network_measures`) of one observation per segment: rows with ``speed_kmh``,
    ``free_flow_kmh``, ``length_m`` and optionally ``road_class`` (see :func:`observed_measures`)."""
    speed, free, length = (frame[c].to_numpy(dtype=float, na_value=np.nan)
                           for c in ("speed_kmh", "free_flow_kmh", "length_m"))
    classes = frame["road_class"].to_numpy(dtype=object) if "road_class" in frame else np.full(len(frame), None)
    return observed_measures(speed, free, length, classes)


def observed_measures(speed, free_flow, length, classes) -> dict[str, Measure]:
    """Network KPIs of one observation per segment given as columns (speed, free-flow speed, length and road
    class; NaN where unknown): each segment's harmonic mean speed is its one speed (Σ 1/v = 1/v). Rows without a
    positive speed, a free-flow speed or a length are not rated."""
    speed, free, length = (np.asarray(c, dtype=float) for c in (speed, free_flow, length))
    classes = np.asarray(classes, dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        rated = (speed > 0) & np.isfinite(free) & (length > 0)
    return network_measures(length[rated], free[rated], classes[rated], np.ones(rated.sum()), 1 / speed[rated])


def network_tpi(frame: pd.DataFrame) -> NetworkTpi | None:
    """Network TPI of one observation per segment (see :func:`observation_measures`); None without data."""
    measures = observation_measures(frame)
    tpi = measures["traffic_tpi"]
    if tpi.value is None:
        return None
    return NetworkTpi(
        tpi=tpi.value, tti=float(measures["traffic_tti"].value), level=tpi_level(tpi.value),
        length_km=float(tpi.numerator), segments=int(tpi.denominator),
    )


#: Speed grades by road class (km/h): the lower bounds of 畅通, 基本畅通, 轻度拥堵, 中度拥堵 (below: 严重拥堵).
SPEED_GRADES = {
    "expressway": (65.0, 50.0, 35.0, 20.0),
    "arterial": (40.0, 30.0, 20.0, 15.0),
    "secondary": (35.0, 25.0, 15.0, 10.0),
}


#: Relative slack of a grade's bound: a segment's speed is computed from sums (count / Σ 1/v, less the parts
#: outside the period), whose rounding (about 1e-15) must not take a speed at a bound, such as 20 km/h on an
#: arterial, past it; speeds are reported to 0.01 km/h at best.
GRADE_SLACK = 1e-9

#: The speed at or below which a road of each class is graded moderate or heavy congestion: the lower bound of
#: its 轻度拥堵 grade (with :data:`GRADE_SLACK`).
CONGESTED_AT = {road_class: grades[2] * (1 + GRADE_SLACK) for road_class, grades in SPEED_GRADES.items()}


def congested_speeds(road_class, speed) -> np.ndarray:
    """Whether each speed on a road of its class is graded moderate or heavy congestion (at or below
    :data:`CONGESTED_AT` of its class); unknown classes and missing speeds are not."""
    classes = np.asarray(road_class, dtype=object)
    speeds = np.asarray(speed, dtype=float)
    bound = np.array([CONGESTED_AT.get(c, np.nan) for c in classes], dtype=float)
    return np.nan_to_num(speeds, nan=np.inf) <= np.nan_to_num(bound, nan=-np.inf)


NETWORK_KPIS = ("traffic_tti", "traffic_tpi", "traffic_network_speed", "traffic_congested_share")


def network_measures_by(segments: pd.DataFrame, key: str) -> dict:
    """Network KPIs per value of column ``key`` (e.g. each day of a trend) from per-segment rollup sums: rows of
    ``key``, ``length_m``, ``free_flow_kmh``, ``road_class``, ``speeds`` and ``inverse_speed_sum``."""
    columns = (key, "length_m", "free_flow_kmh", "road_class", "speeds", "inverse_speed_sum")
    return network_measures_of(*(segments[c].to_numpy() for c in columns))


def network_measures_of(keys, length_m, free_flow_kmh, road_class, speeds, inverse_speed_sum) -> dict:
    """Network KPIs per key from per-segment rollup sums given as columns (see :func:`network_measures_by`).

    ``speeds`` counts the observations with a speed and ``inverse_speed_sum`` is their Σ 1/v. A segment's speed is
    its harmonic mean ``speeds / Σ 1/v``; the network speed is the space-mean Σ L / Σ (L / v); TTI is
    length-weighted; the congested share is the length whose road-class grade is moderate or heavy congestion.
    Keys without a rated segment are left out. The same totals summed by the database give the same KPIs
    (:func:`network_measures_of_totals`).
    """
    count, inverse = np.asarray(speeds, dtype=float), np.asarray(inverse_speed_sum, dtype=float)
    length = np.asarray(length_m, dtype=float)
    rated = (count > 0) & (inverse > 0) & (length > 0)
    codes, values = pd.factorize(np.asarray(keys, dtype=object)[rated])
    length, speed = length[rated], count[rated] / inverse[rated]
    congested = congested_speeds(np.asarray(road_class, dtype=object)[rated], speed)

    def total(weights=None) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=len(values))

    keys = [value.to_pydatetime() if isinstance(value, pd.Timestamp) else value for value in values]
    return network_measures_of_totals(keys, total(length), total(length / speed), total(),
                                      total(length * np.asarray(free_flow_kmh, dtype=float)[rated] / speed),
                                      total(np.where(congested, length, 0.0)))


#: The totals of a key's rated segments (speeds and Σ 1/v above 0, a length above 0) the network KPIs are
#: computed from: Σ L (m), Σ L / v, the segments, Σ L · free-flow / v and Σ L of the congested ones (m).
NETWORK_TOTALS = ("length_m", "travel_time", "segments", "tti_length", "congested_m")


def network_measures_of_totals(keys, length_m, travel_time, segments, tti_length, congested_m) -> dict:
    """Network KPIs per key from the totals of its rated segments given as columns (:data:`NETWORK_TOTALS`)."""
    out = {}
    for key, length, travel, count, weighted, congested in zip(
        keys, length_m, travel_time, segments, tti_length, congested_m, strict=True
    ):
        km, segment_count, mean_tti = float(length / 1000), int(count), float(weighted / length)
        out[key] = {
            "traffic_tti": Measure(mean_tti, km, segment_count),
            "traffic_tpi": Measure(float(tpi_from_tti(mean_tti)), km, segment_count),
            "traffic_network_speed": Measure(float(length / travel), km, segment_count),
            "traffic_congested_share": ratio(float(congested / 1000), km),
        }
    return out


def no_network() -> dict[str, Measure]:
    """The network KPIs of a period without a rated segment: no value, over 0 km and 0 segments."""
    return {k: Measure(None, 0, 0) for k in NETWORK_KPIS}


def network_measures(length_m, free_flow_kmh, road_class, speeds, inverse_speed_sum) -> dict[str, Measure]:
    """Network KPIs over a period from per-segment rollup sums given as columns (see :func:`network_measures_of`)."""
    keys = np.zeros(len(length_m), dtype=int)
    measures = network_measures_of(keys, length_m, free_flow_kmh, road_class, speeds, inverse_speed_sum)
    return measures.get(0) or no_network()
