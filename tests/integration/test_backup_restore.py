"""deploy/backup.sh taken in the middle of an ingest and deploy/restore.sh into an empty database give a
consistent database: it reconciles, and once its feeds catch up it equals the database that was backed up,
rollups and all (SQLite and PostgreSQL). The pages' numbers come back too: the overview's KPI cards (its view
model) and ``/api/v1/kpis`` read on the restored database equal those read on the source at the backup, and
again after the catch-up."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from democity import FROZEN_AT, PROJECT_ROOT, empty_database_like, with_reference_data
from sqlalchemy import Engine
from tabledump import differences, dump

from collectors.runner import FeedRunner
from dashboard import clock
from dashboard.db.migrate import upgrade
from dashboard.db.reconcile import reconcile, served_by_simulator
from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.viewmodels.overview import overview_kpis

DEPLOY = PROJECT_ROOT / "deploy"


def _script(name: str, argument, url: str) -> str:
    done = subprocess.run(
        ["bash", str(DEPLOY / name), str(argument)], env={**os.environ, "CITYOPS_DATABASE_URL": url},
        capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout


@pytest.fixture
def empty_database(engine, tmp_path) -> Iterator[Engine]:
    with empty_database_like(engine, tmp_path / "restored") as target:
        yield target


def _settle(runner: FeedRunner, feeds) -> None:
    for _ in range(5):
        results = [runner.run(feed, now=FROZEN_AT) for feed in feeds]
        if all(r.status == "ok" and r.new == 0 and r.updated == 0 and not r.more for r in results):
            return
    pytest.fail(f"feeds did not settle: {results}")


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _app(engine: Engine, folder):
    """A web app of its own (its query cache empty) over ``engine``."""
    folder.mkdir(parents=True, exist_ok=True)
    return create_app(engine, Settings(var_dir=folder, auth_mode="open"))


def _shown(engine: Engine, app) -> dict[str, list[tuple]]:
    """The numbers of the overview's KPI cards and of ``/api/v1/kpis`` as of the frozen city: per KPI its
    value, level and facts (the figures the page and the API show; their freshness belongs to the runs)."""
    settings = app.server.extensions["cityops"].settings
    with clock.set_to(FROZEN_AT):
        cards = overview_kpis(engine, FROZEN_AT, settings.city_timezone, settings.stale_after_intervals)
        response = app.server.test_client().get("/api/v1/kpis")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {
        "overview": [(c.id, c.value, c.level, c.facts) for c in cards],
        "api": [(k["id"], k["value"], k["level"], k["facts"]) for k in response.get_json()["kpis"]],
    }


@pytest.mark.slow
@pytest.mark.reliability
def test_a_backup_taken_during_ingest_restores_consistent_and_catches_up(city, engine, empty_database, tmp_path):
    with_reference_data(engine)
    feeds = city.feeds(tmp_path / "ingest")
    taken = {}

    def back_up_once(point: str, conn) -> None:
        """Mid-ingest: the second feed to reach its upsert has written and not committed."""
        if point != "after_upsert" or taken.get("runs", 0) == 2:
            return
        taken["runs"] = taken.get("runs", 0) + 1
        if taken["runs"] == 2:
            taken["file"] = _script("backup.sh", tmp_path / "backups", _url(engine)).strip()
            taken["state"] = dump(engine)
            taken["shown"] = _shown(engine, source_apps[0])

    # apps made before the ingest: one read each, so no cached query answers for the other
    source_apps = [_app(engine, tmp_path / "web" / name) for name in ("at-backup", "caught-up")]
    runner = FeedRunner(engine, fault=back_up_once)
    runner.mirror(feeds)
    _settle(runner, feeds)
    assert taken.get("file"), "the backup was not taken during the ingest"

    restored = empty_database
    assert "restored" in _script("restore.sh", taken["file"], _url(restored))
    upgrade(restored)
    at_backup = dump(restored)
    with restored.connect() as conn:
        accounts = reconcile(conn)
    stored_at_backup = sum(a.stored for a in accounts)
    assert differences(at_backup, taken["state"]) == {}
    with engine.connect() as conn:
        assert 0 < stored_at_backup < sum(a.stored for a in reconcile(conn))
    assert all(not a.problems for a in accounts), {a.feed: a.problems for a in accounts}
    shown_at_backup = _shown(restored, _app(restored, tmp_path / "web" / "restored"))
    assert shown_at_backup == taken["shown"]

    _settle(FeedRunner(restored), city.feeds(tmp_path / "after-restore"))
    with restored.connect() as conn:
        served = served_by_simulator(feeds, city.simulator.state.ledger.served_keys())
        caught_up = reconcile(conn, served)
    print(f"\nbackup during ingest on {engine.dialect.name}: {stored_at_backup} records in the backup; restored, "
          f"caught up and reconciled by key: {sum(a.lost or 0 for a in caught_up)} lost, "
          f"differences from the source: {differences(dump(restored), dump(engine)) or 'none'}")
    shown = _shown(engine, source_apps[1])
    print(f"  overview at the backup: {shown_at_backup['overview']}\n  overview caught up: {shown['overview']}")
    assert all(not a.problems for a in caught_up), {a.feed: a.problems for a in caught_up}
    assert differences(dump(restored), dump(engine)) == {}
    assert _shown(restored, _app(restored, tmp_path / "web" / "restored-caught-up")) == shown
    assert shown_at_backup != shown, "the backup held the whole ingest: the comparison at the backup proves little"
