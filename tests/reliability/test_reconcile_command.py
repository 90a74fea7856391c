"""`python -m dashboard reconcile`: the operators' check that every record is accounted for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.db.feedops import mirror_feeds, quarantine, record_run
from dashboard.db.models import Quarantine, SensorReading
from dashboard.settings import get_settings

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class _Entry:
    def __init__(self, ref):
        self.ref, self.field, self.reason, self.raw = ref, "value", f"feed air, record {ref}: value: not a number", {}


@pytest.fixture
def accounted_db(sqlite_engine, monkeypatch):
    with sqlite_engine.begin() as conn:
        mirror_feeds(
            conn,
            [
                {
                    "name": "air",
                    "domain": "sensors",
                    "protocol": "ngsi",
                    "interval_s": 60,
                    "max_data_age_s": None,
                    "enabled": True,
                    "config_json": "{}",
                }
            ],
            NOW,
        )
        run_id = record_run(
            conn,
            feed="air",
            started_at=NOW,
            finished_at=NOW,
            status="ok",
            fetched=3,
            new=2,
            updated=0,
            unchanged=0,
            rejected=1,
        )
        quarantine(conn, "air", run_id, NOW, [_Entry("S1:pm25")])
        conn.execute(
            SensorReading.__table__.insert(),
            [
                {
                    "source": "air",
                    "source_id": f"S{i}:pm10",
                    "station_code": f"S{i}",
                    "quantity": "pm10",
                    "observed_at": NOW,
                    "value": 40.0,
                }
                for i in (1, 2)
            ],
        )
    monkeypatch.setenv("CITYOPS_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


@pytest.mark.reliability
def test_reconcile_passes_when_every_record_is_accounted_for(accounted_db):
    result = CliRunner().invoke(app, ["reconcile"])
    assert result.exit_code == 0, result.output
    assert "every record accounted for" in result.output


@pytest.mark.reliability
def test_reconcile_fails_and_says_why_when_a_quarantined_record_went_missing(accounted_db):
    with accounted_db.begin() as conn:
        conn.execute(delete(Quarantine))
    result = CliRunner().invoke(app, ["reconcile"])
    assert result.exit_code == 1
    assert "quarantine holds 0 records, runs rejected 1" in result.output
