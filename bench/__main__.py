"""``python -m bench``: run the benchmarks, print the table, append it to bench/results.md.

Every figure is a ratio against a baseline measured in the same run. Ingest and map payloads run at each of
``--scales`` (the growth of their cost with the data: 1× and 10× by default); KPI reads at each of ``--kpi-scales``
(fractions of the year of the 3-million-people city: by default the whole city, where the targets are;
``--kpi-scales 0.1,0.3,1`` adds the curve, which does not fit in ``make bench``'s 15 minutes with the databases
built from scratch). PostgreSQL ingest runs when ``--postgres`` (default: ``CITYOPS_TEST_DATABASE_URL``) names a
server. KPI reads are timed against two baselines computing the same numbers from the facts: a fair SQLite
baseline and DuckDB on a copy of the facts. The browser benchmark runs on the whole city's year with points on
the complaints. The daily report is generated from the year. The short version of the load benchmark (the target
mix for ``--load-seconds`` on the production layout, no knee; ``make load`` runs the full one on both layouts)
runs when ``--postgres`` and ``--redis`` name servers. A benchmark that fails is a row saying why; the others
still run and are published.

The run is bounded by construction: every stage runs in a child process of its own (its own process group, so the
servers it starts go with it) under a time limit — its cap (:data:`STAGE_CAPS`) or what is left of the whole
run's budget (``--budget-minutes``, default 13.5, so that ``make bench`` from a fresh clone, with the minute or
so of creating ``.venv``, ends within 15 minutes), whichever is less. A stage stopped at its limit, or not started
because the budget is spent, is a row saying so, and the table is published all the same.

Before the stages, the databases they read are built (:func:`_build_all`), two at a time: building is not timed,
so it may take both of the machine's cores, where a stage building its own would take one.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import os
import signal
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


#: Longest time of each kind of stage (seconds), at the default scales on 2 cores with room for a loaded machine.
STAGE_CAPS = {
    "ingest": 120,
    "KPI reads": 420,
    "map payloads": 150,
    "browser": 300,
    "city import": 90,
    "daily report": 120,
    "load": 210,
    "demo cold start": 240,
}
#: Seconds kept at the end of the budget for publishing the table.
RESERVE_S = 15
#: A stage is not started with less than this left of the budget.
MIN_STAGE_S = 20


class Budget:
    """The whole run's time: what is left of it, and the limit of the next stage."""

    def __init__(self, minutes: float) -> None:
        self.deadline = time.monotonic() + minutes * 60 - RESERVE_S
        self.minutes = minutes

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def limit(self, name: str) -> float:
        cap = next((seconds for kind, seconds in STAGE_CAPS.items() if name.startswith(kind)), max(STAGE_CAPS.values()))
        return min(cap, self.left())


