"""In Chromium: a domain page whose one chart has bad data (its frame lacks a column) shows that chart's failure
in its panel and draws the rest; a map whose district has no polygonal boundary draws the others and names the
one it left out on the map itself. Both languages, with screenshots for a human to look at."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from browsing import assert_clean, open_page, settle
from sqlalchemy import select, update

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import District
from dashboard.queries import traffic
from dashboard.settings import Settings
from tests.dashboard.synthetic_city import populate
from tests.e2e.city import enrich

pytestmark = pytest.mark.e2e

#: The district stored as its ring alone (lines: no area left to draw).
RING_ONLY = "339902"
FAILED = {"zh": "无法绘制", "en": "could not be drawn"}
NOTE = {"zh": "1 个区域未绘制", "en": "1 area not drawn"}
ANNOTATIONS = """id => ((document.getElementById(id).querySelector('.js-plotly-plot') || {}).layout || {})
    .annotations || []"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from waitress import create_server

    from dashboard.web.app import create_app

    folder = tmp_path_factory.mktemp("failing")
    engine = make_engine(f"sqlite:///{folder / 'cityops.db'}")
    upgrade(engine)
    populate(engine, datetime.now(UTC))
    enrich(engine)
    with engine.begin() as conn:
        ring = conn.execute(select(District.geometry).where(District.code == RING_ONLY)).scalar_one()
        conn.execute(update(District).where(District.code == RING_ONLY).values(geometry=ring.boundary))
    app = create_app(engine, Settings(var_dir=folder, refresh_seconds=30, auth_mode="open"))
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    engine.dispose()


@pytest.fixture
def no_class_speeds(monkeypatch):
    """Speeds by road class read without their speed column."""
    original = traffic.road_class_speeds
    monkeypatch.setattr(traffic, "road_class_speeds", lambda *a, **k: original(*a, **k).drop(columns=["speed_kmh"]))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_chart_fails_in_its_panel(context, served, screenshots, no_class_speeds, lang):
    page, problems, callbacks = open_page(context, served, f"/traffic?lang={lang}&theme=light")
    try:
        settle(page, "#traffic-trend .main-svg")
        assert page.locator(".problem-banner").count() == 0
        failed = " ".join(a["text"] for a in page.evaluate(ANNOTATIONS, "traffic-classes"))
        assert FAILED[lang] in failed.replace("<br>", " ") and "speed_kmh" in failed
        for graph in ("traffic-trend", "traffic-worst", "traffic-map"):
            texts = " ".join(a.get("text", "") for a in page.evaluate(ANNOTATIONS, graph))
            assert FAILED[lang] not in texts.replace("<br>", " "), graph
        drawn = page.evaluate("id => document.getElementById(id).querySelector('.js-plotly-plot').data.length",
                              "traffic-worst")
        assert drawn >= 1
        assert page.locator("#traffic-tiles .kpi-number").count() == 4
        page.screenshot(path=str(screenshots / f"traffic-failing-chart-{lang}-light.png"), full_page=True)
        assert_clean(problems, callbacks)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_names_the_area_it_could_not_draw(context, served, screenshots, lang):
    page, problems, callbacks = open_page(context, served, f"/map?lang={lang}&theme=dark", "dark")
    try:
        settle(page, "#map-graph .maplibregl-canvas")
        assert page.locator(".problem-banner").count() == 0
        note = page.locator("#map-graph .annotation-text").all_text_contents()
        assert any(text.startswith(NOTE[lang]) and f"({RING_ONLY})" in text for text in note), note
        page.screenshot(path=str(screenshots / f"map-skipped-area-{lang}-dark.png"))
        assert_clean(problems, callbacks)
    finally:
        page.close()
