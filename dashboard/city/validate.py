"""Checks of reference data before it is written, each finding naming the feature: geometry repaired or refused,
codes too long or duplicated, coordinates implausible for the declared CRS, areas overlapping or leaving gaps,
and the coverage of a population join."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from sqlalchemy import String, Table

from dashboard.city.report import Report
from dashboard.geo.crs import normalize_crs, out_of_china, to_wgs84
from dashboard.geo.geometry import repair

#: Overlaps above this share of the total area are a warning (digitising slivers below it are normal).
OVERLAP_WARNING_SHARE = 0.005
#: How many names a finding lists before "…".
LISTED = 10


def label(row) -> str:
    """How a finding names a feature: its name and code."""
    return f"{row['name_zh']} ({row['code']})" if "name_zh" in row and pd.notna(row["name_zh"]) else str(row["code"])


def listing(items) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:LISTED]) + (f" … (+{len(items) - LISTED})" if len(items) > LISTED else "")


def repair_areas(frame: gpd.GeoDataFrame, report: Report) -> gpd.GeoDataFrame:
    """Invalid geometries made valid keeping their polygonal parts (each named); features left with no polygonal
    geometry are refused by name (an error)."""
    kept, shapes = [], []
    for index, row in frame.iterrows():
        geom = row.geometry
        fixed, repaired = repair(geom)
        if fixed is None:
            kind = "no geometry" if geom is None or geom.is_empty else geom.geom_type
            report.error(f"{label(row)}: no polygonal geometry ({kind}); refused")
            continue
        if repaired:
            reason = shapely.is_valid_reason(geom) if not geom.is_valid else f"a {geom.geom_type}"
            report.warning(f"{label(row)}: repaired ({reason}); kept its polygonal part, a {fixed.geom_type}")
        kept.append(index)
        shapes.append(fixed)
    out = frame.loc[kept].copy()
    out["geometry"] = gpd.GeoSeries(shapes, index=out.index, crs=frame.crs)
    return out


def check_lengths(frame: pd.DataFrame, table: Table, report: Report) -> None:
    """Every text value fits its column (an error naming the record, the column and the limit)."""
    for column in table.columns:
        if column.name not in frame.columns or not isinstance(column.type, String) or not column.type.length:
            continue
        values = frame[column.name].dropna().astype(str)
        long = values[values.str.len() > column.type.length]
        for index in long.index[:LISTED]:
            report.error(
                f"{label(frame.loc[index])}: {column.name} has {len(long[index])} characters, more than the "
                f"{column.type.length} the database holds"
            )


def check_duplicates(frame: pd.DataFrame, report: Report, key: str = "code") -> None:
    duplicated = frame[key][frame[key].duplicated()].unique()
    if len(duplicated):
        report.error(f"{key}s are not unique: {listing(duplicated)}")


def _geographic(crs: str) -> bool:
    kind = normalize_crs(crs)
    return not kind.startswith("EPSG:") or CRS.from_user_input(kind).is_geographic


def check_plausible(xs: np.ndarray, ys: np.ndarray, crs: str, report: Report) -> None:
    """Coordinates plausible for the declared CRS: degrees for a geographic one (WGS84, GCJ02, BD09), metres of
    its area of use for a projected one, inside China for GCJ02 and BD09."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    xs, ys = xs[np.isfinite(xs) & np.isfinite(ys)], ys[np.isfinite(xs) & np.isfinite(ys)]
    if not len(xs):
        return
    kind = normalize_crs(crs)
    degrees = (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
    if _geographic(kind):
        if not degrees.all():
            report.error(
                f"{int((~degrees).sum())} coordinates are not degrees (e.g. {xs[~degrees][0]:.1f}, "
                f"{ys[~degrees][0]:.1f}) although {kind} was declared: projected metres? give the file's EPSG code"
            )
        elif kind in ("GCJ02", "BD09") and out_of_china(xs, ys).all():
            report.warning(f"every coordinate is outside China, where {kind} is not used: did you mean WGS84?")
        elif kind == "WGS84" and (ys < 0).all() and (xs > 0).all() and ((-ys > 15) & (-ys < 55) & (xs > 72)).all():
            report.warning("latitude and longitude look swapped (every latitude negative in China's longitudes)")
        return
    if degrees.all():
        report.error(
            f"coordinates look like degrees (e.g. {xs[0]:.5f}, {ys[0]:.5f}), not {kind}'s metres: "
            "did you mean WGS84, or GCJ02 for a Chinese web map's (AMap, Tencent, DataV)?"
        )
        return
    area = CRS.from_user_input(kind).area_of_use
    if area is not None:
        lons, lats = to_wgs84(xs, ys, kind)
        margin = 1.0
        inside = (lons >= area.west - margin) & (lons <= area.east + margin)
        inside &= (lats >= area.south - margin) & (lats <= area.north + margin)
        if not inside.all():
            report.error(
                f"{int((~inside).sum())} coordinates fall outside {kind}'s area of use ({area.name}): "
                "is it the file's CRS?"
            )


def coordinates(geometries: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Every vertex of the geometries (x, y)."""
    coords = shapely.get_coordinates(geometries.values)
    return coords[:, 0], coords[:, 1]


def measure_overlaps(frame: gpd.GeoDataFrame, report: Report) -> None:
    """Overlaps between areas (pairs and km²) and gaps inside their union (holes, km²), as findings."""
    if len(frame) < 2:
        return
    metric = frame.geometry.to_crs(frame.estimate_utm_crs())
    geoms = metric.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlap = shapely.area(shapely.intersection(geoms[left], geoms[right])) / 1e6 if len(left) else np.array([])
    total = float(shapely.area(geoms).sum()) / 1e6
    real = overlap > 1e-6
    if real.any():
        worst = int(np.argmax(overlap))
        message = (
            f"{int(real.sum())} pairs of areas overlap by {overlap.sum():.3f} km² in all "
            f"({overlap.sum() / total:.2%} of {total:.1f} km²); most: {label(frame.iloc[left[worst]])} and "
            f"{label(frame.iloc[right[worst]])}, {overlap[worst]:.3f} km²"
        )
        (report.warning if overlap.sum() / total > OVERLAP_WARNING_SHARE else report.info)(message)
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
    if holes:
        gap = sum(h.area for h in holes) / 1e6
        report.info(f"{len(holes)} gaps inside the areas' outline, {gap:.3f} km² in all")


def _looks(values: pd.Series) -> str:
    """"numbers" when most values are digits, else "names"."""
    text = values.dropna().astype(str).str.strip()
    return "numbers" if len(text) and text.str.fullmatch(r"\d+").mean() > 0.5 else "names"


def join_population(
    frame: pd.DataFrame, table: pd.DataFrame, key: str, key_column: str, value_column: str, report: Report
) -> pd.Series:
    """The population of each area from ``table`` joined on the area's ``key`` ("code" or "name"); a join below
    100 % is a warning naming the areas unmatched, 0 % an error with a hint at the other key."""
    for column in (key_column, value_column):
        if column not in table.columns:
            report.error(f"population table has no column {column!r}; columns: {', '.join(table.columns)}")
            return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    ours = frame["code"] if key == "code" else frame["name_zh"]
    keys = table[key_column].astype(str).str.strip()
    values = pd.to_numeric(table[value_column], errors="coerce")
    populations = ours.astype(str).map(dict(zip(keys, values, strict=True)))
    matched = int(populations.notna().sum())
    if matched == 0:
        other = "name" if key == "code" else "code"
        report.error(
            f"population matched 0 of {len(frame)}: the table's key values look like {_looks(keys)}; the "
            f"boundaries' {key}s look like {_looks(ours)} — use --population-key {other}"
        )
    elif matched < len(frame):
        missing = frame.loc[populations.isna()].apply(label, axis=1)
        report.warning(f"population matched {matched} of {len(frame)}; none for {listing(missing)}")
    else:
        report.info(f"population matched {matched} of {len(frame)}")
    return populations.round().astype("Int64").astype(object).where(populations.notna(), None)
