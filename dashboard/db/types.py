"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary
from sqlalchemy.types import TypeDecorator

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


class Geometry(TypeDecorator):
    """A WGS-84 geometry stored as WKB; read back as a shapely geometry."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return shapely.from_wkb(bytes(value))
