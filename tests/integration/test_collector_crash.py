"""Killing the collector process (SIGKILL) mid-run and restarting it loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from democity import DEMO_FEEDS, PROJECT_ROOT, snapshot, with_reference_data

from collectors.runner import FeedRunner
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade

#: SIGKILLs per database: a few in `make test`, more in `make reliability`.
KILLS = int(os.environ.get("CITYOPS_CRASH_ITERATIONS", "4"))


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
    for _ in range(KILLS):
        process = _start_collector(url, env, tmp_path / "collector.log")
        time.sleep(rng.uniform(2.0, 5.0))
        process.kill()
        process.wait(timeout=10)
    _settle(FeedRunner(engine), killed_feeds)

    reference = make_engine(f"sqlite:///{tmp_path / 'uninterrupted.db'}")
    upgrade(reference)
    with_reference_data(reference)
    _settle(FeedRunner(reference), city.feeds(clean_dir))

    after_kills, uninterrupted = snapshot(engine), snapshot(reference)
    print(f"\ncollector killed {KILLS} times on {engine.dialect.name}: every table equals an uninterrupted pull")
    for table in after_kills:
        if table == "feed_cursor":
            assert {r[:2] for r in after_kills[table]} == {r[:2] for r in uninterrupted[table]}
        else:
            assert after_kills[table] == uninterrupted[table], table
