"""The "now" reads seen at a past moment: the traffic interval and the latest full air hour by then (the
synthetic city: traffic at now-20 min, all 20 km/h, and now-5 min; air readings of 900 µg/m³ at now-130 min,
then the real values at now-10 min, in the hour that ends at now)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from dashboard.db.models import TrafficObservation
from dashboard.kpis.registry import load_registry
from dashboard.queries import environment, kpis, traffic
from tests.dashboard.synthetic_city import NOW, populate

TZ = "Asia/Shanghai"


def test_traffic_and_air_at_a_past_moment(sqlite_engine):
    populate(sqlite_engine)
    then = traffic.latest_observations(sqlite_engine, NOW - timedelta(minutes=10))
    assert set(then["speed_kmh"]) == {20.0} and set(then["observed_at"]) == {NOW - timedelta(minutes=20)}
    now = traffic.latest_observations(sqlite_engine)
    assert sorted(now["speed_kmh"]) == [15.0, 30.0, 60.0]
    assert traffic.network(sqlite_engine, NOW - timedelta(hours=1)) is None  # no observation by then
    for at in (NOW - timedelta(hours=1), NOW - timedelta(minutes=5)):  # the hour from 03:00 has not ended yet
        air = environment.air_station_hours(sqlite_engine, at)
        assert set(air["mean"]) == {900.0} and set(air["hour"]) == {NOW - timedelta(hours=3)}
    assert environment.air_station_hours(sqlite_engine, NOW)["mean"].max() == 100.0


def test_a_segment_observed_twice_in_the_interval_is_rated_by_its_newest(sqlite_engine):
    """R1 reports again 3 minutes after the interval's observations (45 km/h): the interval now ends then and
    still holds the others' observations of 5 minutes ago (15-minute interval), one row per segment, R1 at its
    newest speed."""
    populate(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(insert(TrafficObservation), [{
            "source": "traffic-ngsi", "source_id": "R1@again", "segment_code": "R1",
            "observed_at": NOW - timedelta(minutes=2), "period_s": 900, "speed_kmh": 45.0, "free_flow_kmh": 60.0,
        }])
    latest = traffic.latest_observations(sqlite_engine)
    assert list(latest["segment_code"]) == ["R1", "R2", "R3"]
    assert list(latest["speed_kmh"]) == [45.0, 30.0, 15.0]
    assert list(latest["observed_at"]) == [NOW - timedelta(minutes=m) for m in (2, 5, 5)]


def test_the_traffic_card_reads_the_interval_up_to_its_newest_observation(sqlite_engine):
    """R3, the last segment by code, reports again 3 minutes after the interval's observations (45 km/h at a free
    flow of 60): the headline TPI card's reading rates all three segments (1 + 2 + 1 km) and its window ends at the
    newest observation of the interval (now-2 min), not at the older ones (now-5 min)."""
    populate(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(insert(TrafficObservation), [{
            "source": "traffic-ngsi", "source_id": "R3@again", "segment_code": "R3",
            "observed_at": NOW - timedelta(minutes=2), "period_s": 900, "speed_kmh": 45.0, "free_flow_kmh": 60.0,
        }])
    registry = load_registry()
    (card,) = [h for h in kpis.headline_values(sqlite_engine, registry, NOW, TZ) if h.kpi.window == "latest_interval"]
    assert card.read_at == NOW - timedelta(minutes=2)
    assert card.facts["segments"] == 3 and card.facts["length_km"] == 4.0
