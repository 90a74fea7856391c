"""Collectors sharded by feed across processes on one PostgreSQL database: two real ``collect`` processes against
the simulated city. Every feed runs, and each is run by one process only — also when both processes are
misconfigured to the same shard, where the feed leases (advisory locks) decide."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from democity import DEMO_FEEDS, PROJECT_ROOT, with_reference_data
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dashboard.db.feedops import FeedLeases

pytestmark = pytest.mark.postgres

#: Longest wait for every feed to have run once (the demo feeds backfill one day of the city).
RUN_WAIT_S = 180

#: The advisory-lock class of the feed leases, written out here rather than imported.
LEASE_CLASS = 12677365


def _lock_object(name: str) -> int:
    """pg_locks.objid of a lease: the first four bytes of SHA-256 of its name, as PostgreSQL's unsigned oid."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def _start(engine: Engine, label: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    url = engine.url.update_query_dict({"application_name": label}).render_as_string(hide_password=False)
    environment = {
        **os.environ, **env, "CITYOPS_DATABASE_URL": url, "CITYOPS_FEEDS_FILE": str(DEMO_FEEDS),
        "CITYOPS_LOG_LEVEL": "WARNING",
    }
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "dashboard", "collect", *args], cwd=PROJECT_ROOT,
                                env=environment, stdout=out, stderr=subprocess.STDOUT)


def _announced(log: Path) -> list[str]:
    """The feeds a collector process said it runs (its first line)."""
    for _ in range(600):
        match = re.search(r"^collecting \d+ feeds from .*: (.*)$", log.read_text(), re.MULTILINE)
        if match:
            return [] if match.group(1) == "none" else match.group(1).split(", ")
        time.sleep(0.1)
    pytest.fail(f"the collector did not start: {log.read_text()}")


def _wait_for_runs(engine: Engine, feeds: set[str]) -> dict[str, str]:
    """Wait until every feed has a run recorded; returns each feed's last status."""
    deadline = time.monotonic() + RUN_WAIT_S
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            states = dict(conn.execute(text("SELECT feed, last_status FROM feed_state")).all())
        if feeds <= set(states):
            return states
        time.sleep(1)
    pytest.fail(f"feeds never run within {RUN_WAIT_S} s: {sorted(feeds - set(states))}")


def _lease_holders(engine: Engine, names: list[str]) -> dict[str, list[str]]:
    """For each feed, the application names of the sessions holding its lease, read from pg_locks."""
    objects = {_lock_object(name): name for name in names}
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT l.objid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :cls AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        ), {"cls": LEASE_CLASS}).all()
    holders: dict[str, list[str]] = {name: [] for name in names}
    for objid, application in rows:
        if int(objid) in objects:
            holders[objects[int(objid)]].append(application)
    return holders


def _refused(feed: str, log: str) -> bool:
    return f"feed {feed}: leased by another collector process" in log


def _wait_for_refusals(logs: list[Path], names: list[str]) -> None:
    """Until every feed was refused to one of the processes (each asks for every feed when it starts; a process
    slow to start asks later), or a minute has passed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        texts = [log.read_text() for log in logs]
        if all(any(_refused(feed, text) for text in texts) for feed in names):
            return
        time.sleep(0.5)


def _overlapping_runs(engine: Engine) -> list[tuple]:
    """Pairs of runs of one feed whose times overlap (a feed run twice at once)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT a.feed, a.id, b.id FROM feed_run a JOIN feed_run b ON a.feed = b.feed AND a.id < b.id "
            "AND a.started_at < b.finished_at AND b.started_at < a.finished_at"
        )).all()


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run_two(city, engine: Engine, tmp_path: Path, arguments):
    """Two collector processes, ``a`` and ``b``, with the command-line arguments ``arguments(feed names)``."""
    with_reference_data(engine)
    names = [feed.name for feed in city.feeds(tmp_path) if feed.enabled]
    args = arguments(names)
    env = {**city.env, "CITYOPS_HOTLINE_DROP_DIR": str(tmp_path / "hotline-inbox")}
    logs = [tmp_path / "collector-a.log", tmp_path / "collector-b.log"]
    processes = [_start(engine, label, arg, env, log) for label, arg, log in zip(("a", "b"), args, logs, strict=True)]
    try:
        announced = [_announced(log) for log in logs]
        states = _wait_for_runs(engine, set(names))
        holders = _lease_holders(engine, names)
        if announced[0] == announced[1]:  # both run every feed: wait until each has been asked for by both
            _wait_for_refusals(logs, names)
    finally:
        _stop(processes)
    return names, announced, states, holders, [log.read_text() for log in logs]


