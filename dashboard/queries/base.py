"""Running read queries: rows into DataFrames, database failures into :class:`DatabaseUnavailable`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Executable, Row, text
from sqlalchemy.exc import SQLAlchemyError


class DatabaseUnavailable(RuntimeError):
    """The database could not answer a read query (down, locked, or its schema missing)."""


def read_frame(
    engine: Engine,
    statement: Executable,
    params: Mapping[str, Any] | None = None,
    integers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Rows of ``statement`` (with the values of its bound ``params``) as a DataFrame (column types processed by
    SQLAlchemy, times UTC-aware); the columns named in ``integers`` as int64 (sums come back as ints, floats or
    decimals by dialect)."""
    try:
        with engine.connect() as conn:
            result = conn.execute(statement, params)
            columns = list(result.keys())
            rows = result.all()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc
    return frame_of(rows, columns, integers)


def frame_of(rows: Sequence[Sequence], columns: list[str], integers: tuple[str, ...] = ()) -> pd.DataFrame:
    """``rows`` as a DataFrame of ``columns``: the columns in ``integers`` int64, the others as pandas infers them
    (object when there are no rows). Built column by column: ``DataFrame.astype`` costs more than a refresh's
    query on a small result."""
    if not integers:
        return pd.DataFrame([tuple(r) for r in rows], columns=columns)
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({
        name: np.array(column, dtype=np.int64) if name in integers else (list(column) if rows else np.array([], object))
        for name, column in zip(columns, values, strict=True)
    })


def read_rows(engine: Engine, statement: Executable, params: Mapping[str, Any] | None = None) -> list[Row]:
    """Rows of ``statement`` as they come (named tuples): for small results read on every refresh, where
    building a DataFrame would cost more than the query."""
    try:
        with engine.connect() as conn:
            return conn.execute(statement, params).all()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc


def plain_tuples(rows: Sequence[Row]) -> list[tuple]:
    """Rows as plain tuples, for results kept in the query cache: pickling rows (each through its result's
    metadata) costs more than their query."""
    return [tuple(row) for row in rows]


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
