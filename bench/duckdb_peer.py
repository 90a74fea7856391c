"""The peer engine of the KPI-reads benchmark: the benchmark's facts copied from its SQLite file into DuckDB's
own tables, each fact table sorted by its main time column (so DuckDB's zone maps skip the blocks outside a
range), as a DuckDB user would load them. The copy is made once per SQLite file and cached beside it; the time
it took is kept with it and reported apart from the reads."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pandas as pd

#: Each copied table: its columns (time columns cast to TIMESTAMP) and the column it is sorted by.
TABLES = {
    "complaint": (
        "category, department_code, district_code, returned_count, reopened_count, satisfaction",
        ("requested_at", "closed_at", "due_at", "revisited_at"),
        "requested_at",
    ),
    "traffic_observation": ("segment_code, speed_kmh", ("observed_at",), "observed_at"),
    "sensor_reading": ("station_code, quantity, value", ("observed_at",), "observed_at"),
    "hall_ticket": (
        "hall_code, channel, visits, rating",
        ("issued_at", "called_at", "finished_at"),
        "issued_at",
    ),
    "road_segment": ("code, length_m, free_flow_kmh, road_class", (), None),
    "station": ("code, kind, noise_class", (), None),
    "district": ("code, level, population", (), None),
}
#: Rows read from SQLite per batch while copying.
BATCH = 500_000


def _copy(source: sqlite3.Connection, target, table: str) -> None:
    columns, times, order = TABLES[table]
    names = [c.strip() for c in columns.split(",")] + list(times)
    casts = ", ".join([*names[: len(names) - len(times)], *(f"CAST({t} AS TIMESTAMP) AS {t}" for t in times)])
    cursor = source.execute(f"SELECT {', '.join(names)} FROM {table}")
    verb = f"CREATE TABLE {table} AS"
    while rows := cursor.fetchmany(BATCH):
        target.register("batch", pd.DataFrame(rows, columns=names))
        target.execute(f"{verb} SELECT {casts} FROM batch")
        target.unregister("batch")
        verb = f"INSERT INTO {table}"
    if order:
        target.execute(f"CREATE TABLE sorted AS SELECT * FROM {table} ORDER BY {order}")
        target.execute(f"DROP TABLE {table}")
        target.execute(f"ALTER TABLE sorted RENAME TO {table}")


def copy_path(sqlite_path: Path, version: int) -> Path:
    """The DuckDB copy of the facts of ``sqlite_path`` built at ``version``."""
    return sqlite_path.with_suffix(f".v{version}.duckdb")


def load(sqlite_path: Path, version: int, threads: int):
    """A read-only DuckDB connection on the copy of ``sqlite_path``'s facts and the seconds the copy took; the
    copy is made if absent (its name carries the benchmark database's ``version``, so a rebuild of that
    database removes it with its other markers)."""
    import duckdb

    path = copy_path(sqlite_path, version)
    marker = path.with_suffix(".duckdb-load-seconds")
    if not marker.exists():
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        source = sqlite3.connect(sqlite_path)
        target = duckdb.connect(str(path))
        target.execute(f"SET threads = {threads}")
        for table in TABLES:
            _copy(source, target, table)
        target.execute("CHECKPOINT")
        target.close()
        source.close()
        marker.write_text(f"{time.perf_counter() - started:.3f}")
    conn = duckdb.connect(str(path), read_only=True)
    conn.execute(f"SET threads = {threads}")
    return conn, float(marker.read_text())
