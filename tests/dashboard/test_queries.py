"""Every read query on the synthetic city (hand-computed values, see ``synthetic_city``), on both dialects."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import create_engine, insert

from dashboard.db.models import Complaint
from dashboard.kpis.periods import local_day
from dashboard.kpis.registry import load_registry
from dashboard.queries import complaints, environment, feeds, halls, reference, traffic
from dashboard.queries.base import DatabaseUnavailable, frame_of, ping
from dashboard.queries.kpis import kpi_values
from layouts.viewmodels import overview
from layouts.viewmodels.halls import totals as hall_totals
from tests.dashboard.synthetic_city import HTML_PAYLOAD, NOW, _complaint

TZ = "Asia/Shanghai"
DAY = local_day(NOW, TZ)


def test_reference(city):
    assert list(reference.districts(city)["code"]) == ["339901", "339902", "339903"]
    assert list(reference.districts(city, "street")["code"]) == ["339901001"]
    assert reference.districts(city)["geometry"].iloc[0].geom_type == "Polygon"
    assert list(reference.road_segments(city)["code"]) == ["R1", "R2", "R3"]
    assert list(reference.stations(city, "air")["code"]) == ["A1", "A2"]
    assert list(reference.halls(city)["code"]) == ["H1"]
    assert list(reference.categories(city)["code"]) == ["noise", "road"]


def test_complaint_counts_and_trend(city):
    assert DAY[0].hour == 16  # the local day starts at midnight in Shanghai
    assert complaints.count_received(city, DAY[0], NOW) == 5
    assert complaints.count_received(city, *local_day(NOW, TZ, days_back=1)) == 3
    hourly = complaints.hourly_counts(city, NOW - timedelta(hours=6), NOW)
    assert list(hourly["count"]) == [1, 1, 0, 1, 1, 1]
    assert hourly["hour"].iloc[0] == NOW - timedelta(hours=6)


def test_on_time_closure_counts_overdue_open_tickets(city):
    table = kpi_values(city, load_registry(), NOW - timedelta(days=30), NOW, NOW, TZ).set_index("id")
    row = table.loc["complaint_on_time_rate"]
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 0.5)


def test_points_leave_out_flagged_locations_and_filter(city):
    points = complaints.points(city, NOW - timedelta(days=1), NOW)
    assert "C0005" not in set(points["source_id"])
    assert len(points) == 7
    assert list(complaints.points(city, DAY[0], NOW, category="road")["source_id"]) == ["C0002"]
    assert list(complaints.points(city, DAY[0], NOW, district="339903")["source_id"]) == ["C0004"]


def test_per_district_rate(city):
    frame = complaints.per_district(city, NOW - timedelta(days=1), NOW).set_index("code")
    assert frame.loc["339901", "count"] == 3
    assert frame.loc["339902", "per_10k"] == pytest.approx(4 / 200_000 * 10_000)
    assert frame.loc["339903", "per_10k"] == pytest.approx(0.2)
    road = complaints.per_district(city, NOW - timedelta(days=1), NOW, category="road").set_index("code")
    assert list(road["count"]) == [0, 1, 0]


def test_a_category_filter_counts_tickets_naming_it_by_name_only(city):
    """A hotline ticket that names its category only (道路破损, the Chinese name of "road", with no code, as stored
    before the city's reference knew it) is a "road" ticket for the map's districts and points, as for every other
    category filter (``category_is``)."""
    named = _complaint(30, NOW - timedelta(hours=1), category=None, category_name="道路破损", district_code="339903")
    with city.begin() as conn:
        conn.execute(insert(Complaint), [named])
    road = complaints.per_district(city, NOW - timedelta(days=1), NOW, category="road").set_index("code")
    assert list(road["count"]) == [0, 1, 1]
    points = complaints.points(city, DAY[0], NOW, category="road")
    assert sorted(points["source_id"]) == ["C0002", "C0030"]


def test_halls(city):
    wait = hall_totals(halls.hall_stats(city, DAY[0], NOW).sum(numeric_only=True))
    assert (wait["wait_min"], wait["called"]) == (30.0, 3)
    long = halls.long_waits(city, DAY[0], NOW)
    assert long.to_dict("records") == [
        {"hall_code": "H1", "name_zh": "市民中心", "name_en": "Citizen Centre", "tickets": 2, "max_wait_minutes": 60.0}
    ]


def test_traffic(city):
    latest = traffic.latest_observations(city)
    assert list(latest["speed_kmh"]) == [60.0, 30.0, 15.0]
    assert list(latest["free_flow_kmh"]) == [60.0, 60.0, 60.0]  # R3 takes the segment's free-flow speed
    rated = traffic.rated_segments(city)
    assert list(rated["level"]) == ["smooth", "light_congestion", "heavy_congestion"]
    assert traffic.network(city).tpi == pytest.approx(4.5)


def test_air(city):
    hours = environment.air_station_hours(city, NOW)
    assert set(hours["quantity"]) == {"pm25", "no2", "o3"}  # noise is not air, the 01:00 hour is not the latest
    assert set(hours["hour"]) == {NOW - timedelta(hours=1)}  # the readings of 03:50 lie in the hour from 03:00
    city_aqi = environment.city_aqi(city, TZ, NOW)
    assert (city_aqi.result.aqi, city_aqi.result.primary, city_aqi.stations) == (100, ("pm25",), 2)
    stations = environment.station_aqi(city, TZ, NOW).set_index("code")
    assert stations.loc["A1", "aqi"] == 80  # 50/25·15+50
    assert stations.loc["A2", "aqi"] == 110  # 50/55·10+100 = 109.1 → 110
    assert stations.loc["A2", "color"] == "#FF7E00"


def test_feed_status(city):
    status = feeds.feed_status(city).set_index("name")
    assert len(status) == 6
    halls_feed = status.loc["halls-queue"]
    assert (halls_feed["last_status"], halls_feed["consecutive_failures"]) == ("failed", 2)
    assert halls_feed["max_source_time"] == NOW - timedelta(minutes=10)
    open311 = status.loc["complaints-open311"]
    assert (open311["new"], open311["updated"], open311["rejected"], open311["consecutive_failures"]) == (10, 2, 2, 0)


def test_quarantine_and_problems(city):
    rows = feeds.quarantine(city)
    assert list(rows["feed"]) == ["complaints-open311", "air-ngsi"]
    assert rows["payload"].iloc[0] == HTML_PAYLOAD
    assert list(feeds.quarantine(city, feed="air-ngsi")["record_ref"]) == ["A9/pm25"]
    problems = feeds.recent_problems(city, NOW - timedelta(minutes=10)).set_index("feed")
    assert problems.loc["halls-queue", "failed_runs"] == 2
    assert problems.loc["complaints-open311", "quarantined"] == 1
    assert "air-ngsi" not in problems.index


def test_overview_kpis(city):
    cards = {k.id: k for k in overview.overview_kpis(city, NOW, TZ, 2.0)}
    assert cards["complaints_today"].value == 5
    assert cards["complaints_today"].facts == {"yesterday": 3}
    assert cards["on_time_closure"].value == 50.0
    assert cards["hall_wait"].value == pytest.approx(30.0)  # from the rollup: julianday arithmetic, sub-ms error
    # last successful run ended 899 s ago, then failures: stale 2 × 60 s after that success
    assert cards["hall_wait"].freshness.stale_since == NOW - timedelta(seconds=899 - 120)
    assert not cards["network_tpi"].freshness.stale
    assert cards["network_tpi"].level == "light_congestion"
    assert (cards["city_aqi"].value, cards["city_aqi"].level) == (100, "good")


def test_database_errors_become_database_unavailable(tmp_path):
    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'nothing.db'}")
    with pytest.raises(DatabaseUnavailable):
        ping(broken)
    with pytest.raises(DatabaseUnavailable):
        feeds.feed_status(broken)


#: Rows as the drivers return them: a name, a sum (a decimal on PostgreSQL, a float or an int on SQLite), a
#: share or none, an aware time or none, a flag or none.
MIXED_ROWS = [
    ("a", Decimal("3"), 2.5, datetime(2026, 3, 1, 8, tzinfo=UTC), True),
    ("b", 4.0, None, None, None),
    (None, 5, 0.5, datetime(2026, 3, 1, 9, tzinfo=UTC), False),
]


@pytest.mark.parametrize("rows", [[], MIXED_ROWS[:1], MIXED_ROWS])
def test_integer_columns_are_int64_with_or_without_rows(rows):
    """``frame_of``: the frame pandas builds from the rows with the integer columns cast by ``astype`` (the
    independent reference), an empty result included."""
    columns = ["name", "count", "share", "at", "enabled"]
    frame = frame_of(rows, columns, integers=("count",))
    expected = pd.DataFrame(rows, columns=columns).astype({"count": int})
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["count"].tolist() == [3, 4, 5][: len(rows)]
