"""Drilling down in a real Chromium: a real mouse click on a district of the overview's map (its pixel taken
from the MapLibre map's own projection) opens the district's page, and a click on one of its tickets opens
that ticket's detail."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from browsing import assert_clean, open_page, settle

pytestmark = pytest.mark.e2e

DISTRICT = "339901"

#: The page pixel of a point inside the district, as far as the grid allows from every other trace's points
#: (roads, stations): a click there hits the district's area and nothing drawn over it.
DISTRICT_PIXEL = """(code) => {
  const gd = document.querySelector('#overview-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const traces = gd._fullData;  // arrays decoded (the figure sends them as typed-array blobs)
  const area = traces.find(d => d.type === 'choroplethmap');
  const feature = area.geojson.features.find(f => f.id === code);
  const rings = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates[0]]
    : feature.geometry.coordinates.map(p => p[0]);
  const inside = (x, y) => rings.some(ring => {
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { hit = !hit; }
    }
    return hit;
  });
  const others = traces.filter(d => d !== area).flatMap(d => Array.from(d.lon || [], (lon, i) => [lon, d.lat[i]]))
    .filter(([lon, lat]) => lon !== null && lat !== null).map(p => map.project(p));
  const all = rings.flat();
  const [x0, x1] = [Math.min(...all.map(p => p[0])), Math.max(...all.map(p => p[0]))];
  const [y0, y1] = [Math.min(...all.map(p => p[1])), Math.max(...all.map(p => p[1]))];
  let best = null;
  for (let i = 1; i < 20; i++) {
    for (let j = 1; j < 20; j++) {
      const lonlat = [x0 + (x1 - x0) * i / 20, y0 + (y1 - y0) * j / 20];
      if (!inside(...lonlat)) { continue; }
      const p = map.project(lonlat);
      const room = Math.min(Infinity, ...others.map(o => Math.hypot(o.x - p.x, o.y - p.y)));
      if (!best || room > best.room) { best = {p, room}; }
    }
  }
  const box = map.getCanvas().getBoundingClientRect();
  return [box.left + best.p.x, box.top + best.p.y, best.room];
}"""


def test_map_district_click_then_ticket(context, live_url, screenshots):
    page, problems, callbacks = open_page(context, live_url, "/?lang=zh")
    try:
        settle(page, "#overview-map .maplibregl-canvas")
        page.wait_for_function(
            "() => document.querySelector('#overview-map .js-plotly-plot')._fullLayout.map._subplot.map.loaded()"
        )
        x, y, room = page.evaluate(DISTRICT_PIXEL, DISTRICT)
        assert room > 12  # pixels from the nearest road or station drawn over the districts
        page.mouse.click(x, y)
        page.wait_for_url(lambda url: urlparse(url).path == f"/district/{DISTRICT}", timeout=15_000)
        assert "lang=zh" in page.url

        settle(page, "#district-grid .ag-row .ag-cell")
        cell = page.locator("#district-grid .ag-cell[col-id='ticket']").first
        ticket = cell.inner_text().strip()
        cell.click()
        modal = page.locator("#district-ticket-modal")
        modal.wait_for(state="visible", timeout=15_000)
        page.wait_for_selector("#district-ticket .ticket-timeline li", timeout=15_000)
        assert page.locator("#district-ticket-title").inner_text().strip() == ticket
        steps = page.locator("#district-ticket .ticket-timeline li")
        assert steps.count() >= 1 and "nan" not in steps.all_inner_texts()[0]
        page.wait_for_timeout(400)  # the dialog's fade-in
        page.screenshot(path=str(screenshots / "district-ticket-zh-light.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
