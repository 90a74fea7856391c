"""The time picker on the map explorer and the feeds page in a real Chromium: a past custom range with the slider
moved over it and its 环比 counts, an as-of moment, a link with ``from``/``to``/``compare=year`` opened the same in
fresh browsers, and the feeds page over a period and at an as-of moment. Counts are the oracle's, read from the
raw facts; the feeds' runs and quarantine are counted by hand from ``synthetic_city._feed_ops`` (5 feeds with runs
3 and 1 minutes before the city's moment, the halls' feed with runs 15, 2 and 1 minutes before; records
quarantined 1 and 30 minutes before)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from browsing import READY, assert_clean, open_page, replay_paused_at, settle

from tests.oracle import oracle

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def facts(live_engine):
    return oracle.Facts.read(live_engine)


def _midnight(day) -> datetime:
    return datetime.combine(day, time(), TZ).astimezone(UTC)


def _received(facts, start: datetime, end: datetime, now: datetime) -> int:
    return int(oracle.complaint_numbers(facts, start, end, now)["received"])


def _count(page) -> int:
    return int(re.sub(r"\D", "", page.locator("#map-count").inner_text()) or 0)


#: Whether the selection's count reads ``arg``.
COUNT_IS = "(n) => document.querySelector('#map-count').textContent.replace(/\\D/g, '') === String(n)"
#: Whether the slider's label names the one hour from ``arg`` (a local time).
HOUR_IS = """(time) => {
  const text = document.querySelector('#map-hour-label').textContent;
  return text.startsWith('Hour from') && text.includes(time);
}"""
#: Whether the slider's label names the whole month ``arg`` (its short English name).
MONTH_IS = """(month) => {
  const text = document.querySelector('#map-hour-label').textContent;
  return text.startsWith(month) && text.endsWith('whole month');
}"""
#: Whether the selection's change against the compared span starts with ``arg``.
CHANGE_IS = "(text) => document.querySelector('#map-compare').textContent.startsWith(text)"
DAY = timedelta(days=1)
#: Rows of an AG Grid (by id).
ROWS = "(grid) => document.querySelectorAll('#' + grid + ' .ag-center-cols-container .ag-row').length"


def _delta(current: int, base: int) -> str:
    """How the page writes a change of counts (without its relative part and arrow)."""
    return ("+" if current > base else "−" if current < base else "±") + str(abs(current - base))


def _range(city_moment) -> tuple:
    today = city_moment.astimezone(TZ).date()
    return today - timedelta(days=20), today - timedelta(days=8)  # 13 whole days in the past


def test_map_custom_range_slider_and_previous(context, live_url, facts, city_moment, screenshots):
    """Yesterday as a custom range of dates: its hours on the slider, each against the same hour the day before."""
    day = city_moment.astimezone(TZ).date() - timedelta(days=1)
    page, problems, callbacks = open_page(
        context, live_url, f"/map?lang=en&from={day}&to={day}&compare=previous&layers=areas,complaints"
    )
    try:
        settle(page, READY["map"])
        assert (page.locator("#map-time-from").input_value(), page.locator("#map-time-to").input_value()) == (
            day.isoformat(),
            day.isoformat(),
        )
        assert page.locator("#map-time-compare").input_value() == "previous"
        handle = page.locator("#map-hour [role=slider]")
        assert handle.get_attribute("aria-valuemax") == "24"  # 24 hours, and the whole day at 24
        start, end = _midnight(day), _midnight(day + timedelta(days=1))
        whole = _received(facts, start, end, city_moment)
        before = _received(facts, start - timedelta(days=1), start, city_moment)
        assert _count(page) == whole > 0
        assert page.locator("#map-compare").inner_text().startswith(_delta(whole, before) + " ")
        assert "vs the period before" in page.locator("#map-compare").inner_text()

        handle.focus()
        for step, key, label in ((23, "ArrowLeft", "23:00"), (0, "Home", "00:00"), (1, "ArrowRight", "01:00")):
            page.keyboard.press(key)
            page.wait_for_function("(step) => location.search.includes('hour=' + step)", arg=step)
            page.wait_for_function(HOUR_IS, arg=label)
            hour = start + timedelta(hours=step)
            now, then = (_received(facts, h, h + timedelta(hours=1), city_moment) for h in (hour, hour - DAY))
            page.wait_for_function(COUNT_IS, arg=now)
            page.wait_for_function(CHANGE_IS, arg=_delta(now, then) + " ")
        query = parse_qs(urlparse(page.url).query)
        assert (query["from"], query["to"], query["compare"]) == ([day.isoformat()], [day.isoformat()], ["previous"])
        page.screenshot(path=str(screenshots / "map-custom-day-previous-en.png"))
        # a period button leaves the range: the picker's dates are cleared, the comparison kept
        page.locator("#map-period label").filter(has_text="Last 7 days").click()
        page.wait_for_function("() => location.search.includes('period=7d')")
        page.wait_for_function("() => document.querySelector('#map-time-from').value === ''")
        query = parse_qs(urlparse(page.url).query)
        assert "from" not in query and query["compare"] == ["previous"]
        assert page.locator("#map-time-to").input_value() == ""
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_map_steps_through_last_quarter_day_by_day(context, live_url, facts, city_moment):
    """Last quarter: its days on the slider; its last day alone, counted by the oracle."""
    local = city_moment.astimezone(TZ).date()
    first_month = ((local.month - 1) // 3 * 3 - 3) % 12 + 1
    year = local.year - (1 if first_month > local.month else 0)
    first = local.replace(year=year, month=first_month, day=1)
    after = first.replace(year=year + (first_month + 3 > 12), month=(first_month + 2) % 12 + 1)
    page, problems, callbacks = open_page(context, live_url, "/map?lang=en&period=last_quarter&layers=areas,complaints")
    try:
        settle(page, READY["map"])
        handle = page.locator("#map-hour [role=slider]")
        assert handle.get_attribute("aria-valuemax") == str((after - first).days)  # 91 or 92 days
        handle.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('#map-hour-label').textContent.endsWith('whole day')")
        end = _midnight(after)
        page.wait_for_function(COUNT_IS, arg=_received(facts, end - DAY, end, city_moment))
        assert page.locator("#map-hour-label").inner_text().startswith(f"{(after - DAY).day} ")
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_map_replays_a_year_month_by_month(context, live_url, facts, city_moment):
    """This year as at a moment in its third month: the months so far on the slider, played back one by one."""
    local = city_moment.astimezone(TZ)
    as_of = local.replace(month=3, day=10, hour=12, minute=0, second=0, microsecond=0)
    page, problems, callbacks = open_page(
        context, live_url, f"/map?lang=en&period=this_year&as_of={as_of:%Y-%m-%dT%H:%M}&layers=areas,complaints"
    )
    try:
        settle(page, READY["map"])
        assert page.locator("#map-hour [role=slider]").get_attribute("aria-valuemax") == "3"  # January to March
        step = replay_paused_at(page, 1)  # paused as February shows
        assert step in (1, 2), step  # February or March
        assert parse_qs(urlparse(page.url).query)["hour"] == [str(step)]
        month = datetime(local.year, 1 + step, 1, tzinfo=TZ)
        # the label follows the slider once that step's answer is in (later on a loaded machine)
        page.wait_for_function(MONTH_IS, arg=month.strftime("%b"), timeout=15_000)
        start = month.astimezone(UTC)
        end = min(datetime(local.year, 2 + step, 1, tzinfo=TZ).astimezone(UTC), as_of.astimezone(UTC))
        page.wait_for_function(COUNT_IS, arg=_received(facts, start, end, city_moment))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_map_as_of_moment(context, live_url, facts, city_moment):
    page, problems, callbacks = open_page(context, live_url, "/map?lang=en&period=7d&hour=3")
    try:
        settle(page, READY["map"])
        local = (city_moment.astimezone(TZ) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        moment = local.strftime("%Y-%m-%d %H:%M")
        page.locator("#map-time-as-of").fill(moment)
        with page.expect_navigation():
            page.locator("#map-time-form button[type=submit]").click()
        settle(page, READY["map"])
        query = parse_qs(urlparse(page.url).query)
        assert (query["period"], query["as_of"]) == (["7d"], [moment]) and "hour" not in query  # a new selection
        assert "the city as at" in page.locator("#map-time-label").inner_text()
        assert page.locator("#map-time-as-of").input_value() == moment
        as_of = local.astimezone(UTC)
        expected = _received(facts, as_of - timedelta(days=7), as_of, city_moment)
        assert _count(page) == expected
        days_held = str(len({(local - timedelta(hours=h)).date() for h in range(1, 7 * 24 + 1)}))
        assert page.locator("#map-hour [role=slider]").get_attribute("aria-valuemax") == days_held  # 8 dates, 7 at 0:00
        # another period keeps the moment
        page.locator("#map-period label").filter(has_text="Last 24 h").click()
        page.wait_for_function("() => location.search.includes('period=24h')")
        day = _received(facts, as_of - timedelta(hours=24), as_of, city_moment)
        page.wait_for_function(COUNT_IS, arg=day)
        assert parse_qs(urlparse(page.url).query)["as_of"] == [moment]
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def _seen(browser, url: str) -> dict:
    """What a fresh browser (no cookies, no cache) shows of the map at ``url``."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    problems: list[str] = []
    callbacks: list[int] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: callbacks.append(r.status) if "_dash-update-component" in r.url else None)
    try:
        page.goto(url, wait_until="load")
        settle(page, READY["map"])
        page.wait_for_selector("#map-compare")
        seen = {
            "span": page.locator("#map-time-span").inner_text(),
            "from": page.locator("#map-time-from").input_value(),
            "to": page.locator("#map-time-to").input_value(),
            "compare": page.locator("#map-time-compare").input_value(),
            "count": _count(page),
            "change": page.locator("#map-compare").inner_text(),
            "steps": page.locator("#map-hour [role=slider]").get_attribute("aria-valuemax"),
        }
        assert_clean(problems, callbacks, page)
        return seen
    finally:
        context.close()


