"""The web app over an SQLite database that has gone (its file replaced by a folder): every page answers with
its database banner, the API and readiness with a clean 503 — the quick, server-less twin of
test_postgres_restart.py."""

from __future__ import annotations

import threading
import time

import pytest
from databasedown import check_signed_in_while_down, check_web_app_while_down

from collectors.config import FeedConfig
from collectors.runner import FeedRunner
from dashboard.auth import store
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from dashboard.web.app import create_app


@pytest.mark.reliability
def test_pages_and_api_answer_cleanly_when_the_database_is_gone(tmp_path):
    path = tmp_path / "cityops.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    token = store.create_token(engine, "ops-kiosk", "wall")
    engine.dispose()
    app = create_app(make_engine(url), Settings(database_url=url, var_dir=tmp_path, auth_mode="open"))
    signed = create_app(
        make_engine(url), Settings(database_url=url, var_dir=tmp_path, auth_mode="login", secret_key="k" * 40)
    )
    for name in ("cityops.db", "cityops.db-wal", "cityops.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    path.mkdir()  # no database can be opened there
    answers = check_web_app_while_down(app)
    check_signed_in_while_down(signed, token)
    print("\ndatabase gone: " + ", ".join(f"{k} {v}" for k, v in answers.items()))


@pytest.mark.reliability
def test_the_collector_waits_for_a_database_that_is_not_up_yet(tmp_path, caplog):
    """``python -m dashboard collect`` may start before its database: it retries, then mirrors its feeds."""
    path = tmp_path / "cityops.db"
    path.mkdir()  # not up yet
    feeds = [FeedConfig(name="air", domain="sensors", protocol="ngsi", url="http://up.test/ngsi/v2",
                        options={"entity_type": "AirQualityObserved"})]

    def database_comes_up():
        # up once the collector has failed to reach it and is waiting to retry
        deadline = time.monotonic() + 60
        while not any("Retrying" in r.message for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
        path.rmdir()
        upgrade(make_engine(f"sqlite:///{path}"))

    threading.Thread(target=database_comes_up).start()
    engine = make_engine(f"sqlite:///{path}")
    FeedRunner(engine).mirror(feeds)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM feed").scalars().all() == ["air"]
    assert any("Retrying" in r.message and "OperationalError" in r.message for r in caplog.records)
