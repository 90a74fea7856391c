"""Running read queries: rows into DataFrames, database failures into :class:`DatabaseUnavailable`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Executable, Row, text
from sqlalchemy.exc import SQLAlchemyError


class DatabaseUnavailable(RuntimeError):
    """The database could not answer a read query (down, locked, or its schema missing)."""


def read_frame(engine: Engine, statement: Executable, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Rows of ``statement`` (with the values of its bound ``params``) as a DataFrame (column types processed by
    SQLAlchemy, times UTC-aware)."""
    try:
        with engine.connect() as conn:
            result = conn.execute(statement, params)
            columns = list(result.keys())
            rows = result.all()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def read_rows(engine: Engine, statement: Executable, params: Mapping[str, Any] | None = None) -> list[Row]:
    """Rows of ``statement`` as they come (named tuples): for small results read on every refresh, where
    building a DataFrame would cost more than the query."""
    try:
        with engine.connect() as conn:
            return conn.execute(statement, params).all()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc


def read_scalar(engine: Engine, statement: Executable):
    """The single value of ``statement``."""
    try:
        with engine.connect() as conn:
            return conn.execute(statement).scalar()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc


def ping(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailable` unless the database answers."""
    read_scalar(engine, text("SELECT 1"))
