"""Browser: in a real Chromium at 1920 × 1080, the time until every panel of the overview, the map explorer and
the wall is drawn, cold (the server's query cache emptied before each load) and warm, the p95 of a map filter's
repaint, and the same two figures for a baseline page drawing the naive scatter of the explorer's selection.

The dashboard runs on a copy of the one-year benchmark database of :mod:`bench.kpi_reads` (built once, cached
in bench/.data) in which every complaint has a point and its H3 cell (a point inside its district) and the
districts and roads have shapes (a grid of square districts, a straight line per road). The dashboard's clock
is set to the last hour of the database's year. The explorer opens on the last 30 days of complaints with
the areas and the complaint layer; each load asserts that its complaint layer holds complaints.

A page counts as drawn when nothing is loading and every visible figure has drawn its data (maps: every source
loaded). Warm: each page is loaded once to warm the browser's caches and the server's query cache, then
``LOADS`` times. Cold: the server's query cache is emptied before each of ``LOADS`` loads (the browser keeps
its cached scripts). A repaint runs from the click on a period until the selection's count changed and the map
drew the new selection (see :data:`ARM_REPAINT`). The baseline page (served by the same process at
:data:`NAIVE_PAGE`) fetches every point of the same selection as one plotly scatter with a hover label per
point (:func:`bench.map_payloads.naive_payload`) and draws it on the same software-WebGL map; its repaint
fetches the other period's points and redraws. Figures: ratio = target / measured.

Run: ``python -m bench.browser`` (needs Playwright and /usr/bin/chromium).
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import h3
import numpy as np
import plotly
import shapely
from flask import Response, request, send_file

from bench.kpi_reads import DATA, DISTRICTS, END, SEGMENTS, VERSION, Size, build, year_path
from bench.map_payloads import naive_payload
from bench.report import Result, publish
from dashboard import clock
from dashboard.db.engine import SQLITE_ANALYSIS_LIMIT, make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.periods import WINDOWS
from dashboard.queries.complaints import ComplaintFilter
from dashboard.queries.map import STORED_RES
from dashboard.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
LOADS = 5
REPAINTS = 20
TARGET_RENDER_MS = 2000.0
TARGET_REPAINT_MS = 200.0
PAGES = {
    "overview": "/?lang=zh",
    "map explorer": "/map?lang=zh&period=30d&layers=areas,complaints",
    "wall": "/wall?lang=zh&rotate=600",
}
#: The moment the dashboard sees as now: the last hour of the benchmark's year.
NOW = END - timedelta(hours=1)
#: Seed of the complaints' points.
SEED = 20261202
#: The baseline page: every point of the selection as one scatter (see the module).
NAIVE_PAGE = "/bench/naive-map"
NAIVE_HTML = f"""<!doctype html><html><head><meta charset="utf-8">
<script src="{NAIVE_PAGE}/plotly.min.js"></script></head>
<body style="margin:0"><div id="graph" style="width:100vw;height:100vh"></div><script>
async function draw(period) {{
  const figure = await (await fetch("{NAIVE_PAGE}/points?period=" + period)).json();
  await Plotly.react("graph", figure.data, figure.layout);
  const map = document.getElementById("graph")._fullLayout.map._subplot.map;
  if (!map.loaded()) {{ await new Promise(done => map.once("idle", done)); }}
}}
window.cityopsFlip = async (period) => {{
  const started = performance.now(); await draw(period); return performance.now() - started;
}};
draw("30d").then(() => {{ window.cityopsDrawn = true; }});
</script></body></html>"""
#: Complaints in the explorer map's H3 cells (0 when the complaint layer is empty).
SHOWN_COMPLAINTS = """() => {
  const graph = document.querySelector('#map-graph .js-plotly-plot');
  return (graph._fullData || []).filter(t => t.uid === 'cells')
    .reduce((sum, t) => sum + Array.from(t.z || []).reduce((a, b) => a + b, 0), 0);
}"""
#: Side of a district square and the grid's corner (degrees).
SIDE, WEST, SOUTH = 0.05, 120.5, 30.8

#: Nothing loading, something drawn, and every visible figure drawn with its data or its "no data" note (maps:
#: every source loaded).
RENDERED = """() => {
  const graphs = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.offsetParent !== null && getComputedStyle(g).visibility !== 'hidden');
  return !document.querySelector('[data-dash-is-loading]') && graphs.length > 0
    && graphs.every(g => g.querySelector('.main-svg')
      && ((g.data || []).length || ((g.layout || {}).annotations || []).length)
      && !(g._fullLayout && g._fullLayout.map && !g._fullLayout.map._subplot.map.loaded()));
}"""

#: Arms the repaint clock of the map explorer: it starts when the click lands and stops at the map's first
#: complete frame (every source loaded, the frame drawn: what Plotly waits for) after the selection's count
#: changed; it also notes when the server's last answer had arrived.
ARM_REPAINT = """(before) => {
  window.cityopsPainted = null;
  document.addEventListener('click', () => { window.cityopsClicked = performance.now(); }, {capture: true, once: true});
  const summary = document.getElementById('map-summary');
  const observer = new MutationObserver(() => {
    if (document.getElementById('map-count').innerText === before) { return; }
    observer.disconnect();
    const answers = performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update-component'));
    window.cityopsAnswered = answers.length ? answers[answers.length - 1].responseEnd : null;
    const map = document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map;
    const drawn = () => {
      if (!map.loaded()) { return; }
      map.off('render', drawn);
      window.cityopsPainted = performance.now();
    };
    map.on('render', drawn);
  });
  observer.observe(summary, {childList: true, subtree: true, characterData: true});
}"""
#: Milliseconds from the click to the drawn frame and to the server's answer, once a repaint is over.
REPAINTED = "() => [window.cityopsPainted - window.cityopsClicked, window.cityopsAnswered - window.cityopsClicked]"

#: Frames the explorer's map has held so far while the new data's sources loaded (assets/45-map-frames.js).
FRAMES_HELD = """() => {
  const map = document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map;
  return (map.__cityopsFrames || {held: 0}).held;
}"""

#: Milliseconds one frame of the explorer's map takes in this browser (median of repaints forced in a row).
FRAME_COST = """async () => {
  const map = document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map;
  const times = [];
  for (let i = 0; i < 12; i++) {
    await new Promise(done => { map.once('render', done); map.triggerRepaint(); });
    times.push(performance.now());
  }
  const frames = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  return frames[Math.floor(frames.length / 2)];
}"""


def _shapes() -> tuple[dict[str, shapely.Polygon], list[tuple[bytes, str]]]:
    """A square per district (a grid of four columns) and the WKB of a line inside one per road."""
    squares = {
        f"D{i:02d}": shapely.box(
            WEST + SIDE * (i % 4), SOUTH + SIDE * (i // 4), WEST + SIDE * (i % 4 + 1), SOUTH + SIDE * (i // 4 + 1)
        )
        for i in range(DISTRICTS)
    }
    roads = []
    for i in range(SEGMENTS):
        x, y = WEST + SIDE * (i % 4) + 0.005 + 0.0003 * (i // 4), SOUTH + SIDE * ((i // 4) % 3) + 0.005
        roads.append((shapely.to_wkb(shapely.LineString([(x, y), (x + 0.002, y + 0.04)])), f"S{i:03d}"))
    return squares, roads


def located(path: Path) -> Path:
    """A copy of the benchmark database at ``path`` whose complaints have points and H3 cells and whose
    districts and roads have shapes (made once, cached beside it)."""
    copy = path.with_suffix(f".v{VERSION}.located.sqlite")
    if copy.exists():
        return copy
    partial = copy.with_suffix(".partial")
    shutil.copyfile(path, partial)
    squares, roads = _shapes()
    conn = sqlite3.connect(partial)
    ids, districts = zip(*conn.execute("SELECT id, district_code FROM complaint").fetchall(), strict=True)
    corner = np.array([squares[d].bounds[:2] for d in districts])
    rng = np.random.default_rng(SEED)
    xy = corner + rng.uniform(0.002, SIDE - 0.002, corner.shape)
    cells = [h3.latlng_to_cell(lat, lon, STORED_RES) for lon, lat in xy.tolist()]
    with conn:
        conn.executemany("UPDATE district SET geometry = ? WHERE code = ?",
                         [(shapely.to_wkb(square), code) for code, square in squares.items()])
        conn.executemany("UPDATE road_segment SET geometry = ? WHERE code = ?", roads)
        conn.executemany(
            "UPDATE complaint SET lon = ?, lat = ?, h3 = ? WHERE id = ?",
            ((float(x), float(y), cell, i) for (x, y), cell, i in zip(xy.tolist(), cells, ids, strict=True)),
        )
    conn.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")  # the app's statistics
    conn.execute("ANALYZE")
    conn.close()
    partial.rename(copy)
    return copy


def _serve(engine, folder: Path):
    """The dashboard, with the baseline page, on a free loopback port (waitress in a thread); returns (url,
    server, app)."""
    from waitress import create_server

    from dashboard.web.app import create_app

    app = create_app(engine, Settings(var_dir=folder, refresh_seconds=300, auth_mode="open"))
    _add_naive_page(app.server, engine)
    server = create_server(app.server, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server, app


def _add_naive_page(server, engine) -> None:
    """The baseline page at :data:`NAIVE_PAGE`: plotly.js drawing every point of a period's selection."""
    script = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"

    def points():
        period = WINDOWS[request.args.get("period", "30d")]
        payload = naive_payload(engine, ComplaintFilter(NOW - period, NOW))
        return Response(payload, mimetype="application/json")

    server.add_url_rule(NAIVE_PAGE, "bench_naive_page", lambda: NAIVE_HTML)
    server.add_url_rule(f"{NAIVE_PAGE}/points", "bench_naive_points", points)
    server.add_url_rule(f"{NAIVE_PAGE}/plotly.min.js", "bench_plotly",
                        lambda: send_file(script, mimetype="text/javascript"))


