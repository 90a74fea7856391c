"""The map explorer in a real Chromium: filters and the time slider change what is drawn, exports match the
filter, the state is in the URL; render and repaint times measured and printed."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import READY, assert_clean, open_page, replay_paused_at, settle

from bench.browser import ARM_REPAINT, FRAME_COST, RENDERED, REPAINTED

pytestmark = pytest.mark.e2e
TZ = ZoneInfo("Asia/Shanghai")  # the synthetic city's


def _count(page) -> int:
    return int(re.sub(r"\D", "", page.locator("#map-count").inner_text()) or 0)


def _repaint(page, action) -> tuple[float, float]:
    """Milliseconds from the click of ``action`` until the selection's count changed and the map has drawn
    the new selection, and until the server's answer had arrived."""
    page.evaluate(ARM_REPAINT, page.locator("#map-count").inner_text())
    action()
    page.wait_for_function("() => window.cityopsPainted !== null", timeout=15_000)
    return page.evaluate(REPAINTED)


#: The hour the map's label names, given the step to wait for (the text is the label's).
LABEL_IS = "(text) => document.querySelector('#map-hour-label').textContent === text"


def test_filters_slider_and_export(context, live_url, city_moment):
    page, problems, callbacks = open_page(context, live_url, "/map?lang=zh&period=7d&layers=areas,complaints")
    try:
        settle(page, READY["map"])
        week = _count(page)
        assert week > 0
        samples = []
        for _ in range(4):
            samples.append(
                _repaint(page, lambda: page.locator("#map-period label").filter(has_text="近 24 小时").click())
            )
            day = _count(page)
            samples.append(_repaint(page, lambda: page.locator("#map-period label").filter(has_text="近 7 天").click()))
        assert 0 < day < week
        times, answers = [s[0] for s in samples], [s[1] for s in samples]
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"\nmap filter repaint: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {len(times)} "
            f"(server's answer in after {statistics.median(answers):.0f} ms; one map frame takes "
            f"{page.evaluate(FRAME_COST):.0f} ms in this browser, and a repaint draws one)"
        )
        assert "period=7d" in page.url

        # the replay steps the time slider hour by hour: one hour instead of the whole day
        _repaint(page, lambda: page.locator("#map-period label").filter(has_text="近 24 小时").click())
        step = replay_paused_at(page, 1)
        assert step in (1, 2) and f"hour={step}&" in page.url + "&", (step, page.url)
        # the steps of the last 24 h: the hours from the one holding its start
        first = (city_moment - timedelta(hours=24)).astimezone(TZ).replace(minute=0, second=0, microsecond=0)
        shown = first + timedelta(hours=step)
        page.wait_for_function(LABEL_IS, arg=f"{shown:%m-%d %H:%M} 起 1 小时", timeout=30_000)
        hour = _count(page)
        assert hour < day

        # exports hold exactly the selection's rows
        with page.expect_download() as download:
            page.locator("#map-export-csv").click()
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
        assert len(rows) == hour
        page.goto(page.url.split("&hour=")[0] + "&status=received")
        settle(page, READY["map"])
        with page.expect_download() as download:
            page.locator("#map-export-geojson").click()
        features = json.loads(download.value.path().read_text(encoding="utf-8"))["features"]
        assert len(features) == _count(page) < week
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_url_state_and_district_drill(context, live_url, screenshots):
    page, problems, callbacks = open_page(
        context, live_url, "/map?lang=en&theme=dark&period=30d&district=339901&status=received&mode=points"
    )
    try:
        settle(page, READY["map"])
        names = page.evaluate("document.querySelector('#map-graph .js-plotly-plot').data.map(d => d.type)")
        assert "choroplethmap" in names  # the district's sub-districts as areas
        assert _count(page) >= 1
        assert "district=339901" in page.url and "status=received" in page.url
        page.screenshot(path=str(screenshots / "map-drill-en-dark.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


#: Counts the WebGL draw calls of the explorer's map: all of them, and those made while its sources were loading
#: within 400 ms of a source's data change (a frame of half-loaded data; after 400 ms the map draws what it has).
COUNT_DRAWS = """() => {
  const map = document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map;
  const canvas = map.getCanvas();
  const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
  window.cityopsDraws = {all: 0, loading: 0, changed: null};
  map.on('sourcedataloading', e => { if (!e.tile) { window.cityopsDraws.changed = performance.now(); } });
  for (const name of ['drawElements', 'drawArrays']) {
    const draw = gl[name];
    gl[name] = function () {
      const draws = window.cityopsDraws;
      draws.all += 1;
      if (!map.isStyleLoaded() && draws.changed !== null && performance.now() - draws.changed < 400) {
        draws.loading += 1;
      }
      return draw.apply(this, arguments);
    };
  }
}"""


#: The replay's step (assets/40-map.js) as Dash calls it on a tick: (tick, slider value, slider max, paused);
#: what it returns, with Dash's "no update" named.
STEPS = """() => {
  const step = window.dash_clientside.cityopsMap.step, unchanged = window.dash_clientside.no_update;
  const named = (outputs) => outputs.map((v) => (v === unchanged ? "unchanged" : v));
  return {
    started: named(step(1, 3, 3, false)), next: named(step(2, 0, 3, false)), last: named(step(4, 2, 3, false)),
    after_pause: named(step(3, 1, 3, true)),
  };
}"""


def test_a_replay_tick_after_the_pause_moves_nothing(context, live_url):
    """Dash's Interval reports a tick that fell due before it was re-rendered disabled, so on a busy page a tick
    can come after the pause: it must move nothing, and no step but the last may set the replay's state (a step
    setting it running again would undo a pause that came in between)."""
    page, problems, callbacks = open_page(context, live_url, "/map?lang=en&period=24h&layers=areas,complaints")
    try:
        settle(page, READY["map"])
        assert page.evaluate(STEPS) == {
            "started": [0, "unchanged"],  # from the whole span to the first step
            "next": [1, "unchanged"],
            "last": [3, True],  # the whole span again, and stopped
            "after_pause": ["unchanged", "unchanged"],
        }
        dependencies = page.request.get(live_url + "/_dash-dependencies").json()
        (wiring,) = [d for d in dependencies if (d.get("clientside_function") or {}).get("function_name") == "step"]
        assert [(s["id"], s["property"]) for s in wiring["state"]] == [
            ("map-hour", "value"), ("map-hour", "max"), ("map-play-interval", "disabled"),
        ]  # the step's arguments after the tick, in order
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_a_filter_change_draws_no_frame_of_half_loaded_data(context, live_url):
    """While the new selection's sources load, the map keeps its last frame (assets/45-map-frames.js): without
    a GPU each frame drawn in between costs the page's thread 50-100 ms."""
    page, problems, callbacks = open_page(context, live_url, "/map?lang=zh&period=7d&layers=areas,complaints")
    try:
        settle(page, READY["map"])
        page.evaluate(COUNT_DRAWS)
        for label in ("近 24 小时", "近 7 天", "近 24 小时"):
            _repaint(page, lambda label=label: page.locator("#map-period label").filter(has_text=label).click())
        draws = page.evaluate("window.cityopsDraws")
        held = page.evaluate("(document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map"
                             ".__cityopsFrames || {held: 0}).held")
        assert draws["all"] > 0 and draws["loading"] == 0 and held > 0, (draws, held)
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


@pytest.mark.parametrize("path", ["/?lang=zh", "/wall?lang=zh&rotate=600"])
def test_every_panel_is_drawn_again_on_each_reload(context, live_url, path):
    """Reloaded (warm caches), the page draws every panel each time, with no error (render times: make bench)."""
    page, problems, callbacks = open_page(context, live_url, path, "dark")
    try:
        page.wait_for_function(RENDERED, timeout=30_000)  # the first load, drawn
        for _ in range(3):
            page.goto(live_url + path, wait_until="commit")
            page.wait_for_function(RENDERED, timeout=30_000)
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
