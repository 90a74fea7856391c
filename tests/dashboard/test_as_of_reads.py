"""Reads of the city as it stood at a past moment, at their boundaries (both dialects): an alert is open at a
moment when opened by then and not closed by then, acknowledged when acknowledged by then; the newest fact and
the latest traffic interval at a moment include one observed exactly then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shapely.geometry import LineString
from sqlalchemy import insert

from dashboard.db.models import Alert, RoadSegment, SensorReading, TrafficObservation
from dashboard.queries.alerts import open_alerts
from dashboard.queries.history import newest_facts_until
from dashboard.queries.traffic import latest_observations

AT = datetime(2026, 3, 1, 8, tzinfo=UTC)
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


def _alert(subject: str, opened_at, closed_at=None, acknowledged_at=None) -> dict:
    return {"rule": "hall_wait", "severity": "warning", "subject": subject, "message_zh": "-", "message_en": "-",
            "value": 1.0, "opened_at": opened_at, "closed_at": closed_at, "acknowledged_at": acknowledged_at,
            "acknowledged_by": "ops" if acknowledged_at else None}


def test_alerts_open_at_a_moment_at_its_boundaries(engine):
    with engine.begin() as conn:
        conn.execute(insert(Alert), [
            _alert("opened-then", AT),  # opened by then: open
            _alert("opened-after", AT + HOUR),  # not yet opened
            _alert("closed-then", AT - HOUR, closed_at=AT),  # closed by then: not open
            _alert("closed-after", AT - HOUR, closed_at=AT + HOUR, acknowledged_at=AT),  # open, acknowledged then
            _alert("acknowledged-after", AT - 2 * HOUR, acknowledged_at=AT + HOUR),  # open, not yet acknowledged
        ])
    past = open_alerts(engine, at=AT).set_index("subject")
    assert sorted(past.index) == ["acknowledged-after", "closed-after", "opened-then"]
    assert past.loc["closed-after", "acknowledged_by"] == "ops"
    assert list(past.index) == ["opened-then", "acknowledged-after", "closed-after"]  # unacknowledged, newest first
    assert list(open_alerts(engine, limit=1, at=AT)["subject"]) == ["opened-then"]
    now = open_alerts(engine)  # now: every alert not closed
    assert sorted(now["subject"]) == ["acknowledged-after", "opened-after", "opened-then"]


def test_the_newest_fact_at_a_moment_includes_one_observed_then(engine):
    reading = {"source": "s", "station_code": "A1", "quantity": "pm25", "value": 30.0}
    with engine.begin() as conn:
        conn.execute(insert(SensorReading), [
            reading | {"source_id": "1", "observed_at": AT - HOUR},
            reading | {"source_id": "2", "observed_at": AT},
            reading | {"source_id": "3", "observed_at": AT + HOUR},
        ])
    assert newest_facts_until(engine, AT)["environment"] == AT
    assert newest_facts_until(engine, AT - timedelta(seconds=1))["environment"] == AT - HOUR
    in_shanghai = newest_facts_until(engine, AT.astimezone(ZoneInfo("Asia/Shanghai")))  # 16:00 there: the same moment
    assert (in_shanghai["environment"], in_shanghai["traffic"]) == (AT, None)


def test_the_latest_traffic_interval_at_a_moment_includes_one_ending_then(engine):
    """The segments' newest observations by a moment: those of the interval ending exactly then, not the next."""
    with engine.begin() as conn:
        conn.execute(insert(RoadSegment), [{
            "code": "S1", "name_zh": "一路", "name_en": "Road 1", "road_class": "arterial", "length_m": 1000.0,
            "free_flow_kmh": 60.0, "geometry": LineString([(120.0, 30.0), (120.01, 30.0)]),
        }])
        conn.execute(insert(TrafficObservation), [
            {"source": "s", "source_id": str(i), "segment_code": "S1", "observed_at": AT + i * QUARTER,
             "period_s": 900, "speed_kmh": speed}
            for i, speed in ((-1, 20.0), (0, 30.0), (1, 40.0))
        ])
    rows = latest_observations(engine, AT)
    assert (rows["observed_at"].tolist(), rows["speed_kmh"].tolist()) == ([AT], [30.0])
    assert latest_observations(engine, AT - timedelta(seconds=1))["speed_kmh"].tolist() == [20.0]
    assert latest_observations(engine)["speed_kmh"].tolist() == [40.0]  # now: the newest interval