def _drawn(page) -> None:
    """Wait until the page is drawn; a page that shows its problem banner instead stops the benchmark."""
    failed = page.wait_for_function(
        f"() => document.querySelector('.problem-banner') ? 'failed' : ({RENDERED})()", timeout=60_000, polling=20
    )
    if failed.json_value() == "failed":
        raise RuntimeError(
            f"{page.url}: the dashboard could not read the benchmark database (built for an older schema? "
            f"remove {DATA}/kpi-year.* to build it again)"
        )


def _shown_complaints(page) -> int:
    """Complaints the explorer's map shows (its H3 cells' counts); the benchmark stops if there are none."""
    shown = int(page.evaluate(SHOWN_COMPLAINTS))
    if shown <= 0:
        raise AssertionError(f"{page.url}: the explorer's complaint layer is empty")
    return shown


def _render_times(page, url: str, clear_cache=None, drawn=_drawn) -> list[float]:
    """Milliseconds until the page at ``url`` is drawn, ``LOADS`` times: after a warm-up load, or (``clear_cache``
    given) each with the server's query cache emptied first."""
    samples = []
    for _ in range(LOADS + (clear_cache is None)):
        if clear_cache is not None:
            clear_cache()
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        drawn(page)
        samples.append((time.perf_counter() - started) * 1000)
    return samples if clear_cache is not None else samples[1:]


