"""Pages never break on data: the Zhejiang province file (two self-intersecting cities) and a district whose
repair leaves a GeometryCollection are imported and drawn by /map and /environment; a panel whose figure
fails shows its own error while the rest of its page is drawn."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiLineString, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import District
from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.figures.city_map import MapLayers, city_map
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from layouts.i18n import t
from tests.reliability.dashpages import open_page, page_callbacks, page_layout, post_callback

ZHEJIANG = "china/datav_330000_full.geojson"
#: A DataV-style district whose ring runs out along two spikes and back: make_valid gives a GeometryCollection
#: of a Polygon and a MultiLineString.
SPIKED = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"adcode": 339999, "name": "尖刺区", "parent": {"adcode": 330000}},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[119.0, 27.5], [119.2, 27.5], [119.2, 27.7], [119.3, 27.8], [119.2, 27.7],
                                 [119.0, 27.7], [118.9, 27.8], [119.0, 27.7], [119.0, 27.5]]],
            },
        }
    ],
}


def _district(code: str, geom) -> dict:
    return {"code": code, "name_zh": code, "name_en": code, "parent_code": None, "population": None, "geometry": geom}


@pytest.fixture
def province_db(realdata, tmp_path):
    """The Zhejiang file and the spiked district, imported with the boundary command's functions."""
    from dashboard.geo.boundaries import import_boundaries, read_boundaries

    spiked = tmp_path / "spiked.geojson"
    spiked.write_text(json.dumps(SPIKED), encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'province.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        import_boundaries(conn, read_boundaries(realdata / ZHEJIANG, "district", "GCJ-02"))
        import_boundaries(conn, read_boundaries(spiked, "district", "WGS84"), replace=False)
    yield engine
    engine.dispose()


def _refresh(app, path: str, search: str = "") -> dict[str, dict]:
    """The page's callbacks as the browser calls them: their responses by output key."""
    client = app.server.test_client()
    client.get(path + search)
    routed = open_page(app, client, path, search)
    assert routed.status_code == 200
    answers = {}
    for key, body in page_callbacks(client, page_layout(routed)):
        response = post_callback(client, body)
        assert response.status_code in (200, 204), (key, response.get_data(as_text=True)[:300])
        if response.status_code == 200:
            answers[key] = response.get_json()["response"]
    return answers


def _figure(answers: dict, graph: str) -> dict:
    return next(r[graph]["figure"] for r in answers.values() if graph in r)


def _banner(answers: dict, page: str):
    return next(r[f"{page}-banner"]["children"] for r in answers.values() if f"{page}-banner" in r)


def _outline_vertices(figure: dict) -> int:
    for trace in figure["data"]:
        if trace.get("name") in ("outlines",) or trace.get("type") == "choroplethmap":
            return sum(x is not None for x in trace.get("lon", [])) or len(trace["geojson"]["features"])
    return 0


@pytest.mark.parametrize(("path", "page", "graph"), [("/map", "map", "map-graph"),
                                                      ("/environment", "environment", "environment-map")])
def test_province_with_invalid_features_draws(province_db, tmp_path, path, page, graph):
    app = create_app(province_db, Settings(var_dir=tmp_path, auth_mode="open"))
    answers = _refresh(app, path)
    assert _banner(answers, page) is None
    figure = _figure(answers, graph)
    assert _outline_vertices(figure) > 0
    assert "无法绘制" not in json.dumps(figure, ensure_ascii=False)


def test_figures_draw_polygonal_parts_and_skip_the_rest():
    import pandas as pd

    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    holed = Polygon([(2, 0), (4, 0), (4, 2), (2, 2)], [[(2.5, 0.5), (3.5, 0.5), (3.5, 1.5), (2.5, 1.5)]])
    areas = pd.DataFrame(
        [
            _district("mixed", GeometryCollection([square, MultiLineString([[(0, 0), (5, 5)], [(1, 1), (2, 3)]])])),
            _district("holed", holed),
            _district("points", GeometryCollection([Point(0, 0), LineString([(0, 0), (1, 1)])])),
        ]
    )
    fig = city_map(MapLayers(districts=areas), "en", "light", "Asia/Shanghai")
    outline = fig.data[0]
    # the square's ring (5 vertices), the holed square's exterior and hole (5 + 5); no line, no point
    assert sum(x is not None for x in outline.lon) == 15
    assert fig.layout.meta == {"skipped_areas": ["points"]}
    rated = pd.DataFrame({"code": ["mixed", "holed", "points"], "count": [1, 2, 3], "per_10k": [0.1, 0.2, 0.3]})
    fig = city_map(MapLayers(districts=areas, rates=rated), "en", "light", "Asia/Shanghai")
    features = fig.data[0].geojson["features"]
    assert [(f["id"], f["geometry"]["type"]) for f in features] == [("mixed", "Polygon"), ("holed", "Polygon")]
    fig = explorer_map(ExplorerLayers(outlines=areas), "zh", "dark", "Asia/Shanghai")
    assert fig.layout.meta == {"skipped_areas": ["points"]}


def test_stored_geometry_collection_is_drawn(province_db, tmp_path):
    """Even a collection stored by an older import (not repaired) is drawn by its polygonal part."""
    from sqlalchemy import update

    broken = GeometryCollection([shapely.box(119, 27.5, 119.2, 27.7), MultiLineString([[(119, 27), (120, 28)]])])
    with province_db.begin() as conn:
        conn.execute(update(District).where(District.code == "339999").values(geometry=broken))
    app = create_app(province_db, Settings(var_dir=tmp_path, auth_mode="open"))
    answers = _refresh(app, "/environment")
    assert _banner(answers, "environment") is None
    assert _outline_vertices(_figure(answers, "environment-map")) > 0


def test_a_failing_panel_shows_its_error_and_the_rest_draws(province_db, tmp_path, monkeypatch):
    from layouts.pages import environment

    def broken(*_args, **_kwargs):
        raise NotImplementedError("Sub-geometries may have coordinate sequences, but multi-part geometries do not")

    monkeypatch.setattr(environment, "city_map", broken)
    app = create_app(province_db, Settings(var_dir=tmp_path, auth_mode="open"))
    answers = _refresh(app, "/environment")
    assert _banner(answers, "environment") is None
    failed = _figure(answers, "environment-map")
    (text,) = [a["text"] for a in failed["layout"]["annotations"]]
    assert "无法绘制" in text and t("environment.map", "zh") in text and "NotImplementedError" in text
    aqi = _figure(answers, "environment-aqi")
    assert "无法绘制" not in json.dumps(aqi, ensure_ascii=False)


def test_roads_of_any_geometry_are_drawn_by_their_lines():
    """A broken road geometry (a collection, a polygon, a point) never breaks the roads layer."""
    from layouts.figures.map_base import line_coords

    roads = [
        GeometryCollection([MultiLineString([[(0, 0), (1, 0)], [(1, 0), (1, 1), (2, 1)]]), Point(5, 5)]),
        Polygon([(0, 0), (1, 0), (1, 1)]),
        Point(3, 3),
        None,
    ]
    lons, lats, rows = line_coords(roads)
    # 2 + 3 vertices of the lines, the triangle's closed ring of 4; one None gap after each path
    assert [x for x in lons if x is not None] == [0, 1, 1, 1, 2, 0, 1, 1, 0]
    assert rows == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def _invalid_features(path) -> dict[str, tuple[str, BaseGeometry]]:
    """The features of a boundary file whose geometry is not valid, by code: name and raw geometry."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {
        str(f["properties"]["adcode"]): (f["properties"]["name"], shape(f["geometry"]))
        for f in features
        if not shape(f["geometry"]).is_valid
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("path", "page", "graph"), [("/map", "map", "map-graph"),
                                                      ("/environment", "environment", "environment-map")])
def test_areas_not_drawn_are_named_on_the_map(province_db, realdata, tmp_path, lang, path, page, graph):
    """The Zhejiang file's invalid cities, stored as what is left of them once their area is taken away (their
    rings as lines), cannot be drawn: the map says so itself, naming both, in the page's language."""
    from sqlalchemy import select, update

    invalid = _invalid_features(realdata / ZHEJIANG)
    assert sorted(invalid) == ["330200", "330900"]  # 宁波市 and 舟山市, as the file's own validity says
    with province_db.begin() as conn:
        for code, (_name, geom) in invalid.items():
            conn.execute(update(District).where(District.code == code).values(geometry=geom.boundary))
        names_en = dict(conn.execute(select(District.code, District.name_en).where(District.code.in_(invalid))).all())
    app = create_app(province_db, Settings(var_dir=tmp_path, auth_mode="open"))
    answers = _refresh(app, path, f"?lang={lang}")
    assert _banner(answers, page) is None
    figure = _figure(answers, graph)
    assert figure["layout"]["meta"] == {"skipped_areas": ["330200", "330900"]}
    (note,) = [a["text"] for a in figure["layout"].get("annotations", []) if "330200" in a["text"]]
    for code, (name_zh, _geom) in invalid.items():
        assert f"{name_zh if lang == 'zh' else names_en[code] or name_zh} ({code})" in note
    assert note.startswith("2 个区域未绘制" if lang == "zh" else "2 areas not drawn")
    assert _outline_vertices(figure) > 0  # the other cities are drawn
