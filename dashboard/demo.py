"""The demo city: simulated upstream systems in a child process, a collector process per feed, the web app
in this one.

It is the same code path a real city uses — the collectors pull the simulator over HTTP on loopback with the
feed configuration in ``data/feeds/demo.toml``, each feed in a ``python -m dashboard collect --feeds NAME``
process as a deployment runs them — on an SQLite database under the demo's var directory. Every part has an
interpreter of its own: backfilling 30 days is bound by the slowest feed's own work, not by feeds and pages
taking turns at one interpreter lock (the traffic feed, the largest, caught up in about 48 s instead of 62 s).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.geo.reference import load_reference_data
from dashboard.settings import Settings

if TYPE_CHECKING:
    from collectors.config import FeedConfig

log = logging.getLogger(__name__)

DEMO_SEED = 20261121


@dataclass
class DemoCity:
    """The running parts of a demo: stop() shuts them down in order."""

    engine: Engine
    simulator: ChildProcess
    collectors: list[ChildProcess]

    def stop(self) -> None:
        for collector in self.collectors:
            collector.stop()
        self.simulator.stop()
        self.engine.dispose()


def prepare_database(settings: Settings) -> Engine:
    """Migrate the database and load the city's reference data."""
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    with engine.begin() as conn:
        added = load_reference_data(conn, settings.city_data_dir)
    if any(added.values()):
        log.info("reference data loaded: %s", ", ".join(f"{k} {v}" for k, v in added.items() if v))
    return engine


@dataclass
class ChildProcess:
    """A child process of the demo (the simulator, with the URL it serves; a collector)."""

    process: subprocess.Popen
    url: str = ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when the demo process dies, however it dies (Linux only)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_simulator(days: float, seed: int, drop_dir: Path, data_dir: Path) -> ChildProcess:
    """Start the simulator on a free loopback port and wait until it has generated its history and serves."""
    command = [sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", "0", "--days", f"{days:g}",
               "--seed", str(seed), "--drop-dir", str(drop_dir), "--data-dir", str(Path(data_dir).resolve())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
    first_line = process.stdout.readline() if process.stdout else ""
    if not first_line.startswith("simulated city at "):
        process.kill()
        raise RuntimeError(f"the simulator did not start (exit code {process.wait()}): {first_line.strip()}")
    log.info("%s", first_line.strip())
    return ChildProcess(process, first_line.split()[3])


def collector_commands(feeds: list[FeedConfig]) -> list[list[str]]:
    """The collector processes of the demo: one per enabled feed; one for the housekeeping alone (alerts,
    reports) when no feed is enabled."""
    enabled = [feed.name for feed in feeds if feed.enabled]
    base = [sys.executable, "-m", "dashboard", "collect"]
    return [[*base, "--feeds", name] for name in enabled] or [[*base, "--feeds", ""]]


def start_collectors(settings: Settings, feeds: list[FeedConfig], environment: dict[str, str]) -> list[ChildProcess]:
    """Start :func:`collector_commands` on the demo's database (their log on this process's stderr)."""
    environment = {**environment, "CITYOPS_VAR_DIR": str(settings.var_dir.resolve()),
                   "CITYOPS_DATABASE_URL": settings.resolved_database_url,
                   "CITYOPS_FEEDS_FILE": str(Path(settings.feeds_file).resolve())}
    return [
        ChildProcess(subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                                      preexec_fn=_die_with_parent))
        for command in collector_commands(feeds)
    ]


def start_demo(settings: Settings, days: float, seed: int = DEMO_SEED) -> DemoCity:
    """Start the simulator and the collectors (child processes) on a prepared database."""
    from collectors.config import load_feeds
    from collectors.runner import FeedRunner

    engine = prepare_database(settings)
    drop_dir = (settings.var_dir / "drop" / "hotline").resolve()
    drop_dir.mkdir(parents=True, exist_ok=True)
    simulator = start_simulator(days, seed, drop_dir, settings.city_data_dir)
    os.environ["CITYOPS_SIMULATOR_URL"] = simulator.url
    os.environ["CITYOPS_HOTLINE_DROP_DIR"] = str(drop_dir)
    os.environ["CITYOPS_BACKFILL_DAYS"] = str(days)
    try:
        feeds = load_feeds(settings.feeds_file)
        FeedRunner(engine, timezone=settings.city_timezone).mirror(feeds)  # the feeds page lists them at once
        collectors = start_collectors(settings, feeds, dict(os.environ))
    except BaseException:
        simulator.stop()
        raise
    return DemoCity(engine=engine, simulator=simulator, collectors=collectors)


def var_dir_settings(settings: Settings, var_dir: Path | None) -> Settings:
    """Settings whose state (and default SQLite database) live in ``var_dir``."""
    if var_dir is None:
        return settings
    return settings.model_copy(update={"var_dir": var_dir})
