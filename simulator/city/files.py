"""Write the city to plain GeoJSON/CSV files and read it back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

from simulator.city.model import City, Feature

LAYERS = ("districts", "subdistricts", "water", "roads")
TABLES = {
    "stations": ["code", "name_zh", "name_en", "kind", "lon", "lat", "district_code", "noise_class"],
    "halls": ["code", "name_zh", "name_en", "lon", "lat", "district_code", "windows"],
    "departments": ["code", "name_zh", "name_en"],
    "service_types": ["service_code", "name_zh", "name_en", "department_code", "deadline_days", "share", "group"],
    "aliases": ["kind", "alias", "code"],
    "service_items": ["code", "name_zh", "name_en"],
}
_NUMERIC = {"lon": float, "lat": float, "windows": int, "deadline_days": int, "share": float}


def _geojson(name: str, features: list[Feature]) -> str:
    lines = []
    for feature in features:
        geometry = (
            shapely.orient_polygons(feature.geometry)
            if feature.geometry.geom_type.endswith("Polygon")
            else feature.geometry
        )
        record = {"type": "Feature", "properties": feature.properties, "geometry": mapping(geometry)}
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps({"type": "FeatureCollection", "name": name}, ensure_ascii=False)[:-1]
    return head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def _csv(columns: list[str], rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_city(city: City, out_dir: Path) -> list[Path]:
    """Write every layer and table into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for layer in LAYERS:
        path = out_dir / f"{layer}.geojson"
        path.write_text(_geojson(layer, getattr(city, layer)), encoding="utf-8")
        written.append(path)
    for table, columns in TABLES.items():
        path = out_dir / f"{table}.csv"
        path.write_text(_csv(columns, getattr(city, table)), encoding="utf-8")
        written.append(path)
    return written


def _read_layer(path: Path) -> list[Feature]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Feature(f["properties"], shape(f["geometry"])) for f in data["features"]]


def _read_table(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows: list[dict[str, object]] = list(csv.DictReader(handle))
    for row in rows:
        for column, kind in _NUMERIC.items():
            if column in row:
                row[column] = kind(row[column])
    return rows


def read_city(city_dir: Path) -> City:
    """Read a city written by :func:`write_city`."""
    layers = {layer: _read_layer(city_dir / f"{layer}.geojson") for layer in LAYERS}
    tables = {table: _read_table(city_dir / f"{table}.csv") for table in TABLES}
    return City(**layers, **tables)
