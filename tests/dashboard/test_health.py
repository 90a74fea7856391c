"""``/health`` and ``/readyz``: liveness, readiness with per-feed freshness, 503 when stale or unreachable."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from dashboard import clock
from dashboard.db.feedops import record_run
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import populate

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def live_city(engine):
    """The synthetic city as seen at :data:`NOW`, the app's clock stopped there (its halls feed is stale,
    the others fresh)."""
    populate(engine, NOW)
    with clock.set_to(NOW):
        yield engine, NOW


def _client(engine, tmp_path):
    return create_app(engine, Settings(var_dir=tmp_path, auth_mode="open")).server.test_client()


def test_health_is_alive(live_city, tmp_path):
    response = _client(live_city[0], tmp_path).get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_503_when_a_feed_is_stale_then_200(live_city, tmp_path):
    engine, now = live_city
    client = _client(engine, tmp_path)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["database"] == {"ok": True}
    assert body["feeds"]["halls-queue"]["stale"] is True
    assert body["feeds"]["halls-queue"]["consecutive_failures"] == 2
    assert body["feeds"]["traffic-ngsi"]["stale"] is False
    with engine.begin() as conn:
        record_run(
            conn, feed="halls-queue", started_at=now, finished_at=now, status="ok",
            max_source_time=now - timedelta(seconds=5),
        )
    response = client.get("/readyz")  # readiness is never served from the cache
    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert response.json["feeds"]["halls-queue"]["consecutive_failures"] == 0


def test_readyz_503_when_database_unreachable(tmp_path):
    broken = create_engine(f"sqlite:///{tmp_path / 'absent' / 'cityops.db'}")
    response = _client(broken, tmp_path).get("/readyz")
    assert response.status_code == 503
    assert response.json["database"]["ok"] is False
