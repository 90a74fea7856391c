"""A live CityOps server over the synthetic city, and a headless Chromium (skipped when unavailable)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from tests.dashboard.synthetic_city import populate
from tests.e2e.city import enrich

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    """The long browser tests (the wall soak) first: the other tests then run beside them, not after them."""
    items.sort(key=lambda item: not ("e2e" in item.keywords and item.get_closest_marker("slow")))


@pytest.fixture(scope="session")
def city_moment() -> datetime:
    """The moment the synthetic city of :func:`live_url` is built as of; the app's clock stands there while a
    test browses it, so its data never turns stale however long the session takes. Now, unless
    ``CITYOPS_TEST_CITY_MOMENT`` (ISO 8601 with its offset) names another: a moment to reproduce a run at, such
    as just after the city's midnight."""
    named = os.environ.get("CITYOPS_TEST_CITY_MOMENT")
    return datetime.fromisoformat(named).astimezone(UTC) if named else datetime.now(UTC)


@pytest.fixture(autouse=True)
def _clock_at_the_city(request) -> Iterator[None]:
    """For the tests on :func:`live_url` (served by a thread of this process): the app's clock at the city's
    moment."""
    if "live_url" not in request.fixturenames:
        yield
        return
    with clock.set_to(request.getfixturevalue("city_moment")):
        yield


@pytest.fixture(scope="session")
def live_engine(tmp_path_factory, city_moment) -> Iterator[Engine]:
    """The database of :func:`live_url`: a fresh synthetic city as of :func:`city_moment` (the oracle reads it)."""
    folder = tmp_path_factory.mktemp("e2e-db")
    engine = make_engine(f"sqlite:///{folder / 'cityops.db'}")
    upgrade(engine)
    populate(engine, city_moment, background=True)
    enrich(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def live_url(tmp_path_factory, live_engine) -> Iterator[str]:
    """Base URL of the app (waitress in a thread) over :func:`live_engine`."""
    from waitress import create_server

    from dashboard.web.app import create_app

    folder = tmp_path_factory.mktemp("e2e")
    engine = live_engine
    app = create_app(engine, Settings(var_dir=folder, refresh_seconds=30, auth_mode="open"))
    server = create_server(app.server, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context per worker: its pages share the HTTP cache and compiled scripts."""
    context = browser.new_context(accept_downloads=True)
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
