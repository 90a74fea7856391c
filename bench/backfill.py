"""End-to-end backfill: the collector process (``python -m dashboard collect``) catching up on ``--days`` of the
demo city from an empty database, on PostgreSQL and on SQLite (the layouts of :mod:`bench.load`).

The clock runs from starting the collector until every feed has a successful run and its cursors are within
the feed's lag window of now (:func:`bench.coldstart.behind`); the simulated city has generated its history
before. The facts stored are counted afterwards and give the rate. No baseline: the figure is the time a city
waits for its first year in the dashboard.

Run: ``python -m bench.backfill --days 365`` (``make backfill``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from sqlalchemy import create_engine, text

from bench.load import deployment
from bench.report import Result, publish
from dashboard.db.rollups import FACTS


def _facts(database: str) -> int:
    engine = create_engine(database)
    with engine.connect() as conn:
        total = sum(conn.execute(text(f"SELECT count(*) FROM {table.name}")).scalar() for table in FACTS.values())
    engine.dispose()
    return total


def run(layout: str, days: float, postgres: str | None, redis: str | None) -> Result:
    """The backfill of ``days`` on ``layout`` ("production": PostgreSQL; "single": SQLite)."""
    with deployment(layout, days, postgres, redis) as running:
        facts = _facts(running.database)
    engine = "PostgreSQL" if layout == "production" else "SQLite"
    return Result(
        name=f"backfill, {engine}: {days:g} days of the demo city through the collector process",
        ratio=facts / running.backfill_seconds,
        target="reported (ratio = facts per second)",
        met=None,
        detail=f"every feed caught up {running.backfill_seconds:.0f} s after the collector started; {facts:,} facts "
        f"stored ({facts / running.backfill_seconds:,.0f} a second)",
    )


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the deployment's processes stop too
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=float, default=365, help="days of the demo city to backfill")
    parser.add_argument("--layouts", default="production,single", help="production (PostgreSQL), single (SQLite)")
    parser.add_argument("--postgres", default=os.environ.get("CITYOPS_TEST_DATABASE_URL"), help="PostgreSQL server")
    parser.add_argument("--redis", default=os.environ.get("CITYOPS_TEST_REDIS_URL"), help="Redis server")
    args = parser.parse_args()
    publish([run(layout, args.days, args.postgres, args.redis) for layout in args.layouts.split(",")])


if __name__ == "__main__":
    main()