def _naive_drawn(page) -> None:
    page.wait_for_function("() => window.cityopsDrawn === true", timeout=120_000, polling=20)


def _repaints(page, url: str) -> tuple[list[float], list[float], float, int, int]:
    """Repaints of the explorer flipping its period (the last 7 / 30 days), the server's answers within them,
    one frame's cost, the complaints shown at the end and the frames held while sources loaded."""
    page.goto(url, wait_until="commit")
    _drawn(page)
    held = page.evaluate(FRAMES_HELD)
    painted, answered = [], []
    for i in range(REPAINTS + 1):
        label = page.locator(f"#map-period label[for$='_input_{('7d', '30d')[i % 2]}']")
        page.evaluate(ARM_REPAINT, page.locator("#map-count").inner_text())
        label.click()
        page.wait_for_function("() => window.cityopsPainted !== null", timeout=60_000)
        paint, answer = page.evaluate(REPAINTED)
        if i:  # the first flip warms the server's query cache for the other period
            painted.append(paint)
            answered.append(answer)
    held = page.evaluate(FRAMES_HELD) - held
    return painted, answered, page.evaluate(FRAME_COST), _shown_complaints(page), held


def _naive_repaints(page, url: str) -> list[float]:
    """Repaints of the baseline page flipping the same periods (points fetched and drawn)."""
    page.goto(url, wait_until="commit")
    _naive_drawn(page)
    return [page.evaluate("(period) => window.cityopsFlip(period)", ("7d", "30d")[i % 2]) for i in range(REPAINTS)]


