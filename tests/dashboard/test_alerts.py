"""Alert rules: hysteresis, evaluation on the synthetic city, acknowledgement (function and CLI)."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dashboard.alerts.evaluate import evaluate
from dashboard.alerts.rules import rule, transitions
from dashboard.alerts.store import UnknownAlert, acknowledge
from dashboard.db import rollups
from dashboard.db.models import Alert, HallTicket
from dashboard.queries.alerts import open_alerts
from tests.dashboard.synthetic_city import NOW

TZ = "Asia/Shanghai"


def test_hysteresis():
    aqi = rule("station_aqi")  # opens at 151, closes below 131
    assert transitions(aqi, {"A": 160, "B": 140}, set()).open == {"A": 160}
    held = transitions(aqi, {"A": 140}, {"A"})
    assert held.open == {} and held.close == set()  # between the thresholds: stays open
    assert transitions(aqi, {"A": 120}, {"A"}).close == {"A"}
    assert transitions(aqi, {}, {"A"}).close == set()  # no data is not a recovery


def _alerts(engine):
    with engine.connect() as conn:
        return {(a.rule, a.subject): a for a in conn.execute(select(Alert)).all()}


def test_evaluate_opens_once_and_closes(city):
    with city.begin() as conn:
        for domain in rollups.ROLLUPS:
            rollups.rebuild(conn, domain)
    assert evaluate(city, NOW, TZ, 2.0).opened == 3
    alerts = _alerts(city)
    # R3 at 15 km/h (TPI 8) through the last 15 min; H1 called after 60 min; halls-queue stale
    assert set(alerts) == {("segment_tpi", "R3"), ("hall_wait", "H1"), ("feed_stale", "halls-queue")}
    assert (
        "滨江路" in alerts[("segment_tpi", "R3")].message_zh and "Binjiang" in alerts[("segment_tpi", "R3")].message_en
    )
    assert evaluate(city, NOW, TZ, 2.0).opened == 0  # still true: nothing new
    with city.begin() as conn:  # the last waiting ticket is called
        conn.execute(
            HallTicket.__table__.update()
            .where(HallTicket.source_id == "T3")
            .values(called_at=NOW - timedelta(minutes=40))
        )
    later = NOW + timedelta(hours=2)  # no traffic in the window: R3 keeps its alert (no data is no recovery)
    result = evaluate(city, later, TZ, 2.0)
    assert result.closed == 1  # the hall's queue is empty
    still = _alerts(city)
    assert still[("hall_wait", "H1")].closed_at == later
    assert still[("segment_tpi", "R3")].closed_at is None


def test_acknowledge_records_who_and_when(city, monkeypatch, tmp_path):
    evaluate(city, NOW, TZ, 2.0)
    first = int(open_alerts(city)["id"].iloc[0])
    with city.begin() as conn:
        assert acknowledge(conn, first, "王伟", NOW)
        assert not acknowledge(conn, first, "someone else", NOW + timedelta(minutes=1))
        with pytest.raises(UnknownAlert):
            acknowledge(conn, 999_999, "x", NOW)
    row = open_alerts(city).set_index("id").loc[first]
    assert (row["acknowledged_by"], row["acknowledged_at"]) == ("王伟", NOW)


def test_cli_ack(sqlite_engine, monkeypatch):
    from dashboard import cli
    from dashboard.settings import get_settings

    with sqlite_engine.begin() as conn:
        conn.execute(
            Alert.__table__.insert(),
            [
                {
                    "rule": "feed_stale",
                    "severity": "critical",
                    "subject": "f",
                    "message_zh": "m",
                    "message_en": "m",
                    "opened_at": NOW,
                }
            ],
        )
    monkeypatch.setenv("CITYOPS_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["alerts", "ack", "1", "--by", "operator-7"])
        assert result.exit_code == 0, result.output
        assert "operator-7" in result.output
        assert open_alerts(sqlite_engine)["acknowledged_by"].iloc[0] == "operator-7"
        assert CliRunner().invoke(cli.app, ["alerts", "ack", "42", "--by", "x"]).exit_code == 1
    finally:
        get_settings.cache_clear()
