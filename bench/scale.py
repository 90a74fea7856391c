"""``make bench-scale`` / ``python -m bench.scale``: the KPI benchmark's year of the city built on PostgreSQL at
growing sizes (default 1×, 2× and 3× of the 3-million-people city; 3× is about 27 M facts), and the read curve:
how the overview's reads grow with the data.

Each size gets a database of its own on the server (``cityops_scale_x<scale>``, reused while its facts are those
this version builds). The facts are the same as :mod:`bench.kpi_reads` builds into SQLite — the same generators,
seed and sizes — written with ``COPY`` into the migrated schema, where the traffic and sensor facts sit in their
monthly partitions (made for the whole year first); then the rollups are rebuilt and the statistics gathered.
At ``--repeats`` random moments of the year and for each period of the overview's selector, one uncached overview
refresh is timed read by read, as in :mod:`bench.kpi_reads`. The curve printed has, per size: the facts, the
build time, the p95 of every read, the slowest read, and the median whole refresh per period.

Not part of ``make bench``: building 3× takes far longer than its 15 minutes. ``--scales 0.01,0.02`` is a quick
check that it runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import kpi_reads
from dashboard.cache import cache
from dashboard.db import partitions, rollups
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.periods import PERIODS

VERSION = 1
INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\) VALUES \((.*)\)$", re.S)


class CopyWriter:
    """Takes the benchmark generators' ``executemany(INSERT …, rows)`` calls and writes the rows with PostgreSQL's
    ``COPY``; the constants the statements spell out in ``VALUES`` are filled in."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        kind = conn.execute("SELECT udt_name FROM information_schema.columns WHERE table_name = 'district' "
                            "AND column_name = 'geometry'").fetchone()[0]
        # The generators' empty geometries (no shape is ever read): an empty collection in PostGIS, no bytes as WKB.
        self.empty_geometry = "GEOMETRYCOLLECTION EMPTY" if kind == "geometry" else ""

    def executemany(self, sql: str, rows) -> None:
        match = INSERT.match(" ".join(sql.split()))
        table, columns = match.group(1), [c.strip() for c in match.group(2).split(",")]
        slots = [v.strip() for v in match.group(3).split(",")]
        constants = {i: _constant(v) for i, v in enumerate(slots) if v != "?"}
        for i, column in enumerate(columns):
            if column == "geometry" and constants.get(i) == "":
                constants[i] = self.empty_geometry
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                values = iter(row)
                copy.write_row([constants[i] if i in constants else next(values) for i in range(len(slots))])


def _constant(literal: str):
    if literal.startswith("'"):
        return literal[1:-1]
    return float(literal) if "." in literal else int(literal)


def _database_url(server: str, scale: float) -> str:
    name = f"cityops_scale_x{scale:g}".replace(".", "_")
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _marker(scale: float) -> str:
    return f"cityops bench-scale v{VERSION}/{kpi_reads.VERSION} x{scale:g}"


def build(server: str, scale: float, database: str | None = None) -> tuple[str, int, float]:
    """The database of ``scale`` on ``server`` (built unless already there; named ``database``, default after the
    scale); its URL, facts and build seconds."""
    url = _database_url(server, scale)
    if database is not None:
        url = make_url(url).set(database=database).render_as_string(hide_password=False)
    name = make_url(url).database
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        comment = conn.execute(text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if comment and comment.startswith(_marker(scale) + " facts="):
            admin.dispose()
            return url, int(comment.rsplit("=", 1)[1]), 0.0
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:  # the year's months, so that no fact lands in a default partition
        months = {partitions.month_start(kpi_reads.START + timedelta(days=d)) for d in range(0, 367, 27)}
        for table in partitions.PARTITIONED:
            if partitions.is_partitioned(conn, table):
                partitions.ensure_months(conn, table, months)
    size = kpi_reads.Size.of(scale)
    rng = np.random.default_rng(kpi_reads.SEED)
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as raw:
        writer = CopyWriter(raw)
        kpi_reads._reference(writer, rng, size)
        facts = sum(make(writer, rng, size) for make in (kpi_reads._complaints, kpi_reads._traffic,
                                                          kpi_reads._sensors, kpi_reads._halls))
    with engine.begin() as conn:
        for domain in rollups.ROLLUPS:
            rollups.rebuild(conn, domain, kpi_reads.TZ)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{_marker(scale)} facts={facts}'"))
    admin.dispose()
    return url, facts, time.perf_counter() - started


def read_curve_point(url: str, repeats: int) -> dict:
    """p95 of every read of ``repeats`` uncached overview refreshes per period, the slowest read and the median
    whole refresh per period (ms)."""
    engine = make_engine(url)
    rng = np.random.default_rng(1)
    moments = [kpi_reads.START + timedelta(days=int(d), hours=int(h))
               for d, h in zip(rng.integers(100, 364, repeats + 1), rng.integers(0, 24, repeats + 1), strict=True)]
    reads: list[tuple[str, float]] = []
    refresh: dict[str, list[float]] = {p: [] for p in PERIODS}
    with kpi_reads.page_cache().app_context():
        kpi_reads.overview_refresh(engine, moments[0], "day")  # warm-up: imports, connections, statements
        for now in moments[1:]:
            for period in PERIODS:
                cache.clear()
                with kpi_reads.timed_reads(engine, reads):
                    refresh[period].append(sum(kpi_reads.overview_refresh(engine, now, period).values()) * 1000)
    engine.dispose()
    by_read: dict[str, list[float]] = {}
    for name, seconds in reads:
        by_read.setdefault(name, []).append(seconds * 1000)
    slowest = max(by_read, key=lambda name: np.percentile(by_read[name], 95))
    return {
        "p95": float(np.percentile([s * 1000 for _, s in reads], 95)),
        "reads": len(reads),
        "slowest": f"{slowest} {np.percentile(by_read[slowest], 95):.1f}",
        "refresh": {p: float(np.median(v)) for p, v in refresh.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,2,3", help="sizes of the city, e.g. 1,2,3 (3×: about 27 M facts)")
    parser.add_argument("--postgres", default=os.environ.get("CITYOPS_TEST_DATABASE_URL"),
                        help="PostgreSQL server URL (a database per size is made on it)")
    parser.add_argument("--repeats", type=int, default=kpi_reads.REPEATS, help="random moments timed per size")
    args = parser.parse_args()
    if not args.postgres:
        parser.error("needs a PostgreSQL server: --postgres or CITYOPS_TEST_DATABASE_URL")
    print(f"bench-scale, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: overview reads on PostgreSQL against the size of "
          f"the city ({args.repeats} uncached refreshes per period; times in ms)", flush=True)
    header = (f"| scale | facts | build (s) | p95 of every read | slowest read, p95 | "
              f"{' | '.join(f'refresh, {p}, median' for p in PERIODS)} |")
    rows = []
    for scale in (float(s) for s in args.scales.split(",")):
        url, facts, seconds = build(args.postgres, scale)
        print(f"bench-scale: {scale:g}×, {facts:,} facts, built in {seconds:.0f} s (0: reused)", file=sys.stderr,
              flush=True)
        point = read_curve_point(url, args.repeats)
        medians = " | ".join(f"{point['refresh'][p]:.0f}" for p in PERIODS)
        rows.append(f"| {scale:g}× | {facts:,} | {seconds:.0f} | {point['p95']:.1f} ({point['reads']} reads) | "
                    f"{point['slowest']} | {medians} |")
    print("\n".join([header, "|" + "---|" * (5 + len(PERIODS)), *rows]))


if __name__ == "__main__":
    main()
