"""PostgreSQL stopped (``pg_ctl stop -m immediate``) and restarted while the collector process ingests.

A private PostgreSQL 15 cluster of its own (never the shared server), the simulated city on loopback and
``python -m dashboard collect`` pulling from it. While the database is down the collector keeps running and
says so once per feed, the web app answers every page with its database banner and the API with a clean 503,
and ``/readyz`` says not ready. Once it is back, the feeds catch up: every record the city served is stored
exactly once or quarantined, and the cursors agree with the runs.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from databasedown import check_signed_in_while_down, check_web_app_while_down
from privatepg import ClusterUnavailable, PrivateCluster
from simcity import running_city
from sqlalchemy import func, select

from collectors.config import load_feeds
from dashboard.auth import store
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import FeedCursor, FeedRun
from dashboard.db.reconcile import reconcile, served_by_simulator
from dashboard.geo.reference import load_reference_data
from dashboard.settings import Settings
from dashboard.web.app import create_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_FEEDS = PROJECT_ROOT / "data" / "feeds" / "demo.toml"
FROZEN_AT = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)
#: Database outages during the ingest: one in `make test`, more in `make reliability` (with more history).
CYCLES = int(os.environ.get("CITYOPS_PG_RESTART_CYCLES", "1"))
OUTAGE_SECONDS = float(os.environ.get("CITYOPS_PG_OUTAGE_SECONDS", "4"))
HISTORY_HOURS = float(os.environ.get("CITYOPS_RELIABILITY_HOURS", "12"))
#: Feeds poll this often here (the demo's minutes would make the catch-up wait minutes).
INTERVAL_SECONDS = 2
#: What the collector logs (once per feed) when it finds its database down.
UNAVAILABLE = "database unavailable, will retry"


@pytest.fixture(scope="module")
def cluster():
    try:
        cluster = PrivateCluster()
    except ClusterUnavailable as exc:
        pytest.skip(f"no private PostgreSQL cluster: {exc}")
    try:
        cluster.start()
    except ClusterUnavailable as exc:
        cluster.destroy()
        pytest.skip(f"the private PostgreSQL cluster does not start: {exc}")
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    with running_city(tmp_path_factory.mktemp("hotline-drop"), 515, HISTORY_HOURS / 24, FROZEN_AT) as sim:
        sim.set_faults(malformed_rate=0.01)  # some records for the quarantine too
        yield sim


def _feeds_file(folder: Path) -> Path:
    """The demo feeds, polled every :data:`INTERVAL_SECONDS`."""
    text = re.sub(r"(?m)^interval_seconds = \d+", f"interval_seconds = {INTERVAL_SECONDS}", DEMO_FEEDS.read_text())
    path = folder / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _start_collector(url: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    environment = {**os.environ, **env, "CITYOPS_DATABASE_URL": url, "CITYOPS_LOG_LEVEL": "INFO"}
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "dashboard", "collect"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def _runs(engine) -> int:
    """Runs recorded so far."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(FeedRun)).scalar_one()


def _unavailable(log_path: Path) -> int:
    """How often the collector has said its database is unavailable."""
    return log_path.read_text(encoding="utf-8", errors="replace").count(UNAVAILABLE)


def _stored(engine) -> int:
    """Rows the successful runs inserted so far."""
    return sum(new for runs in _ok_runs(engine).values() for new, _ in runs)


def _ok_runs(engine, after: datetime | None = None) -> dict[str, list[tuple[int, int]]]:
    """Per feed, (new, updated) of its successful runs started after ``after``."""
    query = select(FeedRun.feed, FeedRun.new, FeedRun.updated).where(FeedRun.status == "ok").order_by(FeedRun.id)
    if after is not None:
        query = query.where(FeedRun.started_at >= after)
    runs: dict[str, list[tuple[int, int]]] = {}
    with engine.connect() as conn:
        for feed, new, updated in conn.execute(query):
            runs.setdefault(feed, []).append((new, updated))
    return runs


def _caught_up(engine, feeds: list[str], after: datetime) -> bool:
    """Every feed has run successfully since ``after`` and its latest run brought nothing new."""
    runs = _ok_runs(engine, after)
    return all(runs.get(feed) and runs[feed][-1] == (0, 0) for feed in feeds)