def test_a_map_link_with_a_year_comparison_opens_the_same_view(browser, live_url, facts, city_moment):
    first, last = _range(city_moment)
    url = f"{live_url}/map?lang=en&from={first}&to={last}&compare=year"
    one, two = _seen(browser, url), _seen(browser, url)
    assert one == two
    expected = _received(facts, _midnight(first), _midnight(last + timedelta(days=1)), city_moment)
    assert (one["from"], one["to"], one["compare"], one["count"]) == (
        first.isoformat(),
        last.isoformat(),
        "year",
        expected,
    )
    assert one["change"] == "no data vs a year earlier"  # the city's facts begin weeks ago, not a year
    assert one["steps"] == "13"


#: How many seconds before the city's moment each run of ``synthetic_city._feed_ops`` started.
RUN_AGES = [180, 60] * 5 + [900, 120, 60]


def _runs_started(city_moment: datetime, start: datetime, end: datetime) -> int:
    return sum(start <= city_moment - timedelta(seconds=age) < end for age in RUN_AGES)


def _grid_rows(page, grid: str) -> int:
    return page.evaluate(ROWS, grid)


def test_feeds_over_a_period_and_at_a_moment(context, live_url, city_moment, screenshots):
    page, problems, callbacks = open_page(context, live_url, "/feeds?lang=en&period=24h")
    try:
        settle(page, READY["feeds"])
        page.wait_for_function(ROWS, arg="feeds-runs")
        assert (_grid_rows(page, "feeds-runs"), _grid_rows(page, "feeds-quarantine")) == (13, 2)
        assert page.locator("#feeds-time-compare").count() == 0  # feed health has no 环比/同比
        assert page.locator("#feed-row-halls-queue .feed-badge").first.inner_text() == "Failed"

        # five minutes before the city's moment (to the minute): the halls' first run alone had started
        as_of = city_moment.astimezone(TZ) - timedelta(minutes=5)
        moment = as_of.strftime("%Y-%m-%d %H:%M")
        page.locator("#feeds-time-as-of").fill(moment)
        with page.expect_navigation():
            page.locator("#feeds-time-form button[type=submit]").click()
        settle(page, READY["feeds"])
        assert parse_qs(urlparse(page.url).query)["as_of"] == [moment]
        page.wait_for_function("() => document.querySelector('#feed-row-halls-queue .feed-badge').textContent === 'OK'")
        assert page.locator("#feed-row-air-ngsi .feed-badge").first.inner_text() == "Never ran"
        page.wait_for_function(f"(grid) => ({ROWS})(grid) === 1", arg="feeds-quarantine")
        assert (_grid_rows(page, "feeds-runs"), _grid_rows(page, "feeds-quarantine")) == (1, 1)
        assert "air-ngsi" in page.locator("#feeds-quarantine .ag-center-cols-container").inner_text()

        with page.expect_navigation():
            page.locator(".time-quick a[data-time-period='yesterday']").click()
        settle(page, READY["feeds"])
        # the quick link keeps the moment: the day before the moment's (so the day before yesterday just after 0:05)
        today = as_of.date()
        yesterdays = _runs_started(city_moment, _midnight(today - DAY), _midnight(today))  # some, just after 0:00
        if yesterdays:
            page.wait_for_function(f"(grid) => ({ROWS})(grid) === {yesterdays}", arg="feeds-runs")
        else:
            page.wait_for_function("() => document.querySelector('#feeds-runs-chart').textContent.includes('No runs')")
        assert _grid_rows(page, "feeds-runs") == yesterdays
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots_of_a_past_custom_range(context, live_url, city_moment, screenshots, lang):
    first, last = _range(city_moment)
    for name, path in (
        ("map", f"/map?lang={lang}&from={first}&to={last}&compare=previous&layers=areas,complaints"),
        ("feeds", f"/feeds?lang={lang}&from={first}&to={last}"),
    ):
        page, problems, callbacks = open_page(context, live_url, path)
        try:
            settle(page, READY[name])
            assert page.locator(f"#{name}-time-from").input_value() == first.isoformat()
            page.screenshot(path=str(screenshots / f"{name}-past-range-{lang}.png"), full_page=name == "feeds")
            assert_clean(problems, callbacks, page)
        finally:
            page.close()
