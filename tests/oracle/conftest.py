"""The cities the oracle is run on: the adversarial city and three days of the simulated demo city, each on
SQLite and (when CITYOPS_TEST_DATABASE_URL is set) on PostgreSQL; one build per city and database."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest

from collectors.runner import FeedRunner
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.conftest import _postgres_engine
from tests.integration.democity import FROZEN_AT, City, with_reference_data
from tests.oracle import adversarial_city, oracle, readback
from tests.simcity import running_city

DEMO_DAYS = 3
HERE = Path(__file__).parent


def _adversarial(engine, tmp_path_factory):
    adversarial_city.build(engine)
    return adversarial_city.NOW


def _demo(engine, tmp_path_factory):
    drop = tmp_path_factory.mktemp("hotline-drop")
    with running_city(drop, 20261121, DEMO_DAYS, FROZEN_AT) as sim:
        reach_back_days = (datetime.now(UTC) - FROZEN_AT) / timedelta(days=1) + DEMO_DAYS + 0.5
        env = {
            "CITYOPS_SIMULATOR_URL": sim.url,
            "CITYOPS_HOTLINE_DROP_DIR": str(drop),
            "CITYOPS_BACKFILL_DAYS": f"{reach_back_days:.3f}",
        }
        runner = FeedRunner(with_reference_data(engine))
        for feed in City(sim, env, drop).feeds(tmp_path_factory.mktemp("work")):
            more = True
            while more:  # a run stops at the feed's max_records_per_run; the scheduler runs it again at once
                result = runner.run(feed, now=FROZEN_AT)
                assert result.status == "ok", feed.name
                more = result.more
    return FROZEN_AT


def _sqlite(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('oracle') / 'city.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """The tests on one :func:`city` run on one worker (``--dist loadgroup``), so each city is built once."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "city" in callspec.params and item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.xdist_group(f"oracle-{callspec.params['city']}"))


@pytest.fixture(
    scope="session",
    params=[
        "adversarial",
        "demo",
        pytest.param("adversarial-postgresql", marks=pytest.mark.postgres),
        pytest.param("demo-postgresql", marks=pytest.mark.postgres),
    ],
)
def city(request, tmp_path_factory):
    """A city in a migrated database, its ``now``, and the oracle's reading of its facts."""
    name, _, dialect = request.param.partition("-")
    databases = _postgres_engine() if dialect else _sqlite(tmp_path_factory)
    engine = next(databases)
    try:
        now = {"adversarial": _adversarial, "demo": _demo}[name](engine, tmp_path_factory)
        yield engine, oracle.Facts.read(engine), now
    finally:
        databases.close()


@pytest.fixture
def page_client(city, tmp_path):
    """The Dash app over the city and a test client, the pages drawn at the city's ``now``."""
    engine, _, now = city
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    with ExitStack() as stack:
        for clock in readback.CLOCKS:
            stack.enter_context(mock.patch(clock, return_value=now))
        yield app, stack.enter_context(app.server.test_client())
