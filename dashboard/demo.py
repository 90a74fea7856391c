"""The demo city in one process: simulated upstream systems, collectors and the web app.

It is the same code path a real city uses — the collectors pull the simulator over HTTP on loopback
with the feed configuration in ``data/feeds/demo.toml`` — only all parts share one process and an SQLite
database under the demo's var directory.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.geo.reference import load_reference_data
from dashboard.settings import Settings

log = logging.getLogger(__name__)

DEMO_SEED = 20261121


@dataclass
class DemoCity:
    """The running parts of a demo: stop() shuts them down in order."""

    engine: Engine
    simulator: object
    scheduler: object

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
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


def start_demo(settings: Settings, days: float, seed: int = DEMO_SEED) -> DemoCity:
    """Start the simulator and the collectors (in background threads) against a prepared database."""
    from collectors.config import load_feeds
    from collectors.runner import FeedRunner
    from collectors.scheduler import build_scheduler
    from simulator import SimulatorConfig, start

    engine = prepare_database(settings)
    drop_dir = (settings.var_dir / "drop" / "hotline").resolve()
    drop_dir.mkdir(parents=True, exist_ok=True)
    simulator = start(
        SimulatorConfig(seed=seed, history_days=days, host="127.0.0.1", port=0, drop_dir=drop_dir,
                        data_dir=settings.city_data_dir)
    )
    os.environ["CITYOPS_SIMULATOR_URL"] = simulator.url
    os.environ["CITYOPS_HOTLINE_DROP_DIR"] = str(drop_dir)
    os.environ["CITYOPS_BACKFILL_DAYS"] = str(days)
    feeds = load_feeds(settings.feeds_file)
    runner = FeedRunner(engine)
    runner.mirror(feeds)
    scheduler = build_scheduler(runner, feeds, blocking=False)
    scheduler.start()
    return DemoCity(engine=engine, simulator=simulator, scheduler=scheduler)


def var_dir_settings(settings: Settings, var_dir: Path | None) -> Settings:
    """Settings whose state (and default SQLite database) live in ``var_dir``."""
    if var_dir is None:
        return settings
    return settings.model_copy(update={"var_dir": var_dir})
