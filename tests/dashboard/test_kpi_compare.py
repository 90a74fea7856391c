"""Changes against a comparison period, computed by hand."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.kpis.compare import LATEST_WINDOWS, change, current_reading


def test_rise_of_a_higher_is_better_kpi():
    c = change(0.92, 0.80, "higher")  # on-time rate 80 % -> 92 %: +0.12, +15 % of the base
    assert c.absolute == pytest.approx(0.12)
    assert c.percent == pytest.approx(15.0)
    assert (c.arrow, c.verdict) == ("up", "better")


def test_down_is_good_when_lower_is_better():
    c = change(36.0, 48.0, "lower")  # handling hours 48 -> 36: −12 h, −25 %
    assert c.absolute == pytest.approx(-12.0)
    assert c.percent == pytest.approx(-25.0)
    assert (c.arrow, c.verdict) == ("down", "better")
    worse = change(60.0, 48.0, "lower")  # 48 -> 60: +12 h, +25 %, worse
    assert (worse.absolute, worse.percent, worse.arrow, worse.verdict) == (12.0, 25.0, "up", "worse")


def test_base_zero_has_no_percent():
    c = change(7, 0, "higher")
    assert (c.absolute, c.percent, c.arrow, c.verdict) == (7.0, None, "up", "better")


def test_missing_side_is_no_data_never_zero():
    for current, base in ((None, 5.0), (5.0, None), (math.nan, 5.0), (5.0, math.nan), (None, None)):
        c = change(current, base, "higher")
        assert not c.known
        assert (c.absolute, c.percent, c.arrow, c.verdict) == (None, None, None, None)


def test_unchanged_and_undirected():
    assert (change(3, 3, "lower").arrow, change(3, 3, "lower").verdict) == ("flat", "same")
    c = change(120, 100)  # a count without a direction: +20, +20 %, not judged
    assert (c.absolute, c.percent, c.arrow, c.verdict) == (20.0, 20.0, "up", None)
    negative = change(-3.0, -4.0, "higher")  # the base's sign does not flip the percent: +1 on |−4| is +25 %
    assert negative.percent == pytest.approx(25.0)


def test_a_latest_reading_is_its_moments_own_up_to_two_windows_back():
    """A latest 15 minutes ending at most 30 minutes before the moment (its window and one of collection lag) is
    that moment's reading; one ending earlier, or after the moment, or none, is not."""
    moment, window = datetime(2026, 12, 1, 7, 0, tzinfo=UTC), LATEST_WINDOWS["latest_interval"]
    assert window == timedelta(minutes=15) and LATEST_WINDOWS["latest_hour"] == timedelta(hours=1)
    assert current_reading(moment - timedelta(minutes=30), moment, window)
    assert not current_reading(moment - timedelta(minutes=30, seconds=1), moment, window)
    assert current_reading(moment, moment, window)
    assert not current_reading(moment + timedelta(seconds=1), moment, window)
    assert not current_reading(None, moment, window)
