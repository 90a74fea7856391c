"""PostGIS where it is installed: geometry columns and GiST indexes in the database.

The migrations are the same on every database; :func:`create_spatial_indexes` does the PostGIS-only part when
the extension is present. :func:`include_object` keeps those objects (and PostGIS's own ``spatial_ref_sys``) out
of schema comparison, so ``alembic check`` is clean with and without PostGIS. Point-in-district lookups in
PostGIS are :class:`dashboard.geo.locator.PostgisLocator`.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from dashboard.db.types import SRID, set_postgis

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
