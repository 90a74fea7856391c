"""``python -m bench``: run the benchmarks, print the table, append it to bench/results.md.

Every figure is a ratio against a baseline measured in the same run. Ingest, KPI reads and map payloads run at
each of ``--scales`` (the growth of their cost with the data; KPI reads scale the city down from its full size,
so their largest scale is the year of the 3-million-people city); PostgreSQL ingest runs when ``--postgres``
(default: ``CITYOPS_TEST_DATABASE_URL``) names a server. KPI reads are timed against two baselines computing the
same numbers from the facts: a fair SQLite baseline and DuckDB on a copy of the facts. The browser benchmark
runs on the largest KPI scale with points on the complaints. The daily report is generated from the year.
The short version of the load benchmark (the target
mix for ``--load-seconds`` on each layout, no knee; ``make load`` runs the full one) runs when ``--postgres`` and
``--redis`` name servers. A benchmark that fails is a row saying why; the others still run and are published.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable

from bench import browser, city_import, coldstart, ingest, kpi_reads, load, map_payloads, report_generation
from bench.report import Result, publish

#: Records of each ingest benchmark at 1×.
INGEST_ROWS = {"traffic": 50_000, "sensors": 30_000, "complaints": 10_000}
#: Complaint points of the map benchmark at 1× (10× is the 1 M points of the target).
MAP_POINTS = 100_000
#: Days of the demo city the short load run backfills first.
LOAD_DAYS = 2


def _measured(name: str, measure: Callable[[], Result | list[Result]]) -> list[Result]:
    """The results of ``measure``, or one row saying how it failed (its duration printed either way)."""
    started = time.perf_counter()
    try:
        result = measure()
    except Exception as exc:  # a broken benchmark must not lose the others' figures
        traceback.print_exc()
        result = [Result(name=name, ratio=0.0, target="—", met=False, detail=f"failed: {type(exc).__name__}: {exc}")]
    print(f"bench: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return result if isinstance(result, list) else [result]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,3,10", help="data scales of ingest and map payloads, e.g. 1,3,10")
    parser.add_argument("--postgres", default=os.environ.get("CITYOPS_TEST_DATABASE_URL"),
                        help="PostgreSQL server URL for the ingest-vs-COPY figures (default: none)")
    parser.add_argument("--redis", default=os.environ.get("CITYOPS_TEST_REDIS_URL"),
                        help="Redis server URL for the production layout of the load benchmark (default: none)")
    parser.add_argument("--coldstart-days", type=float, default=30, help="history of the demo cold start (0: skip it)")
    parser.add_argument("--load-seconds", type=int, default=30, help="duration of the short load run (0: skip it)")
    args = parser.parse_args()
    started = time.perf_counter()
    scales = [int(s) for s in args.scales.split(",")]
    results: list[Result] = []
    for domain, rows in INGEST_ROWS.items():
        for scale in scales:
            results += _measured(f"ingest, {domain}, {scale}×", lambda d=domain, n=rows * scale: ingest.run(n, d))
        if args.postgres:
            results += _measured(f"ingest, PostgreSQL, {domain}",
                                 lambda d=domain, n=rows: ingest.run(n, d, args.postgres))
    for scale in scales:
        results += _measured(f"KPI reads, {scale / max(scales):g}×", lambda s=scale: kpi_reads.run(s / max(scales)))
    for scale in scales:
        results += _measured(f"map payloads, {scale}×", lambda s=scale: map_payloads.run(MAP_POINTS * s))
    results += _measured("browser", browser.run)
    results += _measured("city import", city_import.run)
    results += _measured("daily report", report_generation.run)
    if args.load_seconds and args.postgres and args.redis:
        for layout in ("production", "single"):
            results += _measured(f"load, {layout}", lambda lay=layout: load.run(
                lay, LOAD_DAYS, args.load_seconds, False, 0, args.postgres, args.redis))
    if args.coldstart_days:
        results += _measured("demo cold start", lambda: coldstart.run(args.coldstart_days))
    publish(results, time.perf_counter() - started)


if __name__ == "__main__":
    main()
