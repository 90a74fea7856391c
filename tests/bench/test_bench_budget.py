"""`make bench` is bounded by construction: each stage runs under a time limit in a process group of its own, and
the whole run under a budget. A stage past its limit is stopped with everything it started, a stage that fails or
cannot start in time is a row saying so, and a stage that finishes gives its figures."""

from __future__ import annotations

import os
import subprocess
import time

import bench.__main__ as bench_main
from bench.report import Result


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for a parent that does not reap it has stopped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _stops(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_stage_past_its_limit_is_stopped_with_the_processes_it_started(monkeypatch, tmp_path):
    monkeypatch.setitem(bench_main.STAGE_CAPS, "browser", 3)
    pid_file = tmp_path / "server.pid"

    def stage() -> Result:
        server = subprocess.Popen(["sleep", "600"])  # a server the stage starts and would stop at its end
        pid_file.write_text(str(server.pid))
        time.sleep(600)
        raise AssertionError("not reached")

    started = time.monotonic()
    (row,) = bench_main._measured("browser", stage, bench_main.Budget(10))
    assert time.monotonic() - started < 3 + 15 + 5  # the limit, then SIGTERM's grace at most
    assert row.met is False and row.detail.startswith("failed: stopped at its limit of 3 s")
    assert _stops(int(pid_file.read_text()))


def test_figures_of_a_stage_in_time_and_the_reason_of_one_that_fails():
    figure = Result(name="x", ratio=2.0, target="≥ 1×", met=True, detail="d")
    assert bench_main._measured("city import", lambda: figure, bench_main.Budget(10)) == [figure]

    def broken() -> Result:
        raise ValueError("no city")

    (row,) = bench_main._measured("city import", broken, bench_main.Budget(10))
    assert (row.met, row.detail) == (False, "failed: ValueError: no city")


def test_a_stage_is_not_started_once_the_budget_is_spent():
    budget = bench_main.Budget(0.5)  # 30 s, of which RESERVE_S (15) are kept: less than MIN_STAGE_S (20) left
    (row,) = bench_main._measured("demo cold start", lambda: None, budget)
    assert row.detail.startswith("not run: the run's 0.5-minute budget was spent")


def test_every_stage_kind_has_a_cap_and_the_default_budget_ends_within_15_minutes_with_venv():
    assert bench_main.Budget(14).deadline - time.monotonic() <= 14 * 60
    names = ["ingest, traffic, 1×", "KPI reads, 1×", "map payloads, 10×", "browser", "city import",
             "daily report", "load, production", "demo cold start"]
    assert all(any(name.startswith(kind) for kind in bench_main.STAGE_CAPS) for name in names)
