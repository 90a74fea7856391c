"""Comparisons and whole titles in a real Chromium at 1920 × 1080: the overview with ``compare=year`` (the
fixture city holds no data a year back: every 同比 says so, none is a change from 0) and ``compare=previous``
(changes with arrows, coloured by direction), in both languages; the map explorer's slider over a custom
90-day range steps through days."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import READY, assert_clean, open_page, settle
from sqlalchemy import func, select

from dashboard.db.models import Complaint

pytestmark = pytest.mark.e2e

#: Card titles cut short (an ellipsis, or text wider than its box).
TRUNCATED = """() => Array.from(document.querySelectorAll('.score-card .sc-name, .kpi-card .kpi-title'))
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.textContent)"""
CHANGES = """(selector) => Array.from(document.querySelectorAll(selector)).map(e => ({
  text: e.textContent, cls: e.className, title: e.getAttribute('title')}))"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_year_on_year_without_last_years_data(context, live_url, screenshots, lang):
    page, problems, callbacks = open_page(context, live_url, f"/?lang={lang}&compare=year")
    try:
        settle(page, READY["overview"])
        assert page.evaluate(TRUNCATED) == []
        cards = page.evaluate(CHANGES, ".score-card .change")
        assert len(cards) >= 20
        no_data = "同比 无数据" if lang == "zh" else "no data vs a year earlier"
        assert all(c["text"] == no_data and c["title"] is None for c in cards), cards
        assert not [c for c in cards if "text-success" in c["cls"] or "text-danger" in c["cls"]]
        headline = page.evaluate(CHANGES, ".kpi-card .change")
        latest = (
            ["较去年同日同一 15 分钟 无数据", "较去年同日同一小时 无数据"]
            if lang == "zh"
            else ["no data vs the same 15 min a year earlier", "no data vs the same hour a year earlier"]
        )
        assert [c["text"] for c in headline] == [no_data] * 3 + latest
        page.screenshot(path=str(screenshots / f"overview-compare-year-{lang}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def _received(engine, start, end) -> int:
    """Complaints requested in [start, end), counted straight from the fixture's facts."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(Complaint.requested_at >= start,
                                                       Complaint.requested_at < end)).scalar()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_against_the_previous_period(context, live_url, live_engine, city_moment, screenshots, lang):
    page, problems, callbacks = open_page(context, live_url, f"/?lang={lang}&compare=previous")
    try:
        settle(page, READY["overview"])
        assert page.evaluate(TRUNCATED) == []
        cards = page.evaluate(CHANGES, ".score-card .change")
        no_data = "无数据" if lang == "zh" else "no data"
        changed = [c for c in cards if no_data not in c["text"]]
        assert changed, cards  # the fixture's complaints of yesterday: changes with a comparison value
        for card in changed:  # a number, an arrow, the comparison value in the tooltip
            assert re.search(r"[+−±][\d.,]+.*[▲▼＝]", card["text"]) and card["title"], card
        # complaints received: lower is better; the arrow and colour follow today so far against yesterday by now,
        # both counted from the facts (just after the city's midnight the two can be equal: ＝, neutral)
        midnight = city_moment.astimezone(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0,
                                                                              microsecond=0)
        today = _received(live_engine, midnight, city_moment)
        yesterday = _received(live_engine, midnight - timedelta(days=1), city_moment - timedelta(days=1))
        received = page.locator("a[href*='kpi=complaints_received'] .change")
        text, cls = received.inner_text(), received.get_attribute("class")
        expected = ("▲", "text-danger") if today > yesterday else ("▼", "text-success") if today < yesterday else (
            "＝", "text-body-secondary")
        assert expected[0] in text and expected[1] in cls, (text, cls, today, yesterday)
        page.screenshot(path=str(screenshots / f"overview-compare-previous-{lang}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_map_slider_over_a_custom_90_day_range(context, live_url, city_moment, screenshots):
    """89 local days ending the day before yesterday (the city's), so that every one of them has passed whole."""
    last = city_moment.astimezone(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=2)
    first = last - timedelta(days=88)
    page, problems, callbacks = open_page(context, live_url, f"/map?lang=en&from={first}&to={last}")
    try:
        settle(page, READY["map"])
        handle = page.locator("#map-hour [role=slider]")
        assert handle.get_attribute("aria-valuemax") == "89"  # 89 days whole, and the whole range at 89
        assert page.locator("#map-period input[value=custom]").is_checked()
        assert "by day" in page.locator("#map-summary").inner_text()
        total = int(re.sub(r"\D", "", page.locator("#map-count").inner_text()))
        handle.focus()
        page.keyboard.press("ArrowLeft")  # the last day alone
        page.wait_for_function("() => document.querySelector('#map-hour-label').textContent.includes('whole day')")
        assert f"{last.day} {last:%b}, whole day" in page.locator("#map-hour-label").inner_text()
        page.wait_for_function("() => location.search.includes('hour=88')")
        assert f"from={first}" in page.url and f"to={last}" in page.url
        assert int(re.sub(r"\D", "", page.locator("#map-count").inner_text())) <= total
        page.screenshot(path=str(screenshots / "map-custom-90-days-en.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
