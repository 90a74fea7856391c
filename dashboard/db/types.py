"""Column types that behave the same on SQLite and PostgreSQL (with or without PostGIS)."""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, UserDefinedType

#: Spatial reference of every stored geometry (WGS-84).
SRID = 4326

#: Auto-incrementing 64-bit key (SQLite only auto-increments INTEGER PRIMARY KEY).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC).

    Naive values given to the database are taken to be UTC already; aware values are converted.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class PostGISGeometry(UserDefinedType):
    """PostGIS ``geometry(Geometry, 4326)``; values travel as hex EWKB, PostgreSQL's text form of a geometry."""

    cache_ok = True

    def __init__(self, *_modifiers) -> None:
        """Reflection passes the type modifiers (``Geometry, 4326``); every column has the same ones."""

    def get_col_spec(self, **_kw) -> str:
        return f"geometry(Geometry,{SRID})"


#: Reflect PostGIS columns as such, so that schema comparison (``alembic check``) knows them.
ischema_names["geometry"] = PostGISGeometry


def uses_postgis(dialect: Dialect) -> bool:
    """Whether geometries of this dialect's engine live in PostGIS columns (set by ``dashboard.db.engine``)."""
    return getattr(dialect, "cityops_postgis", False)


def set_postgis(dialect: Dialect, enabled: bool) -> None:
    """Store geometries of this dialect's engine in PostGIS columns (or not) from now on."""
    dialect.cityops_postgis = enabled
    dialect._type_memos.clear()


class Geometry(TypeDecorator):
    """A WGS-84 geometry: a PostGIS column where PostGIS is installed, WKB bytes elsewhere; shapely in Python."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if uses_postgis(dialect):
            return dialect.type_descriptor(PostGISGeometry())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect) -> bytes | str | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            value = shapely.from_wkb(bytes(value))
        if uses_postgis(dialect):
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return shapely.from_wkb(value if isinstance(value, str) else bytes(value))
