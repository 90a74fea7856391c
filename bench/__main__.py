"""``python -m bench [--rows N] [--coldstart-days D]``: run the benchmarks, print the table, append it to
bench/results.md."""

from __future__ import annotations

import argparse

from bench import coldstart, ingest, kpi_reads
from bench.report import publish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the ingest benchmark at 1×")
    parser.add_argument("--scales", default="1,3", help="data scales to run, e.g. 1,3,10")
    parser.add_argument("--coldstart-days", type=float, default=30, help="history of the demo cold start (0: skip it)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    coldstart_result = [coldstart.run(args.coldstart_days)] if args.coldstart_days else []
    publish([*(ingest.run(args.rows * scale) for scale in scales), *kpi_reads.run(), *coldstart_result])


if __name__ == "__main__":
    main()
