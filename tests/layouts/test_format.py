"""Locale formatting: expected values are CLDR's patterns (zh compact 0万 / 0亿 / 0万亿, en K / M; zh y年M月d日,
en_001 d MMM y; short duration units) applied by hand."""

from datetime import UTC, datetime

import pytest

from dashboard import clock
from layouts.format import duration, local_time, number

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (9_999, "9,999", "9,999"),
        (10_000, "1万", "10K"),
        (12_345, "1.2万", "12.3K"),
        (99_999, "10万", "100K"),
        (-15_000, "-1.5万", "-15K"),
        (21_893_095, "2189.3万", "21.9M"),
        (230_000_000, "2.3亿", "230M"),
        (1.2e12, "1.2万亿", "1.2T"),
    ],
)
def test_compact_numbers(value, zh, en):
    assert (number(value, "zh"), number(value, "en")) == (zh, en)


def test_small_numbers_keep_their_digits_rounding_half_even():
    assert number(1_234.5, "en") == "1,234"
    assert number(1_235.5, "zh") == "1,236"
    assert number(2.675, "en", 2) == "2.68"
    assert number(float("nan"), "zh") == "—"


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (45, "45秒", "45 secs"),
        (89, "89秒", "89 secs"),
        (90, "2分钟", "2 mins"),
        (150, "2分钟", "2 mins"),
        (5_399, "90分钟", "90 mins"),
        (5_400, "2小时", "2 hrs"),
        (36 * 3600, "36小时", "36 hrs"),
        (172_800, "2天", "2 days"),
        (86_400 * 10, "10天", "10 days"),
    ],
)
def test_durations(seconds, zh, en):
    assert (duration(seconds, "zh"), duration(seconds, "en")) == (zh, en)


def test_duration_without_value():
    assert duration(None, "en") == "—"


@pytest.mark.parametrize(
    ("utc", "zh", "en"),
    [
        (datetime(2026, 12, 2, 6, 5, tzinfo=UTC), "12月2日 14:05", "2 Dec, 14:05"),
        (datetime(2025, 12, 31, 17, 0, tzinfo=UTC), "1月1日 01:00", "1 Jan, 01:00"),
        (datetime(2025, 12, 31, 15, 0, tzinfo=UTC), "2025年12月31日 23:00", "31 Dec 2025, 23:00"),
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), "2027年1月1日 00:30", "1 Jan 2027, 00:30"),
    ],
)
def test_dates_carry_the_year_when_not_the_current_one(utc, zh, en):
    with clock.set_to(NOW):
        assert (local_time(utc, TZ, lang="zh"), local_time(utc, TZ, lang="en")) == (zh, en)


def test_time_without_language_is_numeric():
    moment = datetime(2025, 3, 7, 1, 5, tzinfo=UTC)
    assert (local_time(moment, TZ), local_time(moment, TZ, with_date=False)) == ("03-07 09:05", "09:05")
    assert local_time(moment, TZ, with_date=False, lang="en") == "09:05"
    assert local_time(None, TZ, lang="zh") == ""


def test_spans_say_the_year_only_when_it_is_not_the_current_one():
    from datetime import UTC, date, datetime

    from dashboard import clock
    from dashboard.kpis.timespan import TimeSelection, resolve
    from layouts.format import span_text

    now = datetime(2026, 12, 2, 6, 14, tzinfo=UTC)
    with clock.set_to(now):
        past = resolve(TimeSelection("custom", date(2025, 3, 1), date(2025, 3, 31)), now, "Asia/Shanghai")
        month = resolve(TimeSelection("this_month"), now, "Asia/Shanghai")
        assert "2025" in span_text(past, "zh") and "2025" in span_text(past, "en")
        assert "3月1日" in span_text(past, "zh") and "Mar" in span_text(past, "en")
        assert "2026" not in span_text(month, "zh") and "2026" not in span_text(month, "en")
        assert "12月1日" in span_text(month, "zh") and "Dec" in span_text(month, "en")
