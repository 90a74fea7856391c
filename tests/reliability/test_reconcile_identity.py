"""Reconciling by identity: planted missing, extra, stale and quarantined records are each reported by key,
and an extra row no longer hides a missing one (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from collectors.config import load_feeds
from dashboard.cli import app
from dashboard.db.feedops import mirror_feeds, quarantine, record_run
from dashboard.db.models import Complaint, HallTicket, SensorReading, TrafficObservation
from dashboard.db.reconcile import Served, examples, reconcile, served_by_simulator
from dashboard.settings import PROJECT_ROOT, get_settings

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


def test_each_demo_feed_is_compared_with_what_its_simulated_system_served():
    feeds = load_feeds(PROJECT_ROOT / "data" / "feeds" / "demo.toml",
                       env={"CITYOPS_SIMULATOR_URL": "http://city.invalid", "CITYOPS_HOTLINE_DROP_DIR": "/nonexistent"})
    ledger = {name: {f"{name}/1": None} for name in
              ("open311", "ngsi:TrafficFlowObserved", "ngsi:AirQualityObserved", "sta:Observations", "halls:tickets")}
    served = served_by_simulator(feeds, ledger)
    assert {feed: (s.ledger, s.keys) for feed, s in served.items()} == {
        "complaints-open311": ("open311", {"open311/1": None}),
        "traffic-ngsi": ("ngsi:TrafficFlowObserved", {"ngsi:TrafficFlowObserved/1": None}),
        "air-ngsi": ("ngsi:AirQualityObserved", {"ngsi:AirQualityObserved/1": None}),
        "iot-sensorthings": ("sta:Observations", {"sta:Observations/1": None}),
        "halls-queue": ("halls:tickets", {"halls:tickets/1": None}),
    }


@pytest.mark.reliability
def test_complaints_traffic_and_observations_are_reconciled_by_their_own_keys(engine):
    """Complaint C2 stored at an older version than served, traffic R2 never stored, observation 7:1001 stored
    under its datastream and matched with the observation the city served."""
    at = int(T0.timestamp())
    with engine.begin() as conn:
        mirror_feeds(conn, [_feed("calls", "complaints", "open311"), _feed("roads", "traffic", "ngsi"),
                            _feed("iot", "sensors", "sensorthings")], NOW)
        for feed, stored in (("calls", 2), ("roads", 1), ("iot", 1)):
            record_run(conn, feed=feed, started_at=NOW, finished_at=NOW, status="ok", fetched=stored, new=stored,
                       updated=0, unchanged=0, rejected=0)
        conn.execute(Complaint.__table__.insert(), [
            {"source": "calls", "source_id": cid, "status": "accepted", "requested_at": T0, "updated_at": T0,
             "ingested_at": NOW}
            for cid in ("C1", "C2")
        ])
        conn.execute(TrafficObservation.__table__.insert(), [
            {"source": "roads", "source_id": "R1", "segment_code": "S1", "observed_at": T0, "speed_kmh": 30.0}
        ])
        conn.execute(SensorReading.__table__.insert(), [
            {"source": "iot", "source_id": "7:1001", "station_code": "N1", "quantity": "laeq", "observed_at": T0,
             "value": 55.0}
        ])
        accounts = {a.feed: a for a in reconcile(conn, {
            "calls": Served("open311", {"C1": at, "C2": at + 60}),
            "roads": Served("ngsi:TrafficFlowObserved", {"R1": None, "R2": None}),
            "iot": Served("sta:Observations", {"1001": None}),
        })}
    assert (accounts["calls"].stale, accounts["calls"].missing, accounts["calls"].extra) == (["C2"], [], [])
    assert (accounts["roads"].missing, accounts["roads"].lost, accounts["roads"].stale) == (["R2"], 1, [])
    assert (accounts["iot"].lost, accounts["iot"].extra, accounts["iot"].problems) == (0, [], [])


def test_a_long_list_of_keys_shows_the_first_five_and_how_many_more():
    assert examples([f"K{i}" for i in (6, 5, 4, 3, 2, 1, 0)]) == "K0, K1, K2, K3, K4, … (2 more)"
    assert examples(["B", "A"]) == "A, B"


@pytest.mark.reliability
def test_the_runs_counts_are_summed_per_feed_and_a_feed_that_never_ran_counts_zero(engine):
    """Two runs of ``halls`` (5 + 3 fetched); ``idle`` mirrored but never run; the facts of ``city-air`` are
    stored under the source its configuration names, not under the feed's name."""
    with engine.begin() as conn:
        mirror_feeds(conn, [_feed("halls", "halls", "hall-queue"), _feed("idle", "halls", "hall-queue"),
                            _feed("city-air", "sensors", "ngsi", '{"source": "air"}')], NOW)
        record_run(conn, feed="halls", started_at=NOW, finished_at=NOW, status="ok", fetched=5, new=2, updated=1,
                   unchanged=2, rejected=0)
        record_run(conn, feed="halls", started_at=NOW, finished_at=NOW, status="ok", fetched=3, new=1, updated=0,
                   unchanged=2, rejected=0)
        record_run(conn, feed="city-air", started_at=NOW, finished_at=NOW, status="ok", fetched=1, new=1, updated=0,
                   unchanged=0, rejected=0)
        conn.execute(HallTicket.__table__.insert(), [
            {"source": "halls", "source_id": sid, "hall_code": "H01", "issued_at": T0, "status": "waiting",
             "updated_at": T0}
            for sid in ("T1", "T2", "T3")
        ])
        conn.execute(SensorReading.__table__.insert(), [
            {"source": "air", "source_id": f"{AIR}:pm25", "station_code": "S01", "quantity": "pm25",
             "observed_at": T0, "value": 30.0}
        ])
        accounts = {a.feed: a for a in reconcile(conn)}
    halls = accounts["halls"]
    assert (halls.fetched, halls.new, halls.updated, halls.unchanged, halls.stored) == (8, 3, 1, 4, 3)
    idle = accounts["idle"]
    assert (idle.fetched, idle.new, idle.updated, idle.unchanged, idle.rejected, idle.released) == (0, 0, 0, 0, 0, 0)
    assert (accounts["city-air"].source, accounts["city-air"].stored, accounts["city-air"].problems) == ("air", 1, [])


@pytest.mark.reliability
def test_a_record_quarantined_whole_or_in_part_is_matched_with_the_key_served(engine):
    """Air entity S01 rejected whole (its ref is the served key); entity S02 rejected for one pollutant (its ref
    names the reading, which maps to the entity); nothing stored: neither is lost."""
    s02 = AIR.replace("S01", "S02")
    with engine.begin() as conn:
        mirror_feeds(conn, [_feed("air", "sensors", "ngsi")], NOW)
        run = record_run(conn, feed="air", started_at=NOW, finished_at=NOW, status="ok", fetched=2, new=0,
                         updated=0, unchanged=0, rejected=2)
        quarantine(conn, "air", run, NOW, [_Rejected(AIR, "entity: no location"), _Rejected(f"{s02}:pm25",
                                                                                              "value: negative")])
        (air,) = reconcile(conn, {"air": Served("ngsi:AirQualityObserved", {AIR: None, s02: None})})
    assert (air.missing, air.lost) == ([], 0)
    assert air.quarantined_served == {AIR: "entity: no location", s02: "value: negative"}
