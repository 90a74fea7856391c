"""Running read queries: rows into DataFrames, database failures into :class:`DatabaseUnavailable`."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, Executable, text
from sqlalchemy.exc import SQLAlchemyError


class DatabaseUnavailable(RuntimeError):
    """The database could not answer a read query (down, locked, or its schema missing)."""


def read_frame(engine: Engine, statement: Executable) -> pd.DataFrame:
    """Rows of ``statement`` as a DataFrame (column types processed by SQLAlchemy, times UTC-aware)."""
    try:
        with engine.connect() as conn:
            result = conn.execute(statement)
            columns = list(result.keys())
            rows = result.all()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


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