def _child(measure: Callable[[], Result | list[Result]], send) -> None:
    """Run one stage in a process group of its own; SIGTERM unwinds it (its servers stop in their finally blocks)."""
    os.setsid()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        send.send(("ok", measure()))
    except BaseException as exc:  # noqa: BLE001 — a broken benchmark must not lose the others' figures
        traceback.print_exc()
        send.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def _stop(process) -> None:
    """Stop a stage and every process it started: SIGTERM to its group, SIGKILL after 15 s."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        process.join(wait)
        if not process.is_alive():
            try:
                os.killpg(process.pid, signal.SIGKILL)  # what it started and left behind
            except ProcessLookupError:
                pass
            return


def _measured(name: str, measure: Callable[[], Result | list[Result]], budget: Budget) -> list[Result]:
    """The results of ``measure``, run under the stage's time limit, or one row saying why there are none (its
    duration printed either way)."""
    limit = budget.limit(name)
    if budget.left() < MIN_STAGE_S:
        print(f"bench: {name} not run: the {budget.minutes:g}-minute budget is spent", file=sys.stderr, flush=True)
        return [Result(name=name, ratio=0.0, target="—", met=False,
                       detail=f"not run: the run's {budget.minutes:g}-minute budget was spent before it")]
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(measure, send), name=f"bench {name}")
    process.start()
    send.close()
    outcome = receive.recv() if receive.poll(limit) else None
    if outcome is None:
        _stop(process)
        detail = f"failed: stopped at its limit of {limit:.0f} s (stage cap or what was left of the budget)"
    else:
        process.join(30)
        if process.is_alive():
            _stop(process)
    print(f"bench: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    if outcome is not None and outcome[0] == "ok":
        result = outcome[1]
        return result if isinstance(result, list) else [result]
    if outcome is not None:
        detail = f"failed: {outcome[1]}"
    return [Result(name=name, ratio=0.0, target="—", met=False, detail=detail)]


#: Databases built at once before the stages (building is not timed, so it may take both cores).
BUILD_WORKERS = 2
#: Longest time the builds may take before the stages (seconds); a stage whose database is then missing builds it
#: itself, within its own cap.
BUILDS_CAP = 540


def _builds(kpi_fractions: list[float], map_scales: list[int]) -> list[list[tuple[str, Callable[[], object]]]]:
    """What the stages read, in two waves: the years of the KPI reads (the browser's whole city among them) and the
    map payloads' points; then what is made from a year (its DuckDB copy, the browser's located copy)."""
    years = sorted({*kpi_fractions, 1.0}, reverse=True)  # the longest first
    first = [(f"the KPI year at {f:g}×", lambda f=f: kpi_reads.build(kpi_reads.year_path(f), kpi_reads.Size.of(f)))
             for f in years]
    first += [(f"the map's {MAP_POINTS * s:,} points", lambda s=s: map_payloads.database(MAP_POINTS * s))
              for s in map_scales]
    second = [
        (f"DuckDB's copy of the year at {f:g}×", lambda f=f: kpi_reads.peer_copy(kpi_reads.year_path(f))[0].close())
        for f in kpi_fractions
    ]
    second.append(("the browser's located copy of the year", lambda: browser.located(kpi_reads.year_path(1))))
    return [first, second]


def _build_child(build: Callable[[], object]) -> None:
    """Run one build in a process group of its own (stopped as a stage is); its exit code says whether it failed."""
    os.setsid()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        build()
    except BaseException:  # noqa: BLE001 — the stage that reads the database builds it again and says why it fails
        traceback.print_exc()
        sys.exit(1)


def _build_all(waves: list[list[tuple[str, Callable[[], object]]]], budget: Budget) -> None:
    """Run each wave of builds, :data:`BUILD_WORKERS` at a time, within :data:`BUILDS_CAP` and the budget; a build
    that fails or is stopped leaves its database to the stage that reads it."""
    started = time.perf_counter()
    deadline = time.monotonic() + min(BUILDS_CAP, budget.left() - MIN_STAGE_S)
    context = multiprocessing.get_context("fork")
    for wave in waves:
        pending, running = list(wave), {}
        while pending or running:
            while pending and len(running) < BUILD_WORKERS:
                name, build = pending.pop(0)
                process = context.Process(target=_build_child, args=(build,), name=f"bench build: {name}")
                process.start()
                running[process.sentinel] = (name, process, time.perf_counter())
            ready = multiprocessing.connection.wait(list(running), timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                for name, process, _ in running.values():
                    _stop(process)
                    print(f"bench: building {name} stopped at the builds' limit", file=sys.stderr, flush=True)
                return
            for sentinel in ready:
                name, process, began = running.pop(sentinel)
                process.join()
                outcome = "took" if process.exitcode == 0 else f"failed (exit code {process.exitcode}) after"
                print(f"bench: building {name} {outcome} {time.perf_counter() - began:.0f} s", file=sys.stderr,
                      flush=True)
    print(f"bench: the databases were built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10", help="data scales of ingest and map payloads, e.g. 1,3,10")
    parser.add_argument("--kpi-scales", default="1",
                        help="scales of the city for the KPI reads, e.g. 0.1,0.3,1 for the curve (default: the "
                        "whole city, where the targets are)")
    parser.add_argument("--postgres", default=os.environ.get("CITYOPS_TEST_DATABASE_URL"),
                        help="PostgreSQL server URL for the ingest-vs-COPY figures (default: none)")
    parser.add_argument("--redis", default=os.environ.get("CITYOPS_TEST_REDIS_URL"),
                        help="Redis server URL for the production layout of the load benchmark (default: none)")
    parser.add_argument("--coldstart-days", type=float, default=30, help="history of the demo cold start (0: skip it)")
    parser.add_argument("--load-seconds", type=int, default=30, help="duration of the short load run (0: skip it)")
    parser.add_argument("--load-layouts", default="production",
                        help="layouts of the short load run (production, single or both; `make load` runs both)")
    parser.add_argument("--budget-minutes", type=float, default=13.5,
                        help="the whole run's time limit (default 13.5: with .venv, `make bench` ends within 15 min)")
    args = parser.parse_args()
    started = time.perf_counter()
    budget = Budget(args.budget_minutes)
    scales = [int(s) for s in args.scales.split(",")]
    stages: list[tuple[str, Callable[[], Result | list[Result]]]] = []
    for domain, rows in INGEST_ROWS.items():
        for scale in scales:
            stages.append((f"ingest, {domain}, {scale}×", lambda d=domain, n=rows * scale: ingest.run(n, d)))
        if args.postgres:
            stages.append((f"ingest, PostgreSQL, {domain}", lambda d=domain, n=rows: ingest.run(n, d, args.postgres)))
    for fraction in (float(s) for s in args.kpi_scales.split(",")):
        stages.append((f"KPI reads, {fraction:g}×", lambda f=fraction: kpi_reads.run(f)))
    for scale in scales:
        stages.append((f"map payloads, {scale}×", lambda s=scale: map_payloads.run(MAP_POINTS * s)))
    stages += [("browser", browser.run), ("city import", city_import.run),
               ("daily report", report_generation.run)]
    if args.load_seconds and args.postgres and args.redis:
        for layout in args.load_layouts.split(","):
            stages.append((f"load, {layout}", lambda lay=layout: load.run(
                lay, LOAD_DAYS, args.load_seconds, False, 0, args.postgres, args.redis)))
    if args.coldstart_days:
        stages.append(("demo cold start", lambda: coldstart.run(args.coldstart_days)))
    _build_all(_builds([float(s) for s in args.kpi_scales.split(",")], scales), budget)
    results: list[Result] = []
    for name, measure in stages:
        results += _measured(name, measure, budget)
    publish(results, time.perf_counter() - started)


if __name__ == "__main__":
    main()
