"""The time model: every expected bound below is computed by hand from the calendar and the zones' offsets.

Asia/Shanghai is UTC+8 all year. America/Chicago is UTC-6 (CST) and UTC-5 (CDT) from 8 March 2026 02:00 to
1 November 2026 02:00. 2 December 2026 is a Wednesday; 1 January 2027 a Friday; 2028 is a leap year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dashboard.kpis.timespan import (
    TimeSelection,
    comparison,
    on_history,
    previous,
    resolve,
    selection_from_query,
    selection_to_query,
    year_before,
)

SH, CHI = "Asia/Shanghai", "America/Chicago"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = utc("2026-12-02T06:14")  # Wednesday 2 December 2026, 14:14 in Shanghai


def bounds(span):
    return span.start, span.end, span.full_end


@pytest.mark.parametrize(
    ("period", "start", "full_end", "grain"),
    [
        ("today", "2026-12-01T16:00", "2026-12-02T16:00", "hour"),
        ("yesterday", "2026-11-30T16:00", "2026-12-01T16:00", "hour"),
        ("this_week", "2026-11-29T16:00", "2026-12-06T16:00", "day"),  # Monday 30 November
        ("last_week", "2026-11-22T16:00", "2026-11-29T16:00", "day"),
        ("this_month", "2026-11-30T16:00", "2026-12-31T16:00", "day"),
        ("last_month", "2026-10-31T16:00", "2026-11-30T16:00", "day"),
        ("this_quarter", "2026-09-30T16:00", "2026-12-31T16:00", "day"),  # 92 days
        ("last_quarter", "2026-06-30T16:00", "2026-09-30T16:00", "day"),  # July-September, 92 days
        ("this_year", "2025-12-31T16:00", "2026-12-31T16:00", "month"),
        ("last_year", "2024-12-31T16:00", "2025-12-31T16:00", "month"),
    ],
)
def test_calendar_periods_in_shanghai(period, start, full_end, grain):
    span = resolve(TimeSelection(period), NOW, SH)
    assert span.start == utc(start) and span.full_end == utc(full_end)
    assert span.end == min(utc(full_end), NOW)
    assert span.grain == grain and span.kind == "calendar" and span.as_of == NOW


def test_current_periods_are_clipped_to_now_and_past_ones_are_whole():
    assert resolve(TimeSelection("this_month"), NOW, SH).partial
    assert not resolve(TimeSelection("last_month"), NOW, SH).partial


def test_year_boundary_in_local_time():
    # 2026-12-31T20:00Z is 04:00 on Friday 1 January 2027 in Shanghai.
    moment = utc("2026-12-31T20:00")
    assert resolve(TimeSelection("today"), moment, SH).start == utc("2026-12-31T16:00")
    assert resolve(TimeSelection("this_year"), moment, SH).start == utc("2026-12-31T16:00")
    assert bounds(resolve(TimeSelection("yesterday"), moment, SH))[::2] == (
        utc("2026-12-30T16:00"),
        utc("2026-12-31T16:00"),
    )
    # The ISO week holding 1 January 2027 starts on Monday 28 December 2026.
    assert resolve(TimeSelection("this_week"), moment, SH).start == utc("2026-12-27T16:00")
    last_week = resolve(TimeSelection("last_week"), moment, SH)
    assert (last_week.start, last_week.end) == (utc("2026-12-20T16:00"), utc("2026-12-27T16:00"))
    for period, start in (
        ("last_month", "2026-11-30T16:00"),
        ("last_quarter", "2026-09-30T16:00"),
        ("last_year", "2025-12-31T16:00"),
    ):
        span = resolve(TimeSelection(period), moment, SH)
        assert (span.start, span.end) == (utc(start), utc("2026-12-31T16:00")), period
    # The same instant is still 2026 in Chicago (14:00 on 31 December, CST).
    assert resolve(TimeSelection("this_year"), moment, CHI).start == utc("2026-01-01T06:00")


def test_dst_days_in_chicago_are_23_and_25_hours():
    spring = resolve(TimeSelection("today"), utc("2026-03-08T20:00"), CHI)
    assert (spring.start, spring.full_end) == (utc("2026-03-08T06:00"), utc("2026-03-09T05:00"))
    autumn = resolve(TimeSelection("yesterday"), utc("2026-11-02T12:00"), CHI)
    assert (autumn.start, autumn.end) == (utc("2026-11-01T05:00"), utc("2026-11-02T06:00"))
    march = resolve(TimeSelection("this_month"), utc("2026-03-20T12:00"), CHI)
    assert (march.start, march.full_end) == (utc("2026-03-01T06:00"), utc("2026-04-01T05:00"))
    week = resolve(TimeSelection("last_week"), utc("2026-03-10T12:00"), CHI)  # Tuesday 10 March
    assert (week.start, week.end) == (utc("2026-03-02T06:00"), utc("2026-03-09T05:00"))


def test_previous_of_a_partial_day_is_the_same_wall_clock_part_of_yesterday():
    # 15:00 CDT on the spring-forward day; the day before runs to 15:00 CST.
    today = resolve(TimeSelection("today"), utc("2026-03-08T20:00"), CHI)
    before = previous(today, CHI)
    assert (before.start, before.end, before.full_end) == (
        utc("2026-03-07T06:00"),
        utc("2026-03-07T21:00"),
        utc("2026-03-08T06:00"),
    )


def test_previous_of_calendar_periods():
    quarter = previous(resolve(TimeSelection("this_quarter"), NOW, SH), SH)
    # 62 days and 14:14 into Q4; the same into Q3 is 1 September 14:14 local.
    assert bounds(quarter) == (utc("2026-06-30T16:00"), utc("2026-09-01T06:14"), utc("2026-09-30T16:00"))
    last = previous(resolve(TimeSelection("last_month"), NOW, SH), SH)
    assert bounds(last) == (utc("2026-09-30T16:00"), utc("2026-10-31T16:00"), utc("2026-10-31T16:00"))
    # Chained: the week before last week.
    weeks = previous(previous(resolve(TimeSelection("this_week"), NOW, SH), SH), SH)
    assert (weeks.start, weeks.full_end) == (utc("2026-11-15T16:00"), utc("2026-11-22T16:00"))
    # 31 March: 30 days into March is past February's end, so February is taken whole.
    march = previous(resolve(TimeSelection("this_month"), utc("2026-03-31T02:00"), SH), SH)
    assert bounds(march) == (utc("2026-01-31T16:00"), utc("2026-02-28T16:00"), utc("2026-02-28T16:00"))
    year = previous(resolve(TimeSelection("this_year"), NOW, SH), SH)
    assert bounds(year) == (utc("2024-12-31T16:00"), utc("2025-12-02T06:14"), utc("2025-12-31T16:00"))


def test_rolling_windows_and_their_previous():
    day = resolve(TimeSelection("24h"), NOW, SH)
    assert bounds(day) == (utc("2026-12-01T06:14"), NOW, NOW) and day.grain == "hour" and day.hours
    assert bounds(previous(day, SH)) == (utc("2026-11-30T06:14"), utc("2026-12-01T06:14"), utc("2026-12-01T06:14"))
    week = resolve(TimeSelection("7d"), NOW, SH)
    assert week.start == utc("2026-11-25T06:14") and week.grain == "day"
    assert resolve(TimeSelection("30d"), NOW, SH).start == utc("2026-11-02T06:14")


def test_custom_dates_include_the_last_day():
    span = resolve(TimeSelection("custom", date(2025, 3, 1), date(2025, 3, 31)), NOW, SH)
    assert bounds(span) == (utc("2025-02-28T16:00"), utc("2025-03-31T16:00"), utc("2025-03-31T16:00"))
    assert (span.first_day, span.last_day, span.grain) == (date(2025, 3, 1), date(2025, 3, 31), "day")
    # 31 days before: 29 January to 28 February.
    assert bounds(previous(span, SH))[::2] == (utc("2025-01-28T16:00"), utc("2025-02-28T16:00"))
    # A year before: 1 to 31 March 2024.
    assert bounds(year_before(span, SH))[::2] == (utc("2024-02-29T16:00"), utc("2024-03-31T16:00"))


def test_custom_days_across_a_dst_change():
    span = resolve(TimeSelection("custom", date(2026, 3, 7), date(2026, 3, 8)), NOW, CHI)
    assert bounds(span) == (utc("2026-03-07T06:00"), utc("2026-03-09T05:00"), utc("2026-03-09T05:00"))
    assert span.grain == "hour"  # 47 hours
    assert bounds(previous(span, CHI))[::2] == (utc("2026-03-05T06:00"), utc("2026-03-07T06:00"))


def test_custom_hours_are_local_and_end_excluded():
    span = resolve(TimeSelection("custom", datetime(2026, 6, 1, 8), datetime(2026, 6, 1, 18)), NOW, CHI)
    assert (span.start, span.end) == (utc("2026-06-01T13:00"), utc("2026-06-01T23:00"))
    assert span.hours and span.grain == "hour"
    assert (previous(span, CHI).start, previous(span, CHI).end) == (utc("2026-06-01T03:00"), utc("2026-06-01T13:00"))


def test_a_custom_range_running_past_now_is_clipped():
    span = resolve(TimeSelection("custom", date(2026, 12, 1), date(2026, 12, 31)), NOW, SH)
    assert (span.end, span.full_end) == (NOW, utc("2026-12-31T16:00")) and span.partial


def test_year_before_maps_29_february_to_28_february():
    leap_day = resolve(TimeSelection("today"), utc("2028-02-29T04:00"), SH)  # noon, 29 February 2028
    assert bounds(year_before(leap_day, SH)) == (
        utc("2027-02-27T16:00"),
        utc("2027-02-28T04:00"),
        utc("2027-02-28T16:00"),
    )
    rolling = resolve(TimeSelection("24h"), utc("2028-02-29T04:00"), SH)
    shifted = year_before(rolling, SH)
    assert (shifted.start, shifted.end) == (utc("2027-02-27T04:00"), utc("2027-02-28T04:00"))
    year = year_before(resolve(TimeSelection("this_year"), NOW, SH), SH)
    assert bounds(year) == (utc("2024-12-31T16:00"), utc("2025-12-02T06:14"), utc("2025-12-31T16:00"))


def test_year_before_in_a_dst_zone_keeps_local_times():
    # 10:00 CDT on 20 March 2026 -> 10:00 CDT on 20 March 2025 (DST began 9 March 2025).
    span = resolve(TimeSelection("today"), utc("2026-03-20T15:00"), CHI)
    assert bounds(year_before(span, CHI)) == (utc("2025-03-20T05:00"), utc("2025-03-20T15:00"), utc("2025-03-21T05:00"))


def test_as_of_moves_the_city_back():
    chosen = TimeSelection("today", as_of=datetime(2025, 6, 30, 18, 0))  # naive: Shanghai time
    span = resolve(chosen, NOW, SH)
    assert (span.start, span.end, span.as_of) == (
        utc("2025-06-29T16:00"),
        utc("2025-06-30T10:00"),
        utc("2025-06-30T10:00"),
    )
    # A date means the end of that local day; an as-of after now is now.
    assert resolve(TimeSelection("7d", as_of=date(2025, 6, 30)), NOW, SH).as_of == utc("2025-06-30T16:00")
    assert resolve(TimeSelection("7d", as_of=NOW + timedelta(days=3)), NOW, SH).as_of == NOW


def test_comparison_follows_the_selection():
    span = resolve(TimeSelection("last_month", compare="year"), NOW, SH)
    assert comparison(span, SH).start == utc("2025-10-31T16:00")
    assert comparison(resolve(TimeSelection("last_month", compare="previous"), NOW, SH), SH).start == utc(
        "2026-09-30T16:00"
    )
    assert comparison(resolve(TimeSelection("last_month"), NOW, SH), SH) is None


@pytest.mark.parametrize(
    "query",
    [
        {"period": "this_quarter"},
        {"period": "7d", "compare": "previous"},
        {"from": "2025-03-01", "to": "2025-03-31", "compare": "year"},
        {"from": "2026-06-01T08:00", "to": "2026-06-01T18:00", "as_of": "2026-06-01T12:30"},
        {"period": "yesterday", "as_of": "2025-06-30"},
        {"period": "today", "as_of": "2025-06-30T10:00Z"},
    ],
)
def test_query_round_trip(query):
    assert selection_to_query(selection_from_query(query)) == query


def test_query_parsing():
    assert selection_from_query({}) == TimeSelection("24h")
    assert selection_from_query({}, default="today") == TimeSelection("today")
    assert selection_from_query({"period": ["last_week"], "x": "ignored"}) == TimeSelection("last_week")
    assert selection_from_query({"from": "2025-03-01", "to": "2025-03-31", "period": "custom"}) == TimeSelection(
        "custom", date(2025, 3, 1), date(2025, 3, 31)
    )
    assert selection_from_query({"period": "24h", "compare": ""}) == TimeSelection("24h")
    assert selection_from_query({"period": "week"}) == TimeSelection("this_week")  # an older overview link


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"period": "fortnight"}, "period"),
        ({"period": "custom"}, "period"),
        ({"period": "7d", "from": "2025-01-01", "to": "2025-01-02"}, "from"),
        ({"from": "2025-01-01"}, "to"),
        ({"to": "2025-01-01"}, "from"),
        ({"from": "2025-02-30", "to": "2025-03-01"}, "from"),
        ({"from": "2025-03-01", "to": "yesterday"}, "to"),
        ({"from": "2025-03-02", "to": "2025-03-01"}, "from"),
        ({"from": "2025-03-01T10:00", "to": "2025-03-01T09:00"}, "from"),
        ({"from": "2025-03-01", "to": "2025-03-01T09:00"}, "from"),
        ({"from": "2022-01-01", "to": "2025-01-01"}, "from"),
        ({"period": "today", "as_of": "noon"}, "as_of"),
        ({"period": "today", "compare": "lastyear"}, "compare"),
    ],
)
def test_query_errors_name_the_parameter(query, names):
    with pytest.raises(ValueError, match=names):
        selection_from_query(query)


def test_three_years_is_the_longest_range():
    assert selection_from_query({"from": "2022-01-01", "to": "2024-12-31"}).period == "custom"  # 1096 days
    with pytest.raises(ValueError, match="longer than 1096 days"):
        selection_from_query({"from": "2022-01-01", "to": "2025-01-01"})


def test_an_old_database_opens_on_its_newest_data():
    newest = utc("2025-10-10T02:15") + timedelta(seconds=20)  # 10:15:20 on 10 October 2025 in Shanghai
    moved = on_history(TimeSelection("today"), newest, NOW, SH)
    assert moved == TimeSelection("today", as_of=utc("2025-10-10T02:16"))
    span = resolve(moved, NOW, SH)
    assert (span.start, span.end) == (utc("2025-10-09T16:00"), utc("2025-10-10T02:16"))
    assert on_history(TimeSelection("7d"), NOW - timedelta(days=3), NOW, SH) is None  # data inside the period
    assert on_history(TimeSelection("7d", as_of=NOW), newest, NOW, SH) is None  # a moment chosen on purpose
    assert on_history(TimeSelection("7d"), None, NOW, SH) is None  # no data at all
