"""The web app on a real streaming replica (``CITYOPS_DATABASE_READ_URL``): a dedicated primary cluster and a
replica made from it with ``pg_basebackup -R``, both on loopback.

While the replica's replay is paused, what the app shows is the replica's state, not the primary's: the API and
the pages' data answer from the replica, sign-in (a user created on the primary meanwhile) works from the
primary, and the feeds page shows the replica behind; once replay resumes, both agree and the replica is caught
up."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pgcluster import primary_and_replica
from sqlalchemy import Engine, create_engine, func, insert, select, text

from dashboard.auth import store
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import Complaint
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.security.conftest import PASSWORD, login

pytestmark = pytest.mark.postgres

if not os.environ.get("CITYOPS_TEST_DATABASE_URL"):
    pytest.skip("PostgreSQL tests need CITYOPS_TEST_DATABASE_URL", allow_module_level=True)


def _complaint(n: int, now: datetime) -> dict:
    return {"source": "replica-test", "source_id": f"R{n}", "status": "received", "category": "noise",
            "requested_at": now - timedelta(minutes=n + 1), "updated_at": now, "ingested_at": now,
            "returned_count": 0, "extended_count": 0}


def _wait_replayed(primary: Engine, replica: Engine) -> None:
    with primary.connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar()
    for _ in range(300):
        with replica.connect() as conn:
            if conn.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}).scalar():
                return
        time.sleep(0.1)
    pytest.fail("the replica did not catch up within 30 s")


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Complaint)).scalar()


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[tuple[Engine, Engine, str]]:
    with primary_and_replica() as (primary_cluster, replica_cluster):
        admin = create_engine(primary_cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE cityops"))
        admin.dispose()
        primary = make_engine(primary_cluster.url("cityops"))
        upgrade(primary)
        replica_url = replica_cluster.url("cityops")
        replica = make_engine(replica_url)
        yield primary, replica, replica_url
        primary.dispose()
        replica.dispose()


def test_pages_and_api_read_the_replica_sign_in_uses_the_primary(pair, tmp_path):
    primary, replica, replica_url = pair
    now = datetime.now(UTC)
    with primary.begin() as conn:
        conn.execute(insert(Complaint), [_complaint(n, now) for n in range(3)])
    store.add_user(primary, "ana", PASSWORD, "analyst")
    _wait_replayed(primary, replica)
    settings = Settings(var_dir=tmp_path, database_read_url=replica_url, auth_mode="login", secret_key="s" * 40,
                        cookie_secure=False, refresh_seconds=2)
    app = create_app(primary, settings)

    with replica.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()"))
        conn.commit()
    try:
        with primary.begin() as conn:  # written while the replica does not replay
            conn.execute(insert(Complaint), [_complaint(n, now) for n in range(3, 5)])
        store.add_user(primary, "lea", PASSWORD, "leader")
        assert (_count(primary), _count(replica)) == (5, 3)

        client = app.server.test_client()
        assert login(client, "lea").status_code == 302  # the account exists on the primary only: sign-in read it
        records = client.get("/api/v1/complaints?period=24h&limit=100")
        assert records.status_code == 200
        assert len(records.get_json()["complaints"]) == 3  # the replica's three, not the primary's five
        assert client.get("/api/v1/feeds").status_code == 200  # readiness: the primary

        with app.server.test_request_context("/feeds"):
            from dashboard.context import request_context
            from dashboard.queries.replica import replica_status
            from layouts.components.feed_checks import replica_section

            context = request_context()
            assert context.engine is not primary and context.primary is primary
            status = replica_status(context.engine, context.primary)
            assert status.reachable and status.in_recovery and status.paused
            assert status.lag_s is not None and status.lag_s >= 0
            assert [s.state for s in status.standbys] == ["streaming"]
            assert status.standbys[0].behind_bytes > 0  # the two inserts, not replayed
            section = str(replica_section(status, "en", "Asia/Shanghai"))
            assert "replay paused" in section and "streaming" in section
    finally:
        with replica.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
            conn.commit()

    _wait_replayed(primary, replica)
    time.sleep(settings.refresh_seconds + 0.5)  # the query cache's entries have expired
    assert len(client.get("/api/v1/complaints?period=24h&limit=100").get_json()["complaints"]) == 5
    with app.server.test_request_context("/feeds"):
        status = replica_status(request_context().engine, primary)
    assert status.lag_s == 0 and not status.paused  # caught up
    assert "caught up" in str(replica_section(status, "en", "Asia/Shanghai"))


def test_without_a_read_url_every_read_goes_to_the_primary(pair, tmp_path):
    primary, _, _ = pair
    app = create_app(primary, Settings(var_dir=tmp_path, auth_mode="open"))
    with app.server.test_request_context("/feeds"):
        from dashboard.context import request_context
        from dashboard.queries.replica import replica_status

        context = request_context()
        assert context.engine is primary and context.primary is primary
        assert replica_status(context.engine, context.primary) is None
