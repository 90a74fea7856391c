"""Import a real city's administrative boundaries (districts or sub-districts) from any GIS file.

GeoJSON, Shapefile and GeoPackage are read through geopandas; coordinates in WGS-84, GCJ-02, BD-09 or any
EPSG code are stored as WGS-84. Field names default to what common exports use (DataV GeoAtlas: ``adcode``,
``name``, ``parent.adcode``) and can be named explicitly. Populations can be joined from a CSV by code or name.
Every import is validated and repaired loudly (see :mod:`dashboard.city.validate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, delete

from dashboard.city.report import CityImportError, Report
from dashboard.city.validate import (
    check_duplicates,
    check_lengths,
    check_plausible,
    coordinates,
    join_population,
    measure_overlaps,
    repair_areas,
)
from dashboard.db.models import District
from dashboard.geo.crs import normalize_crs, to_wgs84

LEVELS = ("district", "street")
_CODE_FIELDS = ("code", "adcode", "ADCODE", "gb", "id")
_NAME_FIELDS = ("name_zh", "name", "NAME", "名称")
_PARENT_FIELDS = ("parent_code", "parent")


class BoundaryImportError(ValueError):
    """The boundary file cannot be imported as asked (missing field, unknown level …)."""


@dataclass(frozen=True)
class BoundaryFields:
    """Which attribute holds what; ``None`` means: guess from the usual names."""

    code: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    parent: str | None = None
    population: str | None = None


def _pick(frame: pd.DataFrame, explicit: str | None, candidates: tuple[str, ...], what: str, path: Path) -> str:
    fields = ", ".join(frame.columns)
    if explicit is not None:
        if explicit not in frame.columns:
            raise BoundaryImportError(f"{path}: no field {explicit!r} for the {what}; fields: {fields}")
        return explicit
    for name in candidates:
        if name in frame.columns:
            return name
    raise BoundaryImportError(f"{path}: cannot tell which field holds the {what}; name it (fields: {fields})")


def _parent_code(value) -> str | None:
    if isinstance(value, dict):  # DataV writes {"adcode": 330400}
        value = value.get("adcode", value.get("code"))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _to_wgs84_geometries(geometries: gpd.GeoSeries, crs: str) -> gpd.GeoSeries:
    """Re-project to WGS-84 (GCJ-02/BD-09 by our own conversion, EPSG codes by pyproj)."""
    kind = normalize_crs(crs)
    if kind.startswith("EPSG:") and kind != "EPSG:4326":
        return geometries.set_crs(kind, allow_override=True).to_crs(4326)

    def convert(coords: np.ndarray) -> np.ndarray:
        lons, lats = to_wgs84(coords[:, 0], coords[:, 1], kind)
        return np.column_stack([lons, lats])

    return gpd.GeoSeries(shapely.transform(geometries.values, convert), crs=4326, index=geometries.index)


def read_boundaries(
    path: Path,
    level: str,
    crs: str,
    fields: BoundaryFields = BoundaryFields(),
    parent_code: str | None = None,
    population_csv: Path | None = None,
    population_code_column: str | None = None,
    population_column: str = "population",
    population_key: str = "code",
    report: Report | None = None,
) -> gpd.GeoDataFrame:
    """Read ``path`` into rows of the ``district`` table (WGS-84 geometries, areas in km²), validated and repaired
    with every finding added to ``report``; any error raises :class:`CityImportError`. The population CSV's
    ``population_code_column`` (default: the column named as the ``population_key``, else its first) matches the
    areas' ``code`` or ``name``."""
    report = report if report is not None else Report(str(path))
    if level not in LEVELS:
        raise BoundaryImportError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if population_key not in ("code", "name"):
        raise BoundaryImportError(f"population key must be code or name, not {population_key!r}")
    source = gpd.read_file(path)
    if source.empty:
        raise BoundaryImportError(f"{path}: no features")
    code = _pick(source, fields.code, _CODE_FIELDS, "code", path)
    name = _pick(source, fields.name_zh, _NAME_FIELDS, "name", path)
    parent = fields.parent or next((f for f in _PARENT_FIELDS if f in source.columns), None)
    check_plausible(*coordinates(source.geometry), crs, report)
    if not report.ok:
        raise CityImportError(report)
    frame = gpd.GeoDataFrame(
        {
            "code": source[code].astype(str),
            "name_zh": source[name].astype(str),
            "name_en": source[fields.name_en].astype(str) if fields.name_en else source[name].astype(str),
            "level": level,
            "parent_code": source[parent].map(_parent_code) if parent else parent_code,
        },
        geometry=_to_wgs84_geometries(source.geometry, crs),
        crs=4326,
    )
    if parent_code is not None:
        frame["parent_code"] = frame["parent_code"].fillna(parent_code)
    frame = repair_areas(frame, report)
    check_duplicates(frame, report)
    check_lengths(frame, District.__table__, report)
    if not frame.empty:
        frame["area_km2"] = frame.geometry.to_crs(frame.estimate_utm_crs()).area / 1e6
        measure_overlaps(frame, report)
    frame["population"] = None
    if fields.population is not None:
        counts = pd.to_numeric(source.loc[frame.index, fields.population], errors="coerce")
        frame["population"] = counts.round().astype("Int64").astype(object).where(counts.notna(), None)
    if population_csv is not None:
        table = pd.read_csv(population_csv, dtype=str, encoding="utf-8-sig")
        key_column = population_code_column or (population_key if population_key in table else table.columns[0])
        frame["population"] = join_population(frame, table, population_key, key_column, population_column, report)
    if not report.ok:
        raise CityImportError(report)
    return frame


def import_boundaries(conn: Connection, frame: gpd.GeoDataFrame, replace: bool = True) -> int:
    """Write boundaries to the ``district`` table, replacing those of the same level (the demo city's)."""
    levels = frame["level"].unique().tolist()
    if replace:
        conn.execute(delete(District).where(District.level.in_(levels)))
    else:
        conn.execute(delete(District).where(District.code.in_(frame["code"].tolist())))
    rows = [
        {
            "code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.level,
            "parent_code": r.parent_code, "population": None if pd.isna(r.population) else int(r.population),
            "area_km2": float(r.area_km2), "geometry": r.geometry,
        }
        for r in frame.itertuples()
    ]
    conn.execute(District.__table__.insert(), rows)
    return len(rows)
