"""Which district and sub-district a point lies in, and its H3 cell: vectorised with a shapely STRtree, or asked of
PostGIS where the database stores PostGIS geometries."""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import shapely
from sqlalchemy import Connection, Engine, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION

from dashboard.db.models import District
from dashboard.db.types import SRID, uses_postgis

#: H3 resolution of stored complaint cells (res 8 ≈ 0.74 km² per cell).
H3_RESOLUTION = 8


@dataclass
class Located:
    """District codes (None outside the city) and H3 cells for a list of points."""

    district: list[str | None]
    subdistrict: list[str | None]
    h3: list[str | None]


class DistrictLocator:
    """Point-in-polygon lookup against the districts and sub-districts of the city."""

    def __init__(self, districts: dict[str, list[tuple[str, object]]]) -> None:
        self._levels = {}
        for level, items in districts.items():
            codes = [code for code, _ in items]
            geoms = [geom for _, geom in items]
            self._levels[level] = (np.array(codes, dtype=object), shapely.STRtree(geoms))

    @classmethod
    def from_connection(cls, conn: Connection) -> DistrictLocator:
        """Build from the ``district`` table (on PostGIS: a locator that asks the database)."""
        if (in_database := database_locator(conn)) is not None:
            return in_database
        by_level: dict[str, list[tuple[str, object]]] = {"district": [], "street": []}
        for code, level, geom in conn.execute(select(District.code, District.level, District.geometry)):
            if geom is not None:
                by_level.setdefault(level, []).append((code, geom))
        return cls(by_level)

    @property
    def empty(self) -> bool:
        return all(len(codes) == 0 for codes, _ in self._levels.values())

    def _lookup(self, level: str, points: np.ndarray) -> list[str | None]:
        result: list[str | None] = [None] * len(points)
        codes, tree = self._levels.get(level, (np.array([], dtype=object), None))
        if tree is None or len(codes) == 0 or len(points) == 0:
            return result
        point_idx, geom_idx = tree.query(points, predicate="intersects")
        for p, g in zip(point_idx, geom_idx, strict=True):
            if result[p] is None:
                result[p] = codes[g]
        return result

    def locate(self, lons: list[float | None], lats: list[float | None]) -> Located:
        """Districts, sub-districts and H3 cells of the points (None where a coordinate is missing)."""
        has = [lo is not None and la is not None for lo, la in zip(lons, lats, strict=True)]
        points = shapely.points(
            [lo if ok else np.nan for lo, ok in zip(lons, has, strict=True)],
            [la if ok else np.nan for la, ok in zip(lats, has, strict=True)],
        )
        cells = [h3.latlng_to_cell(la, lo, H3_RESOLUTION) if ok else None
                 for lo, la, ok in zip(lons, lats, has, strict=True)]
        return Located(self._lookup("district", points), self._lookup("street", points), cells)


LOCATE = text(
    f"""
    SELECT p.i, d.level, d.code
      FROM unnest(:lons, :lats) WITH ORDINALITY AS p(lon, lat, i)
      JOIN district d ON ST_Intersects(d.geometry, ST_SetSRID(ST_MakePoint(p.lon, p.lat), {SRID}))
     ORDER BY p.i, d.code
    """
).bindparams(bindparam("lons", type_=ARRAY(DOUBLE_PRECISION)), bindparam("lats", type_=ARRAY(DOUBLE_PRECISION)))


class PostgisLocator:
    """Districts and sub-districts of points by a GiST-indexed ``ST_Intersects`` in PostGIS; H3 cells in Python."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        with engine.connect() as conn:
            self._empty = not conn.execute(text("SELECT EXISTS (SELECT 1 FROM district)")).scalar()

    @property
    def empty(self) -> bool:
        return self._empty

    def locate(self, lons: list[float | None], lats: list[float | None]) -> Located:
        """Same answer as :meth:`DistrictLocator.locate`."""
        n = len(lons)
        found: dict[str, list[str | None]] = {"district": [None] * n, "street": [None] * n}
        has = [lo is not None and la is not None for lo, la in zip(lons, lats, strict=True)]
        if any(has):
            with self._engine.connect() as conn:
                rows = conn.execute(
                    LOCATE,
                    {"lons": [float(lo) if ok else None for lo, ok in zip(lons, has, strict=True)],
                     "lats": [float(la) if ok else None for la, ok in zip(lats, has, strict=True)]},
                )
                for i, level, code in rows:
                    codes = found.get(level)  # the levels a Located holds; others (none yet) are not asked for
                    if codes is not None and codes[i - 1] is None:
                        codes[i - 1] = code
        cells = [h3.latlng_to_cell(la, lo, H3_RESOLUTION) if ok else None
                 for lo, la, ok in zip(lons, lats, has, strict=True)]
        return Located(found["district"], found["street"], cells)


def database_locator(conn: Connection) -> PostgisLocator | None:
    """A PostGIS locator when this connection's database stores PostGIS geometries, else None."""
    return PostgisLocator(conn.engine) if uses_postgis(conn.dialect) else None
