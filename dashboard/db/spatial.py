"""PostGIS where it is installed: geometry columns, GiST indexes and point-in-district lookups in the database.

The migrations are the same on every database; :func:`create_spatial_indexes` does the PostGIS-only part when
the extension is present. :func:`include_object` keeps those objects (and PostGIS's own ``spatial_ref_sys``) out
of schema comparison, so ``alembic check`` is clean with and without PostGIS.
"""

from __future__ import annotations

import h3
from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION

from dashboard.db.types import SRID, set_postgis, uses_postgis

#: Prefix of the PostGIS-only indexes (absent from the models on purpose).
SPATIAL_INDEX_PREFIX = "gx_"
#: Tables the PostGIS extension itself creates in the schema.
POSTGIS_TABLES = frozenset({"spatial_ref_sys"})
GEOMETRY_TABLES = ("district", "road_segment")
SPATIAL_INDEXES = {
    "gx_district_geometry": "district USING gist (geometry)",
    "gx_road_segment_geometry": "road_segment USING gist (geometry)",
    "gx_complaint_point": f"complaint USING gist (ST_SetSRID(ST_MakePoint(lon, lat), {SRID})) "
    "WHERE lon IS NOT NULL AND lat IS NOT NULL",
}


def postgis_installed(conn: Connection) -> bool:
    """Whether the database has the PostGIS extension."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')")).scalar())


def create_spatial_indexes(conn: Connection) -> None:
    """With PostGIS: geometry columns as PostGIS geometries and GiST indexes on them; nothing otherwise."""
    if not postgis_installed(conn):
        return
    for table in GEOMETRY_TABLES:
        udt = conn.execute(
            text(
                "SELECT udt_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = :table AND column_name = 'geometry'"
            ),
            {"table": table},
        ).scalar()
        if udt == "bytea":
            conn.execute(
                text(
                    f"ALTER TABLE {table} ALTER COLUMN geometry TYPE geometry(Geometry,{SRID}) "
                    f"USING ST_SetSRID(ST_GeomFromWKB(geometry), {SRID})"
                )
            )
    for name, target in SPATIAL_INDEXES.items():
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}"))
    set_postgis(conn.dialect, True)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Schema comparison filter: leave out PostGIS's tables and our PostGIS-only indexes."""
    if type_ == "table" and reflected and compare_to is None and name in POSTGIS_TABLES:
        return False
    if type_ == "index" and reflected and compare_to is None and (name or "").startswith(SPATIAL_INDEX_PREFIX):
        return False
    return True


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

    def locate(self, lons: list[float | None], lats: list[float | None]):
        """Same answer as :meth:`dashboard.geo.locator.DistrictLocator.locate`."""
        from dashboard.geo.locator import H3_RESOLUTION, Located

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
                    codes = found.setdefault(level, [None] * n)
                    if codes[i - 1] is None:
                        codes[i - 1] = code
        cells = [h3.latlng_to_cell(la, lo, H3_RESOLUTION) if ok else None
                 for lo, la, ok in zip(lons, lats, has, strict=True)]
        return Located(found["district"], found["street"], cells)


def database_locator(conn: Connection) -> PostgisLocator | None:
    """A PostGIS locator when this connection's database stores PostGIS geometries, else None."""
    return PostgisLocator(conn.engine) if uses_postgis(conn.dialect) else None
