"""The explorer's queries and figures over the synthetic city, the wall's playlist and patches, exports."""

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.complaints import STATUS_KEYS
from dashboard.queries import complaints, reference
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from layouts.figures.charts import funnel, ranked_bars, time_lines
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from tests.dashboard.synthetic_city import NOW, populate
from tests.e2e.city import enrich


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('views') / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    enrich(engine)
    yield engine
    engine.dispose()


WEEK = ComplaintFilter(NOW - timedelta(days=7), NOW)
TZ = "Asia/Shanghai"


def test_selection_filters_and_located_points(engine):
    assert map_queries.count(engine, WEEK) == 9  # 5 today, 3 yesterday, 1 received 3 days ago
    road = ComplaintFilter(WEEK.start, NOW, category="road")
    assert map_queries.count(engine, road) == 1
    assert map_queries.count(engine, ComplaintFilter(WEEK.start, NOW, department="D1")) == 8
    assert map_queries.count(engine, ComplaintFilter(WEEK.start, NOW, status="dispatched")) == 1
    points = map_queries.points(engine, WEEK)
    assert len(points) == 8  # the point outside the city is not drawn
    cells = map_queries.cells(engine, WEEK)
    assert cells["count"].sum() == 8
    assert map_queries.cells(engine, WEEK, 6)["count"].sum() == 8


def test_area_kpis_from_rollup_and_facts_agree(engine):
    from_rollup = map_queries.area_kpis(engine, WEEK, TZ).set_index("code")
    from_facts = map_queries.area_kpis(engine, ComplaintFilter(WEEK.start, NOW, status=None, department="D1"), TZ)
    assert from_rollup.loc["339902", "received"] == 4
    assert from_rollup.loc["339901", "per_10k"] == pytest.approx(4 / 7 / 100_000 * 10_000)  # a day over 7 days
    assert from_facts.set_index("code").loc["339901", "received"] == 4
    streets = map_queries.area_kpis(engine, ComplaintFilter(WEEK.start, NOW, district="339901"), TZ, "street")
    assert list(streets["code"]) == ["339901001"]


def test_export_rows_match_the_count_and_hold_no_free_text(engine):
    sel = ComplaintFilter(WEEK.start, NOW, district="339902")
    rows = map_queries.export_rows(engine, sel)
    assert len(rows) == map_queries.count(engine, sel)
    assert "description" not in rows.columns and "address" not in rows.columns


def test_funnel_tickets_and_timeline(engine):
    steps = complaints.funnel(engine, WEEK).set_index("step")["tickets"]
    assert steps["received"] == 9 and steps["dispatched"] >= 1
    page, total = complaints.tickets_page(engine, WEEK, 0, 5)
    assert total == 9 and len(page) == 5
    assert page["requested_at"].is_monotonic_decreasing
    ticket, events = complaints.ticket(engine, int(page.iloc[0]["id"]))
    assert list(events["status"])[0] == "received"


def test_explorer_figure_layers(engine):
    districts = reference.districts(engine)
    layers = ExplorerLayers(
        outlines=districts,
        areas=map_queries.area_kpis(engine, WEEK, TZ),
        cells=map_queries.cells(engine, WEEK),
        water=map_queries.water(Path("data/city")),
    )
    fig = explorer_map(layers, "en", "light", "Asia/Shanghai")
    assert [tr.type for tr in fig.data] == ["scattermap", "choroplethmap", "scattermap", "choroplethmap"]
    assert fig.layout.map.style == "/assets/map-blank-light.json"
    heat = explorer_map(
        ExplorerLayers(outlines=districts, cells=layers.cells, heat=True), "zh", "dark", "Asia/Shanghai"
    )
    assert heat.data[-1].type == "densitymap"
    layers = ExplorerLayers(outlines=districts, points=map_queries.points(engine, WEEK))
    points = explorer_map(layers, "zh", "dark", "UTC")
    assert sum(len(tr.lon) for tr in points.data[1:]) == 8


def test_charts_label_values_and_sides():
    steps = pd.DataFrame({"step": list(STATUS_KEYS), "tickets": [10, 8, 7, 5, 2, 1, 1]})
    fig = funnel(steps, "zh", "dark")
    assert list(fig.data[0].y) == ["受理", "派单", "签收", "办结", "回访"]
    assert "退回 1" in fig.layout.annotations[0].text
    bars = ranked_bars(["<b>x</b>", "y"], [3, 5], "en", "light")
    assert list(bars.layout.yaxis.ticktext) == ["&lt;b&gt;x&lt;/b&gt;", "y"]  # largest (y) drawn last, on top
    assert list(bars.data[0].y) == list(bars.layout.yaxis.tickvals) == [0, 1]
    # two segments of one road are two bars under the same name, not one bar of their sum
    roads = ranked_bars(["中山大道", "中山大道", "光明路"], [0.5, 0.45, 0.3], "zh", "dark", digits=1)
    assert list(roads.data[0].x) == [0.3, 0.45, 0.5]
    assert list(roads.layout.yaxis.ticktext) == ["光明路", "中山大道", "中山大道"]
    assert len(set(roads.data[0].y)) == 3 and list(roads.data[0].customdata) == ["光明路", "中山大道", "中山大道"]
    hours = pd.DataFrame({"hour": pd.to_datetime(["2026-11-21T03:00Z"]), "aqi": [120]})
    lines = time_lines(
        hours, {"aqi": "AQI"}, "zh", "dark", "Asia/Shanghai", bands=((0, 50, "#0f0"), (300, 500, "#f00"))
    )
    assert len(lines.layout.shapes) == 1  # bands above the data are left out
    # a network TPI of 0.01 at night lies low in the smooth band (0–2), the band whole on the axis
    night = pd.DataFrame({"hour": pd.to_datetime(["2026-11-21T03:00Z", "2026-11-21T04:00Z"]), "tpi": [0.009, 0.015]})
    calm = time_lines(night, {"tpi": "TPI"}, "zh", "dark", "Asia/Shanghai", bands=((0, 2, "#0f0"), (2, 4, "#ff0")))
    assert list(calm.layout.yaxis.autorangeoptions.include) == [0, 2]
    assert [(shape.y0, shape.y1) for shape in calm.layout.shapes] == [(0, 2)]
