"""Comparisons in a real Chromium for every kind of period — a calendar period, a rolling window, a custom range
and an as-of moment — on the overview, the environment page and the wall, with ``compare=previous`` (环比) and
``compare=year`` (同比), in both languages. The fixture city holds less than a year of data: every 同比 says "no
data" (cards, tiles, charts), never a change from 0 nor a dashed line; every 环比 draws its comparison dashed or
says on the chart that it has no data."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import READY, assert_clean, open_page, settle

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Shanghai")
#: A chart's texts (titles, legend, notes) and how many dashed series lines it draws.
CHART = """(selector) => { const g = document.querySelector(selector); return {
  text: Array.from(g.querySelectorAll('text')).map(e => e.textContent).join(' | '),
  dashed: Array.from(g.querySelectorAll('path.js-line'))
    .filter(p => (p.style.strokeDasharray || 'none') !== 'none').length}; }"""
#: A chart has drawn its text (axes, legend or its "no data" note): under load it may still be drawing when the
#: page is otherwise quiet.
CHART_DRAWN = "(selector) => { const g = document.querySelector(selector); return !!g && !!g.querySelector('text'); }"
CHANGES = """(selector) => Array.from(document.querySelectorAll(selector)).map(e => ({
  text: e.textContent, cls: e.className}))"""
#: The comparison's name on the charts, and its "no data" note.
LABEL = {
    ("zh", "previous"): "环比",
    ("zh", "year"): "同比",
    ("en", "previous"): "Previous period",
    ("en", "year"): "Year before",
}
NO_DATA = {"zh": "无数据", "en": "no data"}
FORMS = ("calendar", "rolling", "custom", "as_of")


def _chart(page, selector: str) -> dict:
    """The text and dashed lines of the chart at ``selector``, once it has drawn its text."""
    page.wait_for_function(CHART_DRAWN, arg=selector, timeout=30_000)
    return page.evaluate(CHART, selector)


def _query(form: str, calendar: str, city_moment: datetime) -> str:
    """The time parameters of a period of kind ``form`` (days and moments relative to the city's moment)."""
    now = city_moment.astimezone(TZ)
    if form == "calendar":
        return f"period={calendar}"
    if form == "rolling":
        return "period=7d"
    if form == "custom":
        return f"from={(now - timedelta(days=1)).date()}&to={now.date()}"
    return f"period=today&as_of={(now - timedelta(hours=3)).strftime('%Y-%m-%dT%H:00')}"


def _lang(form: str, compare: str) -> str:
    """Both languages for each comparison: Chinese for half the period kinds, English for the other half."""
    return "zh" if (FORMS.index(form) + (compare == "year")) % 2 == 0 else "en"


def _no_data_everywhere(changes: list[dict], lang: str) -> None:
    assert changes and all(NO_DATA[lang] in c["text"] for c in changes), changes
    assert not [c for c in changes if "text-success" in c["cls"] or "text-danger" in c["cls"]], changes


def _complaints_reach_back(form: str, city_moment: datetime) -> bool:
    """Whether the period a 环比 compares with begins within the city's complaints, which begin 45 days before
    its moment (``synthetic_city._complaints``): the rolling, custom and as-of forms compare within 14 days, this
    month with the month before from its first day."""
    if form != "calendar":
        return True
    local = city_moment.astimezone(TZ)
    month_before = (local.replace(day=1) - timedelta(days=1)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    oldest = (city_moment - timedelta(days=45)).replace(minute=0, second=0, microsecond=0)
    return oldest <= month_before


def _chart_compared(chart: dict, lang: str, compare: str) -> None:
    """A chart with a comparison: never a dashed line a year back; else dashed lines or the no-data note."""
    note = f"{LABEL[lang, compare]}{'：' if lang == 'zh' else ': '}{NO_DATA[lang]}"
    if compare == "year":
        assert chart["dashed"] == 0 and note in chart["text"], chart
    else:
        assert chart["dashed"] > 0 or note in chart["text"], chart


@pytest.mark.parametrize("compare", ["previous", "year"])
@pytest.mark.parametrize("form", FORMS)
def test_overview_compares_every_kind_of_period(context, live_url, city_moment, screenshots, form, compare):
    lang = _lang(form, compare)
    page, problems, callbacks = open_page(
        context, live_url, f"/?lang={lang}&compare={compare}&{_query(form, 'this_month', city_moment)}"
    )
    try:
        settle(page, READY["overview"])
        headline, cards = (page.evaluate(CHANGES, f"{s} .change") for s in (".kpi-card", ".score-card"))
        assert len(headline) == 5 and len(cards) >= 20
        trend = _chart(page, "#overview-score-trend")
        if compare == "year":
            _no_data_everywhere(headline + cards, lang)
            assert trend["dashed"] == 0
            assert ("去年同期：无数据" if lang == "zh" else "a year earlier: no data") in trend["text"], trend
        elif _complaints_reach_back(form, city_moment):
            assert [c for c in cards if NO_DATA[lang] not in c["text"]], cards  # yesterday's complaints compare
            assert ("前 14 天" if lang == "zh" else "the 14 days before") in trend["text"], trend
        else:  # late in a month, the month before began before any of the city's data
            _no_data_everywhere(cards, lang)
            assert ("前 14 天" if lang == "zh" else "the 14 days before") in trend["text"], trend
        if form in ("calendar", "as_of"):
            page.screenshot(path=str(screenshots / f"overview-{form}-compare-{compare}-{lang}.png"))
            page.locator("#overview-score-trend").screenshot(
                path=str(screenshots / f"overview-score-trend-{form}-compare-{compare}-{lang}.png")
            )
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize("compare", ["previous", "year"])
@pytest.mark.parametrize("form", FORMS)
def test_environment_compares_every_kind_of_period(context, live_url, city_moment, screenshots, form, compare):
    """The calendar period is this year: read by month (HJ 663), the titles say so."""
    lang = _lang(form, compare)
    page, problems, callbacks = open_page(
        context, live_url, f"/environment?lang={lang}&compare={compare}&{_query(form, 'this_year', city_moment)}"
    )
    try:
        settle(page, READY["environment"])
        page.wait_for_selector("#environment-tiles .kpi-change", timeout=30_000)
        tiles = page.evaluate(CHANGES, "#environment-tiles .change")
        assert tiles
        if compare == "year":
            _no_data_everywhere(tiles, lang)
        aqi = _chart(page, "#environment-aqi")
        title = page.locator("#environment-aqi-panel .panel-title").inner_text()
        assert ("按月" if lang == "zh" else "by month") in title
        empty = ("没有一天", "暂无数据") if lang == "zh" else ("No day of the period", "No data yet")
        if not any(text in aqi["text"] for text in empty):  # no AQI in the period (or no daily AQI): no chart
            _chart_compared(aqi, lang, compare)
        if form == "calendar":
            page.screenshot(path=str(screenshots / f"environment-year-compare-{compare}-{lang}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize("compare", ["previous", "year"])
@pytest.mark.parametrize("form", FORMS)
def test_wall_compares_every_kind_of_period(context, live_url, city_moment, screenshots, form, compare):
    """The wall (dark) with the halls scene: its KPI strip and its trend compared as the URL says."""
    lang = _lang(form, compare)
    page, problems, callbacks = open_page(
        context,
        live_url,
        f"/wall?lang={lang}&scenes=halls,complaints&compare={compare}&{_query(form, 'this_week', city_moment)}",
        theme="dark",
    )
    try:
        settle(page, READY["wall"])
        strip = page.evaluate(CHANGES, ".wall-kpis .kpi-card .change")
        assert len(strip) == 5
        if compare == "year":
            _no_data_everywhere(strip, lang)
        _chart_compared(_chart(page, ".wall-panel-halls_trend .js-plotly-plot"), lang, compare)
        if form in ("calendar", "as_of"):
            page.screenshot(path=str(screenshots / f"wall-{form}-compare-{compare}-{lang}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize(("lang", "compare"), [("zh", "previous"), ("en", "year")])
def test_wall_city_scene_compared(context, live_url, screenshots, lang, compare):
    """The wall's first scene (the city map and the complaints of the last 48 hours) with its comparison."""
    page, problems, callbacks = open_page(
        context, live_url, f"/wall?lang={lang}&scenes=city,complaints&compare={compare}", theme="dark"
    )
    try:
        settle(page, READY["wall"])
        _chart_compared(_chart(page, ".wall-panel-city_trend .js-plotly-plot"), lang, compare)
        page.screenshot(path=str(screenshots / f"wall-city-compare-{compare}-{lang}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
