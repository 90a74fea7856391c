"""Opening the app's pages in the worker's Chromium: problems recorded (console errors, outside requests,
failed callbacks), and waiting until a page is drawn."""

from __future__ import annotations

from urllib.parse import urlparse

#: What must be drawn on each page before it counts as rendered.
READY = {
    "overview": ".kpi-card .kpi-number",
    "map": "#map-graph .maplibregl-canvas",
    "complaints": "#complaints-funnel .main-svg",
    "traffic": "#traffic-trend .main-svg",
    "environment": "#environment-aqi .main-svg",
    "halls": "#halls-trend .main-svg",
    "district": "#district-map .maplibregl-canvas",
    "feeds": "#feed-row-halls-queue",
    "reports": "#reports-list, #reports-none",
    "wall": ".wall-scene.active .wall-panel .main-svg",
}
#: Nothing loading, every visible figure drawn (laid out and not hidden: the wall lays out its next scene hidden,
#: before its figures arrive) and not being redrawn (plotly redraws a figure a refresh answered in steps, its
#: texts gone in between), every map's sources loaded.
DRAWN = """() => !document.querySelector('[data-dash-is-loading]')
  && Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.offsetParent !== null && getComputedStyle(g).visibility !== 'hidden')
    .every(g => g.querySelector('.main-svg') && g._fullLayout && !g._fullLayout._replotting
      && !(g._fullLayout && g._fullLayout.map && !g._fullLayout.map._subplot.map.loaded()))"""

#: Counts the page's callback requests in flight (``window.cityopsPending``): run before the page's scripts.
COUNT_PENDING = """(() => {
  const fetch = window.fetch;
  window.cityopsPending = 0;
  window.fetch = function (resource, ...rest) {
    if (!String((resource && resource.url) || resource).includes('_dash-update-component')) {
      return fetch.call(this, resource, ...rest);
    }
    window.cityopsPending += 1;
    return fetch.call(this, resource, ...rest).finally(() => { window.cityopsPending -= 1; });
  };
})();"""
#: True once the page has been drawn (:data:`DRAWN`) with no callback request in flight for ``ms`` in a row:
#: a control's change reaches the server a moment after its own redraw, longer on a busy machine.
QUIET = f"""(ms) => {{
  const now = performance.now();
  if ((window.cityopsPending || 0) !== 0 || !({DRAWN})()) {{ window.cityopsQuietSince = null; return false; }}
  if (window.cityopsQuietSince == null) {{ window.cityopsQuietSince = now; }}
  return now - window.cityopsQuietSince >= ms;
}}"""


def open_page(context, live_url, path, theme="light", viewport=(1920, 1080), init_script=None):
    """A new tab of the worker's browser context (its cache shared: scripts load once per worker) on ``path``,
    with its console errors (page errors with their stack), outside requests and callback statuses recorded;
    ``init_script`` runs in the page before its own scripts."""
    page = context.new_page()
    page.add_init_script(COUNT_PENDING)
    if init_script:
        page.add_init_script(init_script)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.emulate_media(color_scheme=theme)
    problems: list[str] = []
    callbacks: list[int] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}\n{e.stack}"))
    host = urlparse(live_url).netloc

    def check_request(request):
        if urlparse(request.url).netloc not in (host, "") and not request.url.startswith(("data:", "blob:")):
            problems.append(f"external request: {request.url}")

    page.on("request", check_request)
    page.on("response", lambda r: callbacks.append(r.status) if "_dash-update-component" in r.url else None)
    page.goto(live_url + path, wait_until="load")
    return page, problems, callbacks


def settle(page, selector):
    """Wait for ``selector``, then until the page is drawn and quiet (its fades over): half a second with no
    callback request in flight."""
    page.wait_for_selector(selector, timeout=30_000)
    page.evaluate("window.cityopsQuietSince = null")
    page.wait_for_function(QUIET, arg=500, timeout=30_000)


#: Clicks the map's replay button (pausing the replay) in the first frame whose slider stands at step ``n``:
#: polled by the page itself, as a round trip to the test would let a loaded machine play on.
PAUSE_AT_STEP = """(n) => {
  const handle = document.querySelector('#map-hour [role=slider]');
  if (!handle || handle.getAttribute('aria-valuenow') !== String(n)) { return false; }
  document.querySelector('#map-play').click();
  return true;
}"""


def replay_paused_at(page, step: int) -> int:
    """Play the map's replay, pause it as its slider reaches ``step``, wait until the page is drawn and quiet,
    and return the step the slider stands at: ``step``, or the next one when a tick was already on its way."""
    page.locator("#map-play").click()
    page.wait_for_function(PAUSE_AT_STEP, arg=step, timeout=30_000)
    settle(page, READY["map"])
    return int(page.locator("#map-hour [role=slider]").get_attribute("aria-valuenow"))


#: How a panel that could not be drawn says so (``panel.error``), in either language.
PANEL_FAILED = ("无法绘制", "could not be drawn")


def assert_clean(problems, callbacks, page=None):
    """No problem recorded, every callback answered 200 and, given the ``page``, no panel on it says it could not
    be drawn (a test of a failing panel leaves the page out)."""
    assert callbacks and all(status == 200 for status in callbacks), callbacks
    assert not problems, problems
    if page is not None:
        content = page.content()
        assert not any(failed in content for failed in PANEL_FAILED), [
            line for line in page.locator("body").inner_text().splitlines() if any(f in line for f in PANEL_FAILED)
        ] or "a figure's annotation"
