"""Killing the collector process (SIGKILL) while it writes and restarting it loses nothing and duplicates nothing:
every table equals an uninterrupted pull's."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time

import pytest
from democity import DEMO_FEEDS, PROJECT_ROOT, empty_database_like, with_reference_data
from sqlalchemy import Engine, text
from tabledump import differences, dump

from collectors.runner import FeedRunner
from dashboard.db.migrate import upgrade

#: SIGKILLs per database: a few in `make test`, more in `make reliability`.
KILLS = int(os.environ.get("CITYOPS_CRASH_ITERATIONS", "4"))

#: Longest wait for the collector to be seen writing (a feed runs at least once a minute).
WRITE_WAIT_S = 90


def _writer(engine: Engine, wal_seen: list[int]):
    """Evidence that another process is writing: on PostgreSQL the id of its open transaction; on SQLite ``True``
    when the database's write lock is taken, or when the write-ahead log grew since the last look (the writer's
    pages going in; its lock is held for milliseconds, between which a poll can miss it); ``None`` otherwise.
    ``wal_seen`` keeps the log's size between looks."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT backend_xid::text FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() LIMIT 1"
                )
            ).scalar()
    wal = f"{engine.url.database}-wal"
    size = os.path.getsize(wal) if os.path.exists(wal) else 0
    grew, wal_seen[:] = bool(wal_seen) and size > wal_seen[0], [size]
    if grew:
        return True
    probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return None
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _kill_while_writing(process: subprocess.Popen, engine: Engine, after_s: float):
    """SIGKILL ``process`` at the first moment past ``after_s`` seconds when it is seen writing; returns the
    evidence (see :func:`_writer`)."""
    began, wal_seen = time.monotonic(), []
    while time.monotonic() - began < WRITE_WAIT_S:
        assert process.poll() is None, "the collector exited by itself"
        writing = _writer(engine, wal_seen) if time.monotonic() - began >= after_s else None
        if writing is not None:
            process.kill()
            process.wait(timeout=10)
            return writing
        time.sleep(0.005)  # polling the collector process's database writes
    pytest.fail(f"the collector wrote nothing for {WRITE_WAIT_S} s")


def _aborted(engine: Engine, xid: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_xact_status(CAST(:xid AS xid8))"), {"xid": xid}).scalar() == "aborted"


def _start_collector(database_url: str, env: dict[str, str], log_path) -> subprocess.Popen:
    environment = {
        **os.environ,
        **env,
        "CITYOPS_DATABASE_URL": database_url,
        "CITYOPS_FEEDS_FILE": str(DEMO_FEEDS),
        "CITYOPS_LOG_LEVEL": "WARNING",
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "dashboard", "collect"], cwd=PROJECT_ROOT, env=environment, stdout=log,
            stderr=subprocess.STDOUT,
        )


def _settle(runner: FeedRunner, feeds) -> None:
    """Run every feed until a pass brings nothing new (the collector catching up after restarts)."""
    for _ in range(5):
        results = [runner.run(feed) for feed in feeds]
        if all(r.status == "ok" and r.new == 0 and r.updated == 0 for r in results):
            return
    pytest.fail(f"feeds did not settle: {results}")


@pytest.mark.slow
def test_sigkill_mid_run_then_restart_equals_an_uninterrupted_pull(city, engine, tmp_path):
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"
    killed_feeds = city.feeds(killed_dir)
    with_reference_data(engine)
    url = engine.url.render_as_string(hide_password=False)
    env = {**city.env, "CITYOPS_HOTLINE_DROP_DIR": str(killed_dir / "hotline-inbox")}
    rng = random.Random(8)
    evidence = []
    for _ in range(KILLS):
        process = _start_collector(url, env, tmp_path / "collector.log")
        evidence.append(_kill_while_writing(process, engine, rng.uniform(0.5, 4.0)))
    rolled_back = [_aborted(engine, xid) for xid in evidence] if engine.dialect.name == "postgresql" else []
    _settle(FeedRunner(engine), killed_feeds)

    with empty_database_like(engine, tmp_path / "uninterrupted") as reference:
        upgrade(reference)
        with_reference_data(reference)
        _settle(FeedRunner(reference), city.feeds(clean_dir))
        uninterrupted = dump(reference, cursor_values=False)
    after_kills = dump(engine, cursor_values=False)
    print(
        f"\ncollector killed {KILLS} times on {engine.dialect.name}, each while a write transaction was open"
        + (f" ({sum(rolled_back)} of them seen rolled back by the server)" if rolled_back else "")
        + f"; tables differing from an uninterrupted pull: {differences(after_kills, uninterrupted) or 'none'}"
    )
    assert len(evidence) == KILLS
    assert not rolled_back or any(rolled_back)
    assert differences(after_kills, uninterrupted) == {}
