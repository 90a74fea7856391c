"""Read one source of reference data into our field names with WGS-84 geometry: GIS files (GeoJSON, Shapefile,
GeoPackage) or tables (CSV, XLSX) of points (x, y columns) or segments (start and end x, y columns)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.city.feedmeta import open311_categories, sensorthings_stations
from dashboard.city.manifest import Source
from dashboard.city.report import CityImportError, Report
from dashboard.city.validate import check_plausible
from dashboard.geo.crs import to_wgs84

TABLES = (".csv", ".txt", ".xlsx", ".xls")
#: Metres per unit of length, and km/h per unit of speed.
LENGTH_UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144}
SPEED_UNITS = {"km/h": 1.0, "kmh": 1.0, "mph": 1.609344, "m/s": 3.6, "kn": 1.852}


def unit_factor(unit: str, units: dict[str, float], what: str) -> float:
    try:
        return units[unit.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown {what} unit {unit!r}; use one of {', '.join(units)}") from None


def _table(source: Source) -> pd.DataFrame:
    if source.file.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(source.file, sheet_name=source.sheet or 0, dtype=str)
    return pd.read_csv(source.file, dtype=str, encoding=source.encoding)


def _numbers(frame: pd.DataFrame, columns: tuple[str, str], report: Report) -> tuple[np.ndarray, np.ndarray]:
    for column in columns:
        if column not in frame.columns:
            report.error(f"no column {column!r} for coordinates; columns: {', '.join(frame.columns)}")
            raise CityImportError(report)
    x, y = (pd.to_numeric(frame[c].str.strip(), errors="coerce").to_numpy(dtype=float) for c in columns)
    return x, y


def _geometry(frame: pd.DataFrame, source: Source, report: Report) -> tuple[np.ndarray | None, np.ndarray]:
    """Geometries of a table's rows in the source's CRS (None where a coordinate is missing), and all x, y."""
    if source.point:
        x, y = _numbers(frame, source.point, report)
        known = np.isfinite(x) & np.isfinite(y)
        return np.where(known, shapely.points(x, y), None), np.column_stack([x, y])
    if source.start and source.end:
        x0, y0 = _numbers(frame, source.start, report)
        x1, y1 = _numbers(frame, source.end, report)
        known = np.isfinite(x0) & np.isfinite(y0) & np.isfinite(x1) & np.isfinite(y1)
        lines = shapely.linestrings(np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1))
        return np.where(known, lines, None), np.concatenate([np.column_stack([x0, y0]), np.column_stack([x1, y1])])
    return None, np.empty((0, 2))


def to_wgs84_geometries(geometries: np.ndarray, crs: str) -> np.ndarray:
    """Geometries re-projected to WGS-84 (GCJ-02 and BD-09 by our own conversion, EPSG codes by pyproj)."""

    def convert(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs84(coords[:, 0], coords[:, 1], crs))

    return shapely.transform(geometries, convert)


def read_source(source: Source, crs: str, report: Report) -> gpd.GeoDataFrame:
    """The source's rows renamed to our fields (``fields``: ours → theirs), with WGS-84 geometry (None for a
    table without coordinates); implausible coordinates for ``crs`` are an error. A GIS file declaring a projected
    CRS is read in it unless the source names its own ``crs``."""
    if not source.file.exists():
        report.error(f"file not found: {source.file}")
        raise CityImportError(report)
    if source.format == "sensorthings":
        frame = sensorthings_stations(source.file, source.station_property)
        geometries, crs = np.array(frame.pop("geometry").tolist(), dtype=object), "WGS84"
        coords = shapely.get_coordinates(geometries)
    elif source.format == "open311":
        frame, geometries, coords = open311_categories(source.file), None, np.empty((0, 2))
    elif source.file.suffix.lower() in TABLES:
        frame = _table(source)
        frame.columns = [str(c).strip() for c in frame.columns]
        geometries, coords = _geometry(frame, source, report)
    else:
        frame = gpd.read_file(source.file, layer=source.layer) if source.layer else gpd.read_file(source.file)
        if source.crs is None and frame.crs is not None and not frame.crs.is_geographic and frame.crs.to_epsg():
            crs = f"EPSG:{frame.crs.to_epsg()}"  # a projected CRS the file declares (.prj, GeoPackage)
            report.info(f"coordinates in {crs}, as the file declares")
        geometries = frame.geometry.values
        coords = shapely.get_coordinates(geometries)
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    missing = [theirs for theirs in source.fields.values() if theirs not in frame.columns]
    if missing:
        report.error(f"no field {', '.join(map(repr, missing))}; fields: {', '.join(map(str, frame.columns))}")
        raise CityImportError(report)
    renamed = frame.rename(columns={theirs: ours for ours, theirs in source.fields.items()})
    renamed = renamed.loc[:, ~renamed.columns.duplicated(keep="last")]
    check_plausible(coords[:, 0], coords[:, 1], crs, report)
    if not report.ok:
        raise CityImportError(report)
    wgs84 = to_wgs84_geometries(geometries, crs) if geometries is not None else [None] * len(renamed)
    frame = gpd.GeoDataFrame(renamed, geometry=gpd.GeoSeries(wgs84, index=renamed.index, crs=4326), crs=4326)
    if source.distinct and "code" in frame.columns:
        repeated = int(frame["code"].duplicated(keep="last").sum())
        frame = frame.drop_duplicates("code", keep="last")
        report.info(f"{repeated} repeated rows of the same code left out (distinct)")
    return frame
