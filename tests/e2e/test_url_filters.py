"""A district named in the URL stays chosen however late the page's data arrives: the page's first drawing is
held back until its dropdowns are on screen (as on a loaded machine), then let through, and the dropdown must
still show the district and the tiles count the district's complaints, not the city's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browsing import READY, assert_clean, open_page, settle

from dashboard.db.models import Complaint
from tests.dashboard.synthetic_city import _background, _complaints

pytestmark = pytest.mark.e2e

DISTRICT, NAMES = "339901", {"zh": "澄东区", "en": "Chengdong"}
HALLS_DISTRICT = "339902"  # no service hall: its hall tiles have no value (the city's have one)


def _received(moment, district=None) -> int:
    """Complaints of the synthetic city received in the 30 days to ``moment`` (in ``district``), counted from
    the rows it was built from."""
    rows = _complaints(moment) + _background(moment)[Complaint]
    start = moment - timedelta(days=30)
    return sum(start <= r["requested_at"] < moment and district in (None, r["district_code"]) for r in rows)


def _open_held(context, live_url, path, output, dropdown):
    """``path`` opened with the callback drawing ``output`` held until ``dropdown`` is drawn, then released."""
    held, released = [], []

    def hold(route):
        if released or output not in (route.request.post_data or ""):
            route.continue_()
        else:
            held.append(route)

    page, problems, callbacks = open_page(context, live_url, "/health")
    page.route("**/_dash-update-component*", hold)
    page.goto(live_url + path, wait_until="load")
    page.wait_for_selector(f"button#{dropdown}", timeout=30_000)
    page.wait_for_timeout(500)  # the dropdown's effects (checking its value against its options) have run
    assert held, "the page's drawing was not held"
    released.append(True)
    for route in held:
        route.continue_()
    return page, problems, callbacks


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_complaints_keep_the_url_district(context, live_url, city_moment, screenshots, lang):
    url = f"/complaints?district={DISTRICT}&period=30d&lang={lang}"
    page, problems, callbacks = _open_held(context, live_url, url, "complaints-tiles", "complaints-district")
    try:
        settle(page, READY["complaints"])
        assert page.locator("button#complaints-district").inner_text().strip() == NAMES[lang]
        received = int(page.locator("#tile-received .kpi-number").inner_text().replace(",", ""))
        assert _received(city_moment, DISTRICT) != _received(city_moment)
        assert received == _received(city_moment, DISTRICT)
        assert f"district={DISTRICT}" in page.url
        page.screenshot(path=str(screenshots / f"complaints-district-{lang}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_halls_keep_the_url_district(context, live_url):
    url = f"/halls?district={HALLS_DISTRICT}&period=30d&lang=zh"
    page, problems, callbacks = _open_held(context, live_url, url, "halls-tiles", "halls-district")
    try:
        settle(page, READY["halls"])
        assert page.locator("button#halls-district").inner_text().strip() == "澄西区"
        assert page.locator("#tile-wait .kpi-number").inner_text().strip() == "—"
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_map_keeps_the_url_district(context, live_url):
    url = f"/map?district={DISTRICT}&period=30d&lang=zh"
    page, problems, callbacks = _open_held(context, live_url, url, "map-summary", "map-district")
    try:
        settle(page, READY["map"])
        assert page.locator("button#map-district").inner_text().strip() == NAMES["zh"]
        assert f"district={DISTRICT}" in page.url
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
