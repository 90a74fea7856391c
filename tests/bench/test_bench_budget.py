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


def _stamped(folder, name: str, seconds: float = 0.5):
    """A build that writes when it started and ended into ``folder``."""
    def build() -> None:
        (folder / f"{name}.start").write_text(repr(time.time()))
        time.sleep(seconds)
        (folder / f"{name}.end").write_text(repr(time.time()))

    return name, build


def _read(folder, name: str, mark: str) -> float:
    return float((folder / f"{name}.{mark}").read_text())


def test_builds_run_two_at_a_time_and_a_wave_after_the_one_before(tmp_path):
    waves = [[_stamped(tmp_path, "a"), _stamped(tmp_path, "b"), _stamped(tmp_path, "c")], [_stamped(tmp_path, "d")]]
    bench_main._build_all(waves, bench_main.Budget(10))
    assert _read(tmp_path, "b", "start") < _read(tmp_path, "a", "end")  # a and b side by side
    assert _read(tmp_path, "c", "start") >= min(_read(tmp_path, n, "end") for n in "ab")  # c waits for a place
    assert _read(tmp_path, "d", "start") >= max(_read(tmp_path, n, "end") for n in "abc")  # the next wave waits


def test_a_failing_build_leaves_the_others_and_one_past_the_limit_is_stopped(monkeypatch, tmp_path):
    def broken() -> None:
        raise ValueError("no disk")

    pid_file = tmp_path / "server.pid"

    def endless() -> None:
        pid_file.write_text(str(subprocess.Popen(["sleep", "600"]).pid))
        time.sleep(600)

    monkeypatch.setattr(bench_main, "BUILDS_CAP", 3)
    started = time.monotonic()
    bench_main._build_all([[("broken", broken), _stamped(tmp_path, "a")], [("endless", endless)]],
                          bench_main.Budget(10))
    assert (tmp_path / "a.end").exists()
    assert time.monotonic() - started < 3 + 15 + 5  # the limit, then SIGTERM's grace at most
    assert _stops(int(pid_file.read_text()))


def test_the_builds_make_what_every_stage_reads():
    first, second = bench_main._builds([0.1, 1.0], [1, 10])
    assert [name for name, _ in first] == ["the KPI year at 1×", "the KPI year at 0.1×", "the map's 100,000 points",
                                           "the map's 1,000,000 points"]
    assert [name for name, _ in second] == ["DuckDB's copy of the year at 0.1×", "DuckDB's copy of the year at 1×",
                                            "the browser's located copy of the year"]