def _p95(values: list[float]) -> float:
    """The 95th percentile as the KPI reads take it (numpy's linear interpolation): within the times measured, where
    ``statistics.quantiles`` (exclusive) would put the p95 of ten repaints beyond the slowest of them."""
    return float(np.percentile(values, 95))


def _render_result(name: str, facts: int, samples: list[float], how: str, shown: str = "") -> Result:
    median = statistics.median(samples)
    return Result(
        name=f"Browser: {name} drawn in Chromium, one-year database ({facts:,} facts)",
        ratio=TARGET_RENDER_MS / median,
        target=f"≤ {TARGET_RENDER_MS:.0f} ms",
        met=median <= TARGET_RENDER_MS,
        detail=f"median {median:.0f} ms, p95 {_p95(samples):.0f} ms over {LOADS} {how} "
        f"({', '.join(f'{s:.0f}' for s in samples)}){shown}",
    )


def run(scale: float = 1) -> list[Result]:
    """Build (or reuse) the year at ``scale`` and its located copy, serve the dashboard on it and measure in
    Chromium."""
    from playwright.sync_api import sync_playwright

    from dashboard.cache import cache

    if not CHROMIUM.exists():
        raise SystemExit(f"the browser benchmark needs {CHROMIUM}")
    path = year_path(scale)
    facts = build(path, Size.of(scale))
    engine = make_engine(f"sqlite:///{located(path)}")
    upgrade(engine)  # a cached copy gets the indexes of the migrations written since it was made
    results = []
    with tempfile.TemporaryDirectory() as folder, clock.set_to(NOW):
        base, server, app = _serve(engine, Path(folder))

        def clear_cache() -> None:
            with app.server.app_context():
                cache.clear()

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
                shown: list[int] = []

                def drawn_map(page_) -> None:
                    _drawn(page_)
                    shown.append(_shown_complaints(page_))

                for name, page_path in PAGES.items():
                    drawn = drawn_map if name == "map explorer" else _drawn
                    for how, clear in (("cold loads (server cache emptied before each)", clear_cache),
                                       ("warm loads after a warm-up", None)):
                        shown.clear()
                        samples = _render_times(page, base + page_path, clear, drawn)
                        note = f"; complaints on the map {min(shown):,}–{max(shown):,} (asserted > 0)" if shown else ""
                        results.append(_render_result(f"{name}, {how.split(' (')[0]}", facts, samples, how, note))
                naive = _render_times(page, base + NAIVE_PAGE, None, _naive_drawn)
                results.append(_render_result("baseline page (naive scatter of the explorer's 30 days), warm",
                                              facts, naive, "warm loads after a warm-up"))
                painted, answered, frame, shown_at_end, held = _repaints(page, base + PAGES["map explorer"])
                naive_painted = _naive_repaints(page, base + NAIVE_PAGE)
                browser.close()
        finally:
            server.close()
            engine.dispose()
    p95, naive_p95 = _p95(painted), _p95(naive_painted)
    results.append(
        Result(
            name="Browser: a map filter's repaint (period flipped 7 ↔ 30 days), complaint layer on, vs the baseline "
            "page's",
            ratio=TARGET_REPAINT_MS / p95,
            target=f"p95 ≤ {TARGET_REPAINT_MS:.0f} ms",
            met=p95 <= TARGET_REPAINT_MS,
            detail=f"p95 {p95:.0f} ms, median {statistics.median(painted):.0f} ms, slowest {max(painted):.0f} ms over "
            f"{REPAINTS}; the server's "
            f"answer in after {statistics.median(answered):.0f} ms (median); one frame of the map takes {frame:.0f} "
            f"ms in this browser (software WebGL without a GPU); a repaint draws one, once the new data's sources "
            f"have loaded ({held} frames held while they loaded, over {REPAINTS + 1} repaints); {shown_at_end:,} "
            f"complaints on the map at the end. Baseline page: p95 {naive_p95:.0f} ms, median "
            f"{statistics.median(naive_painted):.0f} ms ({naive_p95 / p95:.1f}× the explorer's p95)",
        )
    )
    return results


if __name__ == "__main__":
    publish(run())
