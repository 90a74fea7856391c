"""Import a city manifest: every kind of reference data read, derived where the city does not publish it,
validated (all of it before anything is written), then written in one transaction, each kind replacing the
previous city's."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from sqlalchemy import Connection, Table, delete

from dashboard.city.manifest import Boundaries, Manifest, Roads, Source, Stations
from dashboard.city.report import CityImportError, Report
from dashboard.city.sources import LENGTH_UNITS, SPEED_UNITS, read_source, unit_factor
from dashboard.city.validate import check_duplicates, check_lengths, listing
from dashboard.db.identity import KINDS as ALIAS_KINDS
from dashboard.db.models import (
    Department,
    ReferenceAlias,
    RoadSegment,
    ServiceHall,
    ServiceItem,
    ServiceType,
    Station,
)
from dashboard.geo.boundaries import BoundaryFields, import_boundaries, read_boundaries
from dashboard.geo.locator import DistrictLocator
from dashboard.kpis.environment import NOISE_LIMITS

#: Free-flow speed (km/h) of a road class while the city gives none and no night speeds were observed yet: the
#: middle of the design speeds of CJJ 37-2012 (快速路 60–100, 主干路 40–60, 次干路 30–50, 支路 20–40).
CLASS_FREE_FLOW_KMH = {"expressway": 80.0, "arterial": 50.0, "secondary": 40.0, "local": 30.0}
_GEOD = Geod(ellps="WGS84")
#: Alias kinds whose codes a manifest's lists give: kind -> its list.
_ALIASED = (("department", "departments"), ("category", "categories"), ("station", "stations"))


@dataclass
class CityData:
    """What a manifest holds, read and validated: frames to write per table, and the reports."""

    boundaries: list[gpd.GeoDataFrame] = field(default_factory=list)
    tables: dict[str, tuple[Table, list[dict]]] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)


def geodesic_length_m(geometries) -> np.ndarray:
    """Length in metres on the WGS-84 ellipsoid of each (multi)line string, vectorised over all segments."""
    parts, geometry_of_part = shapely.get_parts(geometries, return_index=True)
    coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
    lengths = np.zeros(len(geometries))
    if len(coords) < 2:
        return lengths
    same = part_of_vertex[1:] == part_of_vertex[:-1]  # consecutive vertices of one part
    _, _, dist = _GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    np.add.at(lengths, geometry_of_part[part_of_vertex[:-1][same]], np.asarray(dist)[same])
    return lengths


def _text(frame: pd.DataFrame, column: str, default: pd.Series | str | None = None) -> pd.Series:
    if column in frame.columns:
        values = frame[column].astype(object).where(frame[column].notna(), None)
        values = values.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
        return values if default is None else values.fillna(default)
    return pd.Series([default] * len(frame), index=frame.index, dtype=object) if not isinstance(
        default, pd.Series
    ) else default


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


def _named(frame: gpd.GeoDataFrame, report: Report) -> pd.DataFrame:
    """Code, Chinese and English names (each defaulting to the one before); rows without a code are refused."""
    if "code" not in frame.columns:
        report.error("no code field: name it in fields (code = \"…\")")
        raise CityImportError(report)
    out = pd.DataFrame(index=frame.index)
    out["code"] = _text(frame, "code")
    missing = out["code"].isna()
    if missing.any():
        report.error(f"{int(missing.sum())} rows without a code (rows {listing(frame.index[missing] + 1)})")
    out["name_zh"] = _text(frame, "name_zh", out["code"])
    out["name_en"] = _text(frame, "name_en", out["name_zh"])
    return out


def _located(out: pd.DataFrame, frame: gpd.GeoDataFrame, points, locator: DistrictLocator | None) -> None:
    given = _text(frame, "district_code")
    if locator is not None and not locator.empty and given.isna().any():
        xs, ys = shapely.get_x(points), shapely.get_y(points)
        found = locator.locate([float(x) for x in xs], [float(y) for y in ys]).district
        given = given.fillna(pd.Series(found, index=out.index, dtype=object))
    out["district_code"] = given


def read_roads(spec: Roads, crs: str, locator: DistrictLocator | None, report: Report) -> list[dict]:
    """Road segments: lines (or start/end coordinates); length from the geometry and free-flow speed from the
    class when not given (``city derive`` later puts the 85th percentile of observed night speeds instead)."""
    frame = read_source(spec, crs, report)
    out = _named(frame, report)
    kinds = frame.geometry.geom_type
    lines = kinds.isin(["LineString", "MultiLineString"])
    if not lines.all():
        report.error(f"segments without a line geometry: {listing(out['code'][~lines])}")
        raise CityImportError(report)
    length = _number(frame, "length") * unit_factor(spec.length_unit, LENGTH_UNITS, "length")
    measured = pd.Series(geodesic_length_m(frame.geometry.values), index=frame.index)
    if length.isna().any():
        report.info(f"length from the geometry for {int(length.isna().sum())} of {len(frame)} segments")
    out["length_m"] = length.fillna(measured).round(1)
    out["road_class"] = _text(frame, "road_class", spec.default_class)
    unknown = sorted(set(out["road_class"]) - set(CLASS_FREE_FLOW_KMH))
    if unknown:
        report.error(f"unknown road classes {listing(unknown)}; use {', '.join(CLASS_FREE_FLOW_KMH)}")
    speed = _number(frame, "free_flow") * unit_factor(spec.speed_unit, SPEED_UNITS, "speed")
    if speed.isna().any():
        report.warning(
            f"free-flow speed not given for {int(speed.isna().sum())} of {len(frame)} segments: the class's "
            "default until `python -m dashboard city derive` measures it from night speeds"
        )
    out["free_flow_kmh"] = speed.fillna(out["road_class"].map(CLASS_FREE_FLOW_KMH)).round(1)
    out["lanes"] = _number(frame, "lanes").astype("Int64").astype(object).where(_number(frame, "lanes").notna(), None)
    _located(out, frame, shapely.line_interpolate_point(frame.geometry.values, 0.5, normalized=True), locator)
    out["geometry"] = frame.geometry.values
    return _checked(out, RoadSegment.__table__, report)


def _points(frame: gpd.GeoDataFrame, out: pd.DataFrame, what: str, report: Report) -> pd.DataFrame:
    """lon/lat of point rows (a polygon's representative point); rows without coordinates are left out, named."""
    geoms = frame.geometry.values
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    has &= np.isfinite(shapely.get_x(shapely.point_on_surface(geoms)))
    if not has.all():
        report.warning(f"{int((~has).sum())} {what} without coordinates not imported: {listing(out['code'][~has])}")
    points = shapely.point_on_surface(geoms[has])
    out = out[has].copy()
    out["lon"], out["lat"] = shapely.get_x(points).round(6), shapely.get_y(points).round(6)
    return out


def _placed(spec: Source, crs: str, locator: DistrictLocator | None, what: str, report: Report):
    """The source's points (see :func:`_points`) with their districts; outside ones left out if asked."""
    frame = read_source(spec, crs, report)
    out = _points(frame, _named(frame, report), what, report)
    frame = frame.loc[out.index]
    _located(out, frame, shapely.points(out["lon"], out["lat"]), locator)
    if spec.inside_city:
        outside = out["district_code"].isna()
        report.info(f"{int(outside.sum())} {what} outside the city's districts left out")
        out, frame = out[~outside], frame[~outside]
    return frame, out


def read_stations(spec: Stations, crs: str, locator: DistrictLocator | None, report: Report) -> list[dict]:
    frame, out = _placed(spec, crs, locator, "stations", report)
    out["kind"] = _text(frame, "kind", spec.default_kind)
    out["noise_class"] = _text(frame, "noise_class")
    wrong = out["noise_class"].dropna()[~out["noise_class"].dropna().isin(list(NOISE_LIMITS))]
    for index in wrong.index[:10]:
        report.error(f"station {out.at[index, 'code']}: noise_class {wrong[index]!r} is not a GB 3096-2008 class "
                     f"({', '.join(NOISE_LIMITS)})")
    return _checked(out, Station.__table__, report)


def read_halls(spec: Source, crs: str, locator: DistrictLocator | None, report: Report) -> list[dict]:
    frame, out = _placed(spec, crs, locator, "halls", report)
    windows = _number(frame, "windows")
    out["windows"] = windows.astype("Int64").astype(object).where(windows.notna(), None)
    return _checked(out, ServiceHall.__table__, report)


def named_aliases(frame: pd.DataFrame, codes: pd.Series, kind: str) -> list[dict]:
    """The other names of a list's ``aliases`` column ("|"-separated), as alias rows of ``kind``."""
    return [
        {"kind": kind, "alias": alias.strip(), "code": code}
        for code, names in zip(codes, _text(frame, "aliases"), strict=True)
        if isinstance(names, str) and isinstance(code, str)
        for alias in names.split("|")
        if alias.strip()
    ]


def read_departments(spec: Source, crs: str, report: Report, aliases: list[dict]) -> list[dict]:
    """Departments; the other names of their ``aliases`` column are added to ``aliases``."""
    frame = read_source(spec, crs, report)
    out = _named(frame, report)
    aliases += named_aliases(frame, out["code"], "department")
    return _checked(out, Department.__table__, report)


def read_categories(spec: Source, crs: str, report: Report, aliases: list[dict]) -> list[dict]:
    """Categories; the other names of their ``aliases`` column are added to ``aliases``."""
    frame = read_source(spec, crs, report)
    out = _named(frame, report)
    aliases += named_aliases(frame, out["code"], "category")
    out["parent_code"] = _text(frame, "parent")
    out["department_code"] = _text(frame, "department_code")
    deadline = _number(frame, "deadline_days")
    out["deadline_days"] = deadline.astype(object).where(deadline.notna(), None)
    orphans = sorted(set(out["parent_code"].dropna()) - set(out["code"]))
    if orphans:
        report.warning(f"parent categories not in the list: {listing(orphans)}")
    return _checked(out, ServiceType.__table__, report)


def read_service_items(spec: Source, crs: str, report: Report) -> list[dict]:
    """The halls' service items: code, Chinese and English names (hall tickets name an item by either of the
    first two)."""
    return _checked(_named(read_source(spec, crs, report), report), ServiceItem.__table__, report)


def read_aliases(spec: Source, crs: str, report: Report) -> list[dict]:
    """The ``[aliases]`` file: one other name a feed uses per row (``kind``, ``alias``, ``code``)."""
    frame = read_source(spec, crs, report)
    missing = [c for c in ("kind", "alias", "code") if c not in frame.columns]
    if missing:
        report.error(f"no field {', '.join(missing)}: name it in fields (alias = \"…\")")
        raise CityImportError(report)
    rows = pd.DataFrame({c: _text(frame, c) for c in ("kind", "alias", "code")})
    incomplete = rows.isna().any(axis=1)
    if incomplete.any():
        where = listing(rows.index[incomplete] + 1)
        report.error(f"{int(incomplete.sum())} rows without a kind, alias or code (rows {where})")
    unknown = sorted(set(rows["kind"].dropna()) - set(ALIAS_KINDS))
    if unknown:
        report.error(f"unknown kinds {listing(unknown)}; kinds: {', '.join(ALIAS_KINDS)}")
    return rows[~incomplete].to_dict("records")


def check_aliases(aliases: list[dict], codes: dict[str, set[str]], report: Report) -> list[dict]:
    """One row per kind and alias: an alias given twice for one code is kept once, for two codes it is an error;
    an alias of a code the manifest does not import (``codes``: per kind imported) is a warning."""
    frame = pd.DataFrame(aliases, columns=["kind", "alias", "code"]).drop_duplicates()
    clashes = frame[frame.duplicated(["kind", "alias"], keep=False)]
    for (kind, alias), group in clashes.groupby(["kind", "alias"]):
        report.error(f"{kind} alias {alias!r} names more than one code: {listing(sorted(group['code']))}")
    for kind, known in codes.items():
        strays = frame[(frame["kind"] == kind) & ~frame["code"].isin(known)]
        if len(strays):
            pairs = listing(strays["alias"] + " → " + strays["code"])
            report.warning(f"{kind} aliases of codes not in the list: {pairs}")
    check_lengths(frame, ReferenceAlias.__table__, report)
    report.info(f"{len(frame)} aliases")
    return frame.to_dict("records")


def _checked(out: pd.DataFrame, table: Table, report: Report) -> list[dict]:
    check_duplicates(out, report)
    check_lengths(out, table, report)
    report.info(f"{len(out)} rows read")
    return out.astype(object).where(out.notna(), None).to_dict("records")


def _boundaries(spec: Boundaries, crs: str, report: Report) -> gpd.GeoDataFrame:
    fields = BoundaryFields(**{k: spec.fields.get(k) for k in ("code", "name_zh", "name_en", "parent", "population")})
    population = spec.population
    return read_boundaries(
        spec.file, spec.level, crs, fields, spec.parent_code,
        population.file if population else None, population.key_column if population else None,
        population.value_column if population else "population", population.key if population else "code", report,
    )


def read_city(manifest: Manifest, conn: Connection) -> CityData:
    """Every source of the manifest read and validated; reports hold what was found (no error raised)."""
    data = CityData()

    def attempt(name: str, read):
        report = Report(name)
        data.reports.append(report)
        try:
            return read(report)
        except CityImportError:
            return None
        except (ValueError, OSError) as exc:
            report.error(str(exc))
            return None

    for spec in manifest.boundaries:
        frame = attempt(f"boundaries {spec.file}", lambda r, s=spec: _boundaries(s, manifest.crs_of(s), r))
        if frame is not None:
            data.boundaries.append(frame)
    districts = [f for f in data.boundaries if (f["level"] == "district").all()]
    locator = (
        DistrictLocator({"district": [(c, g) for f in districts for c, g in zip(f["code"], f.geometry, strict=True)]})
        if districts
        else DistrictLocator.from_connection(conn)
    )
    aliases: list[dict] = []
    readers = {
        "roads": (RoadSegment, lambda s, r: read_roads(s, manifest.crs_of(s), locator, r)),
        "stations": (Station, lambda s, r: read_stations(s, manifest.crs_of(s), locator, r)),
        "halls": (ServiceHall, lambda s, r: read_halls(s, manifest.crs_of(s), locator, r)),
        "departments": (Department, lambda s, r: read_departments(s, manifest.crs_of(s), r, aliases)),
        "categories": (ServiceType, lambda s, r: read_categories(s, manifest.crs_of(s), r, aliases)),
        "service_items": (ServiceItem, lambda s, r: read_service_items(s, manifest.crs_of(s), r)),
    }
    for kind, (model, read) in readers.items():
        spec = getattr(manifest, kind)
        if spec is not None:
            rows = attempt(f"{kind} {spec.file}", lambda r, s=spec, read=read: read(s, r))
            if rows is not None:
                data.tables[kind] = (model.__table__, rows)
    if manifest.departments or manifest.categories or manifest.aliases:
        _read_aliases(manifest, data, aliases, attempt)
    return data


def _read_aliases(manifest: Manifest, data: CityData, aliases: list[dict], attempt) -> None:
    """The manifest's aliases (its lists' ``aliases`` columns and its ``[aliases]`` file), checked against the
    codes it imports, as the whole alias table."""
    spec = manifest.aliases
    if spec is not None:
        aliases += attempt(f"aliases {spec.file}", lambda r: read_aliases(spec, manifest.crs_of(spec), r)) or []
    codes = {kind: {row["code"] for row in data.tables[name][1]} for kind, name in _ALIASED if name in data.tables}
    if data.boundaries:
        codes["district"] = {code for frame in data.boundaries for code in frame["code"]}
    rows = attempt("aliases", lambda r: check_aliases(aliases, codes, r))
    if rows is not None:
        data.tables["aliases"] = (ReferenceAlias.__table__, rows)


def write_city(conn: Connection, data: CityData) -> dict[str, int]:
    """Write what was read: boundaries replace their level, every other kind its whole table."""
    written: dict[str, int] = {}
    for frame in data.boundaries:
        key = f"boundaries ({frame['level'].iloc[0]})"
        written[key] = written.get(key, 0) + import_boundaries(conn, frame, replace=key not in written)
    for kind, (table, rows) in data.tables.items():
        conn.execute(delete(table))
        if rows:
            conn.execute(table.insert(), rows)
        written[kind] = len(rows)
    return written


def import_city(conn: Connection, manifest: Manifest) -> tuple[dict[str, int], list[Report]]:
    """Read and validate every source; write them only when none has an error (else raise with all reports)."""
    data = read_city(manifest, conn)
    if not data.ok:
        errors = [("error", f"{r.source}: {message}") for r in data.reports for message in r.of("error")]
        raise CityImportError(Report("city import refused, nothing written", errors))
    return write_city(conn, data), data.reports
