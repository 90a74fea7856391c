"""Every page in a real Chromium, both themes and languages: no console error, no failed callback, nothing
fetched from outside localhost, nothing left empty; screenshots of each for a human to look at."""

from __future__ import annotations

import importlib
from urllib.parse import urlparse

import pytest
import shapely
from browsing import READY, assert_clean, open_page, settle

from dashboard.queries import reference

pytestmark = pytest.mark.e2e

PATHS = {
    "overview": "/",
    "map": "/map",
    "complaints": "/complaints",
    "traffic": "/traffic",
    "environment": "/environment",
    "halls": "/halls",
    "district": "/district/339901",
    "feeds": "/feeds",
    "reports": "/reports",
    "wall": "/wall",
}
VARIANTS = (("zh", "light"), ("en", "dark"))
CASES = [(name, lang, theme) for name in PATHS for lang, theme in VARIANTS]


@pytest.mark.parametrize(("name", "lang", "theme"), CASES, ids=[f"{n}-{lg}-{th}" for n, lg, th in CASES])
def test_page_renders(context, live_url, screenshots, name, lang, theme):
    page, problems, callbacks = open_page(context, live_url, f"{PATHS[name]}?lang={lang}&theme={theme}", theme)
    try:
        settle(page, READY[name])
        assert page.locator(f"[data-bs-theme='{theme}']").count() >= 1
        assert page.locator(".problem-banner").count() == 0
        # no empty graph: every visible figure has traces or says why it has none
        empty = page.evaluate(
            """Array.from(document.querySelectorAll('.js-plotly-plot'))
                .filter(g => g.offsetParent !== null && getComputedStyle(g).visibility !== 'hidden')
                .filter(g => !(g.data || []).length && !((g.layout || {}).annotations || []).length)
                .map(g => g.parentElement.id || g.id)"""
        )
        assert empty == [], empty
        if name in ("overview", "wall"):
            assert page.locator(".kpi-stale").count() >= 1  # the halls feed of the fixture is stale
        if name == "wall":
            assert page.locator(".cityops-clock").inner_text().strip()
            assert page.locator(".ticker-item").count() >= 1
        if name == "feeds":
            page.wait_for_selector("#feeds-quarantine .ag-row", timeout=15_000)
            assert page.locator("#feed-row-halls-queue .badge").last.inner_text() == (
                "过期" if lang == "zh" else "Stale"
            )
            assert page.locator(".ag-row img").count() == 0
            assert page.locator("#feeds-runs .ag-row").count() >= 1
        page.screenshot(path=str(screenshots / f"{name}-{lang}-{theme}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wall_in_4k(context, live_url, screenshots, lang):
    page, problems, callbacks = open_page(context, live_url, f"/wall?lang={lang}&rotate=600", "dark", (3840, 2160))
    try:
        settle(page, READY["wall"])
        page.screenshot(path=str(screenshots / f"wall-4k-{lang}-dark.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_wall_rotates_and_marks_stale_panels(context, live_url, screenshots):
    page, problems, callbacks = open_page(context, live_url, "/wall?scenes=halls,city&rotate=3&lang=zh", "dark")
    try:
        settle(page, READY["wall"])
        # the halls feed is stale: both panels of the halls scene say since when (the other feeds of the
        # fixture turn stale too a few minutes into the session)
        stale = page.locator(".wall-panel-halls_ranking.wall-panel-stale, .wall-panel-halls_trend.wall-panel-stale")
        assert stale.count() == 2
        assert "起过期" in stale.first.locator(".wall-fresh").text_content()
        # the scenes take turns by themselves; the city's figures, not drawn with the page, are there when it shows
        for scene in ("办事大厅", "城市总览", "办事大厅"):
            page.wait_for_function(f"document.getElementById('wall-scene-name').innerText === '{scene}'", timeout=8_000)
            if scene == "城市总览":
                active = "Array.from(document.querySelectorAll('.wall-scene.active .js-plotly-plot'))"
                assert page.evaluate(f"{active}.map(g => (g.data || []).length > 0)") == [True, True]
                page.wait_for_function(
                    f"{active}.every(g => !g._fullLayout.map || g._fullLayout.map._subplot.map.loaded())", timeout=5_000
                )
        page.wait_for_timeout(700)  # the scene's fade-in
        page.screenshot(path=str(screenshots / "wall-stale-halls.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


#: The maps' style takes 3 s to load (a busy screen machine).
SLOW_STYLE = """(() => {
  const fetchNow = window.fetch;
  window.fetch = (resource, options) => String(resource.url || resource).includes("/assets/map-blank-")
    ? new Promise(done => setTimeout(done, 3000)).then(() => fetchNow(resource, options))
    : fetchNow(resource, options);
})();"""


#: Where a map may be resized while its style loads: the wall's next scene (prepared hidden, its figures sent
#: as it takes its size) and the pages whose map is drawn as they open.
LOADING_MAPS = {
    "wall": ("/wall?scenes=halls,city&rotate=600", ".wall-panel-city_map"),
    "map": ("/map", "#map-graph"),
    "district": ("/district/339901", "#district-map"),
}


#: What may reach a map while its style loads: a new size (its graph shown late) or new data (a refresh).
WHILE_LOADING = {
    "resize": "{graph}.parentElement.style.width = '80%'",
    "update": "Plotly.react({graph}, {graph}.data.slice(), Object.assign({{}}, {graph}.layout))",
}


@pytest.mark.parametrize("change", list(WHILE_LOADING))
@pytest.mark.parametrize("name", list(LOADING_MAPS))
def test_map_changed_while_its_style_loads(context, live_url, name, change):
    """Plotly fails on a map resized or updated before its style has loaded (page errors reading the style's
    layers); a graph takes its size a while after it shows, and a refresh may come meanwhile, later on a busy
    machine: such a change waits for the style."""
    path, place = LOADING_MAPS[name]
    page, problems, callbacks = open_page(
        context, live_url, f"{path}{'&' if '?' in path else '?'}lang=en", "dark", init_script=SLOW_STYLE
    )
    try:
        graph = f"document.querySelector('{place} .js-plotly-plot')"
        page.wait_for_selector(f"{place} .maplibregl-canvas", state="attached", timeout=30_000)
        assert page.evaluate(f"{graph}._fullLayout.map._subplot.map.getStyle() === undefined")  # still loading
        page.evaluate(WHILE_LOADING[change].format(graph=graph))
        page.wait_for_function(f"{graph}._fullLayout.map._subplot.map.loaded()", timeout=10_000)
        page.wait_for_function(f"Math.abs({graph}._fullLayout.width - {graph}.clientWidth) <= 1", timeout=10_000)
        page.wait_for_timeout(500)
        assert page.evaluate(f"{graph}.data.length") > 0
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


#: Windows a leader or an analyst opens a page in: its map at its narrowest (the overview's small map is the
#: row's last column from 1200 px), on a laptop and on a 1920 × 1080 screen.
WINDOWS = ((1200, 800), (1440, 900), (1920, 1080))


@pytest.mark.parametrize("path", ["/?lang=en", "/map?lang=en"], ids=["overview", "explorer"])
@pytest.mark.parametrize("window", WINDOWS, ids=[f"{w}x{h}" for w, h in WINDOWS])
def test_a_page_opens_its_map_on_the_whole_city(context, live_url, live_engine, window, path):
    """The map's first view holds every district whole, whatever the window (the overview's small map, drawn
    for 1920 × 1080 only, cut off the city's sides in a laptop's narrower panel; so did the explorer's)."""
    west, south, east, north = shapely.total_bounds(reference.districts(live_engine)["geometry"])
    page, problems, callbacks = open_page(context, live_url, path, "dark", viewport=window)
    try:
        selector = "#map-graph" if path.startswith("/map") else "#overview-map"
        graph = f"document.querySelector('{selector} .js-plotly-plot')"
        page.wait_for_selector(f"{selector} .maplibregl-canvas", state="attached", timeout=30_000)
        page.wait_for_function(f"{graph}._fullLayout.map._subplot.map.loaded()", timeout=30_000)
        shown = page.evaluate(f"(() => {{ const b = {graph}._fullLayout.map._subplot.map.getBounds(); "
                              "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
        assert shown[0] <= west and shown[1] <= south and shown[2] >= east and shown[3] >= north, (shown, window)
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize("name", ["complaints", "traffic", "halls", "environment", "district"])
def test_a_domain_map_is_fitted_for_its_panel_in_the_narrowest_window(context, live_url, name):
    """Each domain page's map is fitted for the size its graph really has in a 1200-px window (so that every
    wider window shows its whole area): the size measured here in Chromium. Fitted for 560 × 340 before, the
    complaints page's map, 347 px wide there, cut off the demo city's sides up to 1440 px."""
    spec = importlib.import_module(f"layouts.pages.{name}").SPEC
    path = "/district/339901" if name == "district" else f"/{name}"
    page, problems, callbacks = open_page(context, live_url, f"{path}?lang=en", "dark", viewport=(1200, 800))
    try:
        page.wait_for_selector(f"#{name}-map .maplibregl-canvas", state="attached", timeout=30_000)
        box = page.locator(f"#{name}-map").bounding_box()
        width, height = spec.fit_px("map")
        assert abs(box["width"] - width) <= 2 and abs(box["height"] - height) <= 2, (box, (width, height))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


#: A map's districts as drawn (the box around them, in the page's pixels), the map's own box and its colour bars'.
CITY_AND_BARS = """(selector) => {
  const graph = document.querySelector(selector + ' .js-plotly-plot');
  const map = graph._fullLayout.map._subplot.map, frame = map.getContainer().getBoundingClientRect();
  const xs = [], ys = [];
  const walk = (c) => {
    if (typeof c[0] === 'number') { const p = map.project(c); xs.push(p.x); ys.push(p.y); } else { c.forEach(walk); }
  };
  graph.data.filter((d) => d.type === 'choroplethmap' && d.geojson)
    .forEach((d) => d.geojson.features.forEach((f) => walk(f.geometry.coordinates)));
  const box = (r) => [r.left, r.top, r.right, r.bottom];
  return {
    city: [frame.left + Math.min(...xs), frame.top + Math.min(...ys),
           frame.left + Math.max(...xs), frame.top + Math.max(...ys)],
    frame: box(frame),
    bars: Array.from(graph.querySelectorAll('.colorbar')).map((b) => box(b.getBoundingClientRect())),
  };
}"""


@pytest.mark.parametrize(
    ("path", "selector", "window"),
    [
        ("/wall?scenes=city&rotate=600&lang=zh", ".wall-panel-city_map", (1920, 1080)),
        ("/wall?scenes=city&rotate=600&lang=en", ".wall-panel-city_map", (1920, 1080)),
        ("/complaints?lang=en", "#complaints-map", (1200, 800)),
        ("/?lang=zh", "#overview-map", (1280, 800)),  # its bar across the map's foot
    ],
)
def test_a_maps_colour_bar_leaves_the_city_clear(context, live_url, path, selector, window):
    """The districts are fitted into the map less the room its colour bars take: no bar lies over the city, and
    the whole city is in view. On the zh wall the bar covered the city's top-right corner."""
    page, problems, callbacks = open_page(context, live_url, path, "dark", viewport=window)
    try:
        graph = f"document.querySelector('{selector} .js-plotly-plot')"
        page.wait_for_selector(f"{selector} .maplibregl-canvas", state="attached", timeout=30_000)
        page.wait_for_function(f"{graph}._fullLayout.map._subplot.map.loaded() && {graph}.querySelector('.colorbar')",
                               timeout=30_000)
        drawn = page.evaluate(CITY_AND_BARS, selector)
        (left, top, right, bottom), frame = drawn["city"], drawn["frame"]
        assert frame[0] - 1 <= left and frame[1] - 1 <= top and right <= frame[2] + 1 and bottom <= frame[3] + 1, drawn
        assert drawn["bars"], drawn
        for bar in drawn["bars"]:
            apart = bar[0] >= right or bar[2] <= left or bar[1] >= bottom or bar[3] <= top
            assert apart, (bar, drawn["city"])
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_overview_card_drills_to_its_page(context, live_url):
    page, problems, callbacks = open_page(context, live_url, "/complaints?kpi=complaint_on_time_rate&lang=en")
    try:
        settle(page, "#tile-on_time")
        assert "kpi-highlight" in page.locator("#tile-on_time").get_attribute("class")
    finally:
        page.close()
    page, problems, callbacks = open_page(context, live_url, "/?lang=zh")
    try:
        settle(page, READY["overview"])
        link = page.locator("a[href*='?kpi=']").first
        href = link.get_attribute("href")
        link.click()
        page.wait_for_url(lambda url: urlparse(url).path == urlparse(href).path, timeout=10_000)
        page.wait_for_selector(".kpi-highlight", timeout=30_000)
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_language_switch_keeps_the_view(context, live_url):
    page, problems, callbacks = open_page(context, live_url, "/map?lang=zh&period=24h&layers=areas,roads")
    try:
        settle(page, READY["map"])
        assert page.locator("#nav-map").inner_text() == "地图"
        page.locator("#nav-language").click()
        page.wait_for_url(lambda url: "lang=en" in url, timeout=10_000)
        settle(page, READY["map"])
        assert page.locator("#nav-map").inner_text() == "Map"
        assert "period=24h" in page.url and "layers=areas%2Croads" in page.url.replace(",", "%2C")
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
