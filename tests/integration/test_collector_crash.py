"""Killing the collector process (SIGKILL) while it writes and restarting it loses nothing and duplicates nothing:
every table equals an uninterrupted pull's."""

from __future__ import annotations

import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from democity import DEMO_FEEDS, PROJECT_ROOT, empty_database_like, with_reference_data
from sqlalchemy import Engine, text
from tabledump import differences, dump

from collectors.runner import FeedRunner
from dashboard.db.migrate import upgrade

#: SIGKILLs per database: a few in `make test`, more in `make reliability`.
KILLS = int(os.environ.get("CITYOPS_CRASH_ITERATIONS", "4"))

#: Longest wait for the collector to be seen writing: its feeds run every :data:`INTERVAL_S` seconds.
WRITE_WAIT_S = 90

#: The feeds' interval in the killed collector (the demo city's 60–300 s would leave it idle between kills
#: once the backfill is in: a short interval keeps write transactions coming).
INTERVAL_S = 3


class _SqliteWriter:
    """Evidence that another process writes an SQLite database, from a probe connection of its own: ``"open"``
    while the database's write lock is taken (a write transaction is open), ``"committed"`` when
    ``PRAGMA data_version`` moved since the last look (another connection committed in between; a lock held for
    milliseconds can fall between two looks, a commit cannot), ``None`` otherwise."""

    def __init__(self, path: str) -> None:
        self.probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        self.version = self._data_version()

    def _data_version(self) -> int:
        return self.probe.execute("PRAGMA data_version").fetchone()[0]

    def __call__(self) -> str | None:
        try:
            self.probe.execute("BEGIN IMMEDIATE")
            self.probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return "open"
        version = self._data_version()
        moved, self.version = version != self.version, version
        return "committed" if moved else None

    def close(self) -> None:
        self.probe.close()


def _postgres_writer(engine: Engine) -> str | None:
    """The id of another session's open write transaction on PostgreSQL, or ``None``."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT backend_xid::text FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() LIMIT 1"
            )
        ).scalar()


#: After a commit is seen, how long to look for an open write transaction before killing anyway.
OPEN_WAIT_S = 2.0


def _kill_while_writing(process: subprocess.Popen, engine: Engine, after_s: float):
    """SIGKILL ``process`` at the first moment past ``after_s`` seconds when it is seen writing, and return the
    evidence: on PostgreSQL its open transaction's id; on SQLite ``"open"`` (killed while its write lock was
    held) or ``"committed"`` (a commit was seen, but no open transaction within :data:`OPEN_WAIT_S` after it)."""
    sqlite_writer = _SqliteWriter(engine.url.database) if engine.dialect.name == "sqlite" else None
    writer = sqlite_writer or (lambda: _postgres_writer(engine))
    began, committed_at = time.monotonic(), None
    try:
        while time.monotonic() - began < WRITE_WAIT_S:
            assert process.poll() is None, "the collector exited by itself"
            writing = writer()
            if time.monotonic() - began >= after_s:
                if writing == "committed" and committed_at is None:
                    committed_at = time.monotonic()
                elif writing not in (None, "committed") or (
                    committed_at is not None and time.monotonic() - committed_at >= OPEN_WAIT_S
                ):
                    process.kill()
                    process.wait(timeout=10)
                    return writing or "committed"
            time.sleep(0.002)  # polling the collector process's database writes
    finally:
        if sqlite_writer is not None:
            sqlite_writer.close()
    pytest.fail(f"the collector wrote nothing for {WRITE_WAIT_S} s")


def _aborted(engine: Engine, xid: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_xact_status(CAST(:xid AS xid8))"), {"xid": xid}).scalar() == "aborted"


def _feeds_every(seconds: int, path: Path) -> Path:
    """The demo city's feeds file with every feed's interval set to ``seconds``, written to ``path``."""
    path.write_text(re.sub(r"(?m)^interval_seconds = \d+$", f"interval_seconds = {seconds}", DEMO_FEEDS.read_text()))
    return path


def _start_collector(database_url: str, env: dict[str, str], log_path, feeds_file: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        **env,
        "CITYOPS_DATABASE_URL": database_url,
        "CITYOPS_FEEDS_FILE": str(feeds_file),
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
    feeds_file = _feeds_every(INTERVAL_S, tmp_path / "feeds.toml")
    rng = random.Random(8)
    evidence = []
    for _ in range(KILLS):
        process = _start_collector(url, env, tmp_path / "collector.log", feeds_file)
        evidence.append(_kill_while_writing(process, engine, rng.uniform(0.5, 4.0)))
    postgres = engine.dialect.name == "postgresql"
    rolled_back = [_aborted(engine, xid) for xid in evidence] if postgres else []
    _settle(FeedRunner(engine), killed_feeds)

    with empty_database_like(engine, tmp_path / "uninterrupted") as reference:
        upgrade(reference)
        with_reference_data(reference)
        _settle(FeedRunner(reference), city.feeds(clean_dir))
        uninterrupted = dump(reference, cursor_values=False)
    after_kills = dump(engine, cursor_values=False)
    how = (
        f"each while a write transaction was open ({sum(rolled_back)} of them seen rolled back by the server)"
        if postgres
        else f"{evidence.count('open')} while its write lock was held, {evidence.count('committed')} after a commit"
    )
    print(
        f"\ncollector killed {KILLS} times on {engine.dialect.name}, {how}"
        + f"; tables differing from an uninterrupted pull: {differences(after_kills, uninterrupted) or 'none'}"
    )
    assert len(evidence) == KILLS
    assert not postgres or any(rolled_back)
    assert differences(after_kills, uninterrupted) == {}
