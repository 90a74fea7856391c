"""A second, real city onboarded from an empty database with the commands of docs/city.md alone (Jiaxing: DataV
districts in GCJ-02, the CNEMC stations and their readings), then every page in Chromium with no error banner;
and the Zhejiang province file, two of its cities self-intersecting, imported and drawn on the maps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from browsing import READY, assert_clean, open_page, settle

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("second-city")]  # one import of the city

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOC = PROJECT_ROOT / "docs" / "city.md"
#: Every page, the district page on 南湖区.
PATHS = {name: {"overview": "/", "district": "/district/330402"}.get(name, f"/{name}") for name in READY}
#: What shows each page drawn: as for the synthetic city, the feeds page with Jiaxing's own feed.
JIAXING_READY = READY | {"feeds": "#feed-row-air-cnemc"}


def documented_commands(name: str) -> str:
    """The shell block that follows ``<!-- onboarding: name -->`` in docs/city.md, word for word."""
    found = re.search(rf"<!-- onboarding: {name} -->\s*```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found, f"docs/city.md has no onboarding block for {name}"
    return found.group(1)


def _serve(engine, settings):
    from waitress import create_server

    from dashboard.web.app import create_app

    server = create_server(create_app(engine, settings).server, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def jiaxing(tmp_path_factory):
    """Jiaxing onboarded by the documented commands; its state (database, drop folder) in a temporary folder
    instead of var/jiaxing. Yields the base URL of the app over it and the commands' output."""
    if not (PROJECT_ROOT.parent / "shared" / "realdata").is_dir():
        pytest.skip("real data samples not found")
    from dashboard.db.engine import make_engine
    from dashboard.settings import Settings

    state = tmp_path_factory.mktemp("jiaxing")
    script = documented_commands("jiaxing").replace("var/jiaxing", str(state))
    script = script.replace("python -m dashboard", f"{sys.executable} -m dashboard")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    engine = make_engine(f"sqlite:///{state / 'cityops.db'}")
    settings = Settings(
        var_dir=state,
        feeds_file=PROJECT_ROOT / "data/cities/jiaxing/feeds.toml",
        city_data_dir=PROJECT_ROOT / "data/cities/jiaxing",
        auth_mode="open",
    )
    server = _serve(engine, settings)
    yield f"http://127.0.0.1:{server.effective_port}", done.stdout
    server.close()
    engine.dispose()


def test_documented_onboarding_reports_what_jiaxing_has(jiaxing):
    _, output = jiaxing
    assert "嘉兴市 (Jiaxing): boundaries (district) 7, stations 3" in output
    assert "air-cnemc: ok fetched=308 new=308" in output  # 22 stations × 2 hours × (6 pollutants + published AQI)
    assert "ok   districts: 7" in output
    assert "LACK roads: none: traffic index unavailable" in output
    assert "ok   air stations: 3" in output  # 清河小学, 嘉兴学院, 南湖区残联


@pytest.mark.parametrize("name", list(PATHS))
def test_every_page_renders_for_jiaxing(context, jiaxing, screenshots, name):
    url, _ = jiaxing
    page, problems, callbacks = open_page(context, url, f"{PATHS[name]}?lang=zh&theme=light")
    try:
        settle(page, JIAXING_READY[name])
        assert page.locator(".problem-banner").count() == 0
        assert "嘉兴市" in page.locator("body").inner_text() and "澄江" not in page.content()  # its manifest's name
        if name in ("map", "district"):
            outlines = page.evaluate(
                "Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(g => g.data || [])"
                ".filter(t => t.name === 'outlines').map(t => t.lon.filter(x => x !== null).length)"
            )
            assert outlines and outlines[0] > 100, outlines  # the districts' rings are drawn
        page.screenshot(path=str(screenshots / f"jiaxing-{name}.png"))
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


def test_zhejiang_province_is_drawn_in_the_browser(context, realdata, tmp_path, screenshots):
    from dashboard.city.report import Report
    from dashboard.db.engine import make_engine
    from dashboard.db.migrate import upgrade
    from dashboard.geo.boundaries import import_boundaries, read_boundaries
    from dashboard.settings import Settings

    engine = make_engine(f"sqlite:///{tmp_path / 'zhejiang.db'}")
    upgrade(engine)
    report = Report("zhejiang")
    with engine.begin() as conn:
        import_boundaries(
            conn, read_boundaries(realdata / "china/datav_330000_full.geojson", "district", "GCJ02", report=report)
        )
    assert sum(": repaired" in line for line in report.of("warning")) == 2
    server = _serve(engine, Settings(var_dir=tmp_path, city_data_dir=tmp_path, auth_mode="open"))
    try:
        for path in ("/map?lang=zh", "/environment?lang=en"):
            page, problems, callbacks = open_page(context, f"http://127.0.0.1:{server.effective_port}", path)
            try:
                settle(page, READY["map" if path.startswith("/map") else "environment"])
                assert page.locator(".problem-banner").count() == 0
                page.screenshot(path=str(screenshots / f"zhejiang-{path[1:4]}.png"))
                assert_clean(problems, callbacks, page)
            finally:
                page.close()
    finally:
        server.close()
        engine.dispose()