def test_two_shards_run_every_feed_once_between_them(city, postgres_engine, tmp_path):
    names, announced, states, holders, logs = _run_two(
        city, postgres_engine, tmp_path, lambda names: (["--shard", "1/2"], ["--shard", "2/2"])
    )
    print(f"\nshard 1/2 runs {announced[0]}; shard 2/2 runs {announced[1]}; lease holders {holders}")
    assert sorted(announced[0] + announced[1]) == sorted(names)  # every feed in exactly one shard
    assert announced[0] and announced[1]  # the demo's six feeds do not all hash to one shard
    assert {feed: states[feed] for feed in names} == dict.fromkeys(names, "ok")
    for feed in names:
        assert holders[feed] == ["a" if feed in announced[0] else "b"], feed
    assert _overlapping_runs(postgres_engine) == []
    # Two feeds of one domain store at once from two processes; neither run fails (their rollup refreshes of a
    # shared hour used to collide: a unique violation, the run retried an interval later).
    assert [line for log in logs for line in log.splitlines() if " ERROR " in line] == []


def test_two_processes_on_the_same_shard_never_run_a_feed_twice(city, postgres_engine, tmp_path):
    names, announced, states, holders, logs = _run_two(
        city, postgres_engine, tmp_path, lambda names: (["--shard", "1/1"], ["--feeds", ",".join(names)])
    )
    print(f"\nboth processes configured with {announced[0]}; lease holders {holders}")
    assert announced[0] == announced[1] == names
    assert {feed: states[feed] for feed in names} == dict.fromkeys(names, "ok")
    for feed in names:
        assert len(holders[feed]) == 1, (feed, holders[feed])  # one process holds each feed
    for feed in names:  # both processes asked for every feed at start; the one not holding it was refused
        refused = [label for label, log in zip("ab", logs, strict=True) if _refused(feed, log)]
        assert refused == ["b" if holders[feed] == ["a"] else "a"], (feed, refused, logs)
    assert _overlapping_runs(postgres_engine) == []


def test_a_lease_passes_to_the_other_process_only_when_its_holder_is_gone(postgres_engine):
    first, second = FeedLeases(postgres_engine, hold=True), FeedLeases(postgres_engine, hold=True)
    try:
        with first.lease("traffic-ngsi") as granted:
            assert granted
        with second.lease("traffic-ngsi") as granted:
            assert not granted  # kept by the first after its run
        with second.lease("air-ngsi") as granted:
            assert granted  # another feed is free
        admin = create_engine(make_url(postgres_engine.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # the first process dies: the server ends its session
            # this database's lock only: other tests' collectors hold the same feed's lock in their databases
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = :cls "
                "AND objid = :obj AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ), {"cls": LEASE_CLASS, "obj": _lock_object("traffic-ngsi")})
        admin.dispose()
        for _ in range(50):
            with second.lease("traffic-ngsi") as granted:
                if granted:
                    break
            time.sleep(0.1)
        assert granted
        with first.lease("traffic-ngsi") as granted:
            assert not granted  # the first, reconnected, finds it taken
    finally:
        first.close()
        second.close()


def _sessions(engine: Engine) -> int:
    """Sessions on the test's database other than the asking one."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).scalar()


def test_a_lease_for_one_run_is_released_after_it(postgres_engine):
    first, second = FeedLeases(postgres_engine), FeedLeases(postgres_engine)
    postgres_engine.dispose()
    try:
        with first.lease("halls-queue") as granted:
            assert granted
            with second.lease("halls-queue") as refused:
                assert not refused  # while the run lasts
        with second.lease("halls-queue") as granted:
            assert granted
        postgres_engine.dispose()
        assert _sessions(postgres_engine) == 0  # no connection kept between runs
    finally:
        first.close()
        second.close()
