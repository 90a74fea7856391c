"""The stale rule: a feed is stale when its runs are late, or when its data is older than it may be."""

from datetime import UTC, datetime, timedelta

import pandas as pd

from dashboard.kpis.freshness import domain_freshness, feed_freshness

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_fresh_while_runs_succeed_and_data_is_young_enough():
    fresh = feed_freshness(NOW - 20 * MIN, NOW - MIN, 60, 1800, NOW, 2)
    assert not fresh.stale and fresh.as_of == NOW - 20 * MIN


def test_late_runs_make_a_feed_stale_from_two_intervals_after_the_last_success():
    fresh = feed_freshness(NOW - 5 * MIN, NOW - 3 * MIN, 60, None, NOW, 2)
    assert fresh.stale_since == NOW - MIN


def test_old_data_makes_a_feed_stale_even_when_runs_succeed():
    fresh = feed_freshness(NOW - 40 * MIN, NOW - MIN, 60, 1800, NOW, 2)
    assert fresh.stale_since == NOW - 10 * MIN


def test_a_feed_without_data_age_is_not_stale_for_quiet_hours():
    hall_closed_all_night = feed_freshness(NOW - 14 * 60 * MIN, NOW - MIN, 60, None, NOW, 2)
    assert not hall_closed_all_night.stale


def test_seen_at_a_past_moment_the_data_reaches_that_moment():
    past = NOW - 3 * 24 * 60 * MIN  # an as-of view three days back; the feed has delivered since
    then = feed_freshness(NOW - MIN, NOW - MIN, 60, 1800, past, 2)
    assert then.as_of == past and not then.stale


def test_never_received_is_stale_without_a_since():
    fresh = feed_freshness(None, None, 60, None, NOW, 2)
    assert fresh.stale and fresh.stale_since is None


def test_a_domain_is_stale_when_any_of_its_feeds_is():
    feeds = pd.DataFrame([
        {"domain": "complaints", "enabled": True, "interval_s": 60, "max_data_age_s": 1800,
         "max_source_time": NOW - 2 * MIN, "last_success_at": NOW - MIN},
        {"domain": "complaints", "enabled": True, "interval_s": 60, "max_data_age_s": 3600,
         "max_source_time": NOW - 90 * MIN, "last_success_at": NOW - MIN},
        {"domain": "traffic", "enabled": True, "interval_s": 60, "max_data_age_s": 1800,
         "max_source_time": NOW - 600 * MIN, "last_success_at": NOW - MIN},
    ])
    fresh = domain_freshness(feeds, ["complaints"], NOW, 2)
    assert fresh.as_of == NOW - 2 * MIN
    assert fresh.stale_since == NOW - 30 * MIN
