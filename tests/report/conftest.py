"""The simulated demo city the report tests read: three days collected from the simulator over its real
protocols at a frozen time, with the feed configuration mirrored as the collector process does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collectors.runner import FeedRunner
from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from tests.integration.democity import FROZEN_AT, City, with_reference_data
from tests.oracle import oracle
from tests.simcity import running_city

TZ = "Asia/Shanghai"
DAYS = 3


def collect(engine, tmp_path_factory, stop_at: dict[str, datetime] | None = None) -> list:
    """Collect every demo feed once at FROZEN_AT; the feed configurations. A feed in ``stop_at`` runs at its
    time instead, then fails on its next run an hour later (its upstream unreachable) and never runs again."""
    drop = tmp_path_factory.mktemp("hotline-drop")
    with running_city(drop, 20261121, DAYS, FROZEN_AT) as sim, clock.set_to(FROZEN_AT):
        reach_back_days = (datetime.now(UTC) - FROZEN_AT) / timedelta(days=1) + DAYS + 0.5
        env = {
            "CITYOPS_SIMULATOR_URL": sim.url,
            "CITYOPS_HOTLINE_DROP_DIR": str(drop),
            "CITYOPS_BACKFILL_DAYS": f"{reach_back_days:.3f}",
        }
        runner = FeedRunner(with_reference_data(engine))
        feeds = City(sim, env, drop).feeds(tmp_path_factory.mktemp("work"))
        runner.mirror(feeds)
        for feed in feeds:
            if feed.name not in (stop_at or {}):
                assert runner.run(feed, now=FROZEN_AT).status == "ok", feed.name
                continue
            with clock.set_to(stop_at[feed.name]):
                assert runner.run(feed, now=stop_at[feed.name]).status == "ok", feed.name
            later = stop_at[feed.name] + timedelta(hours=1)
            dead = feed.model_copy(update={"url": "http://127.0.0.1:9/ngsi/v2", "max_retries": 0})
            with clock.set_to(later):
                assert runner.run(dead, now=later).status != "ok", feed.name
    return feeds


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """The tests on :func:`demo_city` run on one worker (``--dist loadgroup``), so the city is collected once."""
    for item in items:
        if "demo_city" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("report-demo-city"))


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory):
    """(engine, the oracle's reading of the facts, settings) of the demo city."""
    folder = tmp_path_factory.mktemp("report-city")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    collect(engine, tmp_path_factory)
    settings = Settings(var_dir=folder, database_url=str(engine.url), auth_mode="open", city_timezone=TZ,
                        report_languages=["zh"], report_formats=["html"])
    yield engine, oracle.Facts.read(engine), settings
    engine.dispose()
