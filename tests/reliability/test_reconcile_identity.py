"""Reconciling by identity: planted missing, extra, stale and quarantined records are each reported by key,
and an extra row no longer hides a missing one (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.db.feedops import mirror_feeds, quarantine, record_run
from dashboard.db.models import HallTicket, SensorReading
from dashboard.db.reconcile import Served, reconcile
from dashboard.settings import get_settings

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=1)
AIR = "urn:ngsi-ld:AirQualityObserved:S01:20261121T070000Z"


FEEDS = """
[[feed]]
name = "halls"
domain = "halls"
protocol = "hall-queue"
url = "http://city.invalid/halls"

[[feed]]
name = "air"
domain = "sensors"
protocol = "ngsi"
url = "http://city.invalid/ngsi/v2"
options = { entity_type = "AirQualityObserved" }
"""


class _Rejected:
    def __init__(self, ref, reason):
        self.ref, self.field, self.reason, self.raw = ref, "status", reason, {}


def _feed(name, domain, protocol, options="{}"):
    return {"name": name, "domain": domain, "protocol": protocol, "interval_s": 60, "max_data_age_s": None,
            "enabled": True, "config_json": options}


@pytest.fixture
def planted(engine):
    """Stored: halls tickets T1 T2 T3 (T3 at its first version) and T9, which the queue never served; T4 only
    in quarantine; air readings of one entity. Served: T1–T5 (T3 since updated, T5 never stored) and the entity."""
    tickets = [
        {"source": "halls", "source_id": sid, "hall_code": "H01", "issued_at": T0, "status": "waiting",
         "updated_at": T0}
        for sid in ("T1", "T2", "T3", "T9")
    ]
    readings = [
        {"source": "air", "source_id": f"{AIR}:{q}", "station_code": "S01", "quantity": q, "observed_at": T0,
         "value": 30.0}
        for q in ("pm25", "pm10")
    ]
    with engine.begin() as conn:
        mirror_feeds(conn, [_feed("halls", "halls", "hall-queue"), _feed("air", "sensors", "ngsi")], NOW)
        run = record_run(conn, feed="halls", started_at=NOW, finished_at=NOW, status="ok", fetched=5, new=4,
                         updated=0, unchanged=0, rejected=1)
        quarantine(conn, "halls", run, NOW, [_Rejected("T4", "feed halls, record T4: status: unknown 'lost'")])
        record_run(conn, feed="air", started_at=NOW, finished_at=NOW, status="ok", fetched=2, new=2, updated=0,
                   unchanged=0, rejected=0)
        conn.execute(HallTicket.__table__.insert(), tickets)
        conn.execute(SensorReading.__table__.insert(), readings)
    at = int(T0.timestamp())
    served = {
        "halls": Served("halls:tickets", {"T1": at, "T2": at, "T3": at + 300, "T4": at, "T5": at}),
        "air": Served("ngsi:AirQualityObserved", {AIR: None}),
    }
    return engine, served


@pytest.mark.reliability
def test_missing_extra_stale_and_quarantined_records_are_reported_by_key(planted):
    engine, served = planted
    with engine.connect() as conn:
        accounts = {a.feed: a for a in reconcile(conn, served)}
    halls, air = accounts["halls"], accounts["air"]
    assert (halls.missing, halls.extra, halls.stale) == (["T5"], ["T9"], ["T3"])
    assert halls.quarantined_served == {"T4": "feed halls, record T4: status: unknown 'lost'"}
    assert (halls.served, halls.lost, halls.stored) == (5, 1, 4)
    assert halls.problems == [
        "1 served records neither stored nor quarantined: T5",
        "1 stored records never served: T9",
        "1 records stored at an older version than served: T3",
    ]
    assert (air.served, air.lost, air.problems) == (1, 0, [])


@pytest.mark.reliability
def test_without_a_ledger_only_accounting_and_duplicates_are_checked(planted):
    engine, _ = planted
    with engine.connect() as conn:
        accounts = reconcile(conn)
    assert [(a.feed, a.served, a.lost, a.problems) for a in accounts] == [("air", None, None, []),
                                                                        ("halls", None, None, [])]


@pytest.fixture
def cli_database(planted, monkeypatch):
    engine, served = planted
    monkeypatch.setenv("CITYOPS_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield served
    get_settings.cache_clear()


@pytest.mark.reliability
def test_the_command_lists_each_class_with_its_keys_or_says_it_has_no_ledger(cli_database, monkeypatch, tmp_path):
    served = cli_database
    keys = {s.ledger: s.keys for s in served.values()}
    asked = []

    def ledger(url, timeout):
        asked.append(url)
        return httpx.Response(200, json=keys, request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", ledger)
    without = CliRunner().invoke(app, ["reconcile"])
    assert without.exit_code == 0, without.output
    assert "no ledger" in without.output and "every record accounted for" in without.output
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS, encoding="utf-8")
    monkeypatch.setenv("CITYOPS_FEEDS_FILE", str(feeds))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["reconcile", "--simulator-url", "http://city.invalid/"])
    assert asked == ["http://city.invalid/_sim/ledger/keys"]
    assert result.exit_code == 1, result.output
    for line in ("neither stored nor quarantined: T5", "never served: T9", "older version than served: T3",
                 "only in quarantine: T4 (feed halls, record T4: status: unknown 'lost')", "3 discrepancies"):
        assert line in result.output, result.output
