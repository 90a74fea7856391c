"""The overview is one screen: at 1920 × 1080 the whole page (time picker, KPI strip, score row, registry cards
and map) fits the viewport without scrolling in both languages, and no card title is cut off."""

from __future__ import annotations

import pytest
from browsing import READY, assert_clean, open_page, settle

pytestmark = pytest.mark.e2e

#: Titles whose text is wider than their box (cut off with an ellipsis or hidden by overflow).
TRUNCATED = """Array.from(document.querySelectorAll('.kpi-card .kpi-title, .score-card .sc-name, .panel-title'))
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_fits_one_full_hd_screen(context, live_url, screenshots, lang):
    page, problems, callbacks = open_page(context, live_url, f"/?lang={lang}", "light")
    try:
        settle(page, READY["overview"])
        page.wait_for_timeout(500)
        height = page.evaluate("Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        page.screenshot(path=str(screenshots / f"overview-fit-{lang}.png"))
        assert height <= 1080, height
        assert page.evaluate(TRUNCATED) == []
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