@pytest.mark.reliability
@pytest.mark.slow
def test_postgres_stopped_and_restarted_mid_ingest_loses_nothing(cluster, city, tmp_path):
    engine = make_engine(cluster.url)
    upgrade(engine)
    with engine.begin() as conn:
        load_reference_data(conn, PROJECT_ROOT / "data" / "city")
    # Collectors on the real clock reach back days before the frozen city's first record: a window start that
    # moves with the clock between a failed run and its retry must not cut through the history.
    reach_back_days = (datetime.now(UTC) - FROZEN_AT) / timedelta(days=1) + HISTORY_HOURS / 24 + 2
    env = {
        "CITYOPS_SIMULATOR_URL": city.url,
        "CITYOPS_HOTLINE_DROP_DIR": str(city.config.drop_dir),
        "CITYOPS_BACKFILL_DAYS": f"{reach_back_days:.3f}",
        "CITYOPS_FEEDS_FILE": str(_feeds_file(tmp_path)),
    }
    feeds = [f for f in load_feeds(Path(env["CITYOPS_FEEDS_FILE"]), env=env) if f.enabled]
    app = create_app(make_engine(cluster.url), Settings(database_url=cluster.url, var_dir=tmp_path, auth_mode="open"))
    token = store.create_token(engine, "ops-kiosk", "wall")
    login_mode = Settings(database_url=cluster.url, var_dir=tmp_path, auth_mode="login", secret_key="k" * 40)
    signed_app = create_app(make_engine(cluster.url), login_mode)
    log_path = tmp_path / "collector.log"
    collector = _start_collector(cluster.url, env, log_path)
    outages, stored_at_outage, web, rng = [], [], {}, random.Random(5)
    runs_at_restart = 0
    try:
        for cycle in range(CYCLES):
            if cycle == 0:
                _wait_for(lambda: _stored(engine) > 0, 60, "the first rows")
            else:  # the next outage after a few runs on the restarted server (how many: at random)
                runs_wanted = runs_at_restart + rng.randint(1, 4)
                _wait_for(lambda n=runs_wanted: _runs(engine) >= n, 60, "runs recorded on the restarted database")
            stored_at_outage.append(_stored(engine))
            noticed = _unavailable(log_path)
            down_at = time.monotonic()
            cluster.stop()
            engine.dispose()
            if cycle == 0:
                web = check_web_app_while_down(app)
                check_signed_in_while_down(signed_app, token)
            _wait_for(
                lambda n=noticed, t=down_at: _unavailable(log_path) > n and time.monotonic() - t >= OUTAGE_SECONDS,
                60,
                "the collector to find the database down",
            )
            assert collector.poll() is None, "the collector process died while the database was down"
            cluster.start()
            outages.append(time.monotonic() - down_at)
            runs_at_restart = _runs(engine)
        restarted = datetime.now(UTC)
        _wait_for(lambda: _caught_up(engine, [f.name for f in feeds], restarted), 90, "the feeds to catch up")
        assert collector.poll() is None, "the collector process died"
        client = app.server.test_client()
        ready = client.get("/readyz").get_json()
        assert ready["database"]["ok"] is True, ready
        assert client.get("/api/v1/kpis").status_code == 200
    finally:
        collector.send_signal(signal.SIGTERM)
        try:
            collector.wait(timeout=15)
        except subprocess.TimeoutExpired:
            collector.kill()
            collector.wait()
    log = log_path.read_text(encoding="utf-8", errors="replace")

    ledger = city.state.ledger.served_keys()
    served = served_by_simulator(feeds, ledger)
    with engine.connect() as conn:
        accounts = {a.feed: a for a in reconcile(conn, served)}
        failed_runs = conn.execute(select(func.count()).where(FeedRun.status != "ok")).scalar_one()
        cursors = conn.execute(select(FeedCursor.feed, FeedCursor.partition, FeedCursor.value)).all()
        last_ok = dict(
            conn.execute(
                select(FeedRun.feed, func.max(FeedRun.started_at)).where(FeedRun.status == "ok").group_by(FeedRun.feed)
            ).all()
        )
    served_total = sum(len(s.keys) for s in served.values())
    stored = sum(a.stored for a in accounts.values())
    quarantined = sum(a.quarantined for a in accounts.values())
    lost = sum(a.lost or 0 for a in accounts.values())
    duplicates = sum(a.duplicates for a in accounts.values())
    unavailable = log.count(UNAVAILABLE)
    print(
        f"\npostgres restart: {CYCLES} outage(s) of {', '.join(f'{s:.1f}' for s in outages)} s, the first with "
        f"{stored_at_outage[0]} of {stored} rows stored; "
        f"served {served_total} records, stored {stored} rows, quarantined {quarantined}, lost {lost}, "
        f"duplicates {duplicates}; collector logged 'database unavailable' {unavailable} times for {len(feeds)} "
        f"feeds, {failed_runs} runs recorded as failed"
    )
    print("  web app while down: " + ", ".join(f"{k} {v}" for k, v in web.items()))
    for name, s in served.items():
        a = accounts[name]
        print(
            f"  {name:<20} served {len(s.keys):>6} ({s.ledger}), stored {a.stored:>6}, "
            f"quarantined {a.quarantined:>4}, lost {a.lost}"
        )

    assert stored_at_outage[0] < stored, "the database stopped after the ingest, not during it"
    assert "Traceback" not in log, log[-3000:]
    assert 1 <= unavailable <= len(feeds) * CYCLES, log[-3000:]
    assert "database reachable again" in log
    assert (lost, duplicates) == (0, 0)
    assert all(not a.problems for a in accounts.values()), {a.feed: a.problems for a in accounts.values()}
    assert {feed for feed, _, _ in cursors} >= {f.name for f in feeds}
    for feed, partition, value in cursors:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            continue  # a file checksum
        assert moment <= last_ok[feed], (feed, partition, value)
