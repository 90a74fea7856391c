"""The time selection in the URL: a link with ``from``/``to``/``compare`` opens the same view in a fresh browser
(same selection, same numbers, equal to the API's for the same parameters); the picker's buttons and form set
the URL keeping its other parameters, and the navbar carries the selection to the other pages."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from browsing import READY, assert_clean, settle

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Shanghai")


def _days(city_moment: datetime) -> tuple[str, str]:
    today = city_moment.astimezone(TZ).date()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


def _seen(browser, url: str) -> dict:
    """What a fresh browser (no cookies, no cache) shows at ``url``."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    problems: list[str] = []
    callbacks: list[int] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: callbacks.append(r.status) if "_dash-update-component" in r.url else None)
    try:
        page.goto(url, wait_until="load")
        settle(page, READY["complaints"])
        page.wait_for_selector("#tile-received .kpi-number", timeout=30_000)
        seen = {
            "span": page.locator("#complaints-time-span").inner_text(),
            "from": page.locator("#complaints-time-from").input_value(),
            "to": page.locator("#complaints-time-to").input_value(),
            "compare": page.locator("#complaints-time-compare").input_value(),
            "active": page.locator(".time-quick .active").count(),
            "tiles": page.locator("#complaints-tiles .kpi-number").all_inner_texts(),
            "nav": page.locator("#nav-traffic").get_attribute("href"),
        }
        assert_clean(problems, callbacks, page)
        return seen
    finally:
        context.close()


def test_a_link_opens_the_same_view_in_a_fresh_browser(browser, live_url, city_moment):
    first, last = _days(city_moment)
    url = f"{live_url}/complaints?lang=en&from={first}&to={last}&compare=year"
    one, two = _seen(browser, url), _seen(browser, url)
    assert one == two
    assert (one["from"], one["to"], one["compare"], one["active"]) == (first, last, "year", 0)
    query = parse_qs(urlparse(one["nav"]).query)
    assert (query["from"], query["to"], query["compare"]) == ([first], [last], ["year"])
    with urllib.request.urlopen(f"{live_url}/api/v1/kpis?from={first}&to={last}") as response:
        values = {v["id"]: v["value"] for v in json.load(response)["values"]}
    assert one["tiles"][0] == str(int(values["complaints_received"])) and values["complaints_received"] > 0


def test_the_picker_sets_the_url_and_keeps_the_rest(context, live_url, city_moment):
    page = context.new_page()
    try:
        page.goto(f"{live_url}/complaints?lang=en&theme=dark&district=339902", wait_until="load")
        settle(page, READY["complaints"])
        with page.expect_navigation():
            page.locator(".time-quick a[data-time-period='last_month']").click()
        query = parse_qs(urlparse(page.url).query)
        assert (query["period"], query["lang"], query["district"]) == (["last_month"], ["en"], ["339902"])
        settle(page, READY["complaints"])
        assert page.locator(".time-quick .active").inner_text() == "Last month"
        first, last = _days(city_moment)
        page.locator("#complaints-time-from").fill(first)
        page.locator("#complaints-time-to").fill(last)
        page.locator("#complaints-time-compare").select_option("previous")
        with page.expect_navigation():
            page.locator("#complaints-time-form button[type=submit]").click()
        query = parse_qs(urlparse(page.url).query)
        assert "period" not in query and (query["from"], query["to"]) == ([first], [last])
        assert (query["compare"], query["district"]) == (["previous"], ["339902"])
    finally:
        page.close()


@pytest.mark.parametrize("period", ["yesterday", "last_week", "this_quarter", "last_year", "30d"])
def test_overview_quick_periods_and_as_of(context, live_url, city_moment, period):
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{live_url}/?lang=en", wait_until="load")
        settle(page, READY["overview"])
        with page.expect_navigation():
            page.locator(f".time-quick a[data-time-period='{period}']").click()
        settle(page, READY["overview"])
        assert parse_qs(urlparse(page.url).query)["period"] == [period]
        assert page.locator(".time-quick .active").get_attribute("data-time-period") == period
        moment = (city_moment.astimezone(TZ) - timedelta(hours=3)).strftime("%Y-%m-%d %H:00")
        page.locator("#overview-time-as-of").fill(moment)
        with page.expect_navigation():
            page.locator("#overview-time-form button[type=submit]").click()
        settle(page, READY["overview"])
        query = parse_qs(urlparse(page.url).query)
        assert (query["period"], query["as_of"]) == ([period], [moment])
        assert "the city as at" in page.locator("#overview-time-label").inner_text()
        assert page.locator("#overview-time-as-of").input_value() == moment
        assert not problems, problems
    finally:
        page.close()
