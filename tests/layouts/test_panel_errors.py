"""A chart panel fails on its own: bad data for one chart of a page (its read raises, or its frame lacks a column)
turns that panel alone into a statement of what could not be drawn and why, in the page's language; every other
panel, the tiles and the page itself draw as usual (no banner)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.queries import complaints, environment, halls, traffic
from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.i18n import t
from tests.dashboard.synthetic_city import populate
from tests.reliability.dashpages import open_page, page_callbacks, page_layout, post_callback

#: The city's moment in these tests: a Wednesday at 14:00 in Shanghai, the halls open (not the real clock: at
#: night the wall's halls panels had nothing to read, whatever the test's date).
NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)

#: What the failed panel of each language says of itself, before naming the panel (from the catalogue's text).
FAILED = {"en": "could not be drawn", "zh": "无法绘制"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('panels') / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def city_clock():
    """The app's clock at :data:`NOW` for every test here."""
    with clock.set_to(NOW):
        yield


def _answers(engine, tmp_path, path: str, lang: str) -> dict:
    """The page's components as the browser holds them after its callbacks ran: the layout's properties,
    updated by each callback's outputs, by component id."""
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    client = app.server.test_client()
    client.get(f"{path}?lang={lang}")
    routed = open_page(app, client, path, f"?lang={lang}")
    assert routed.status_code == 200
    outputs = {c: dict(props) for c, props in page_layout(routed) if isinstance(c, str)}
    for key, body in page_callbacks(client, page_layout(routed)):
        response = post_callback(client, body)
        assert response.status_code in (200, 204), (key, response.get_data(as_text=True)[:300])
        if response.status_code == 200:
            for component, props in response.get_json()["response"].items():
                outputs.setdefault(component, {}).update(props)
    return outputs


def _flat(text: str) -> str:
    """Text without line breaks or spaces (the panel wraps its lines)."""
    return re.sub(r"\s+|<br>", "", text)


def _failure(figure: dict, lang: str) -> str | None:
    """The failed-panel statement a figure shows (None: a drawn figure)."""
    texts = [a.get("text", "") for a in figure.get("layout", {}).get("annotations", [])]
    return next((text for text in texts if _flat(FAILED[lang]) in _flat(text)), None)


def _bad_columns(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.drop(columns=[column])


def _raises(*_args, **_kwargs):
    raise ValueError("readings of unknown unit 'dB(C)'")


#: page path, the module and read to break, how, the failing panel's graph and title key, and the reason's words.
CASES = [
    ("/traffic", traffic, "road_class_speeds", "column:speed_kmh", "traffic-classes", "traffic.classes", "speed_kmh"),
    ("/environment", environment, "station_series", "raise", "environment-noise", "environment.noise", "dB(C)"),
    ("/halls", halls, "hall_items", "raise", "halls-items", "halls.items", "dB(C)"),
    (
        "/complaints",
        complaints,
        "by_department",
        "column:on_time_rate",
        "complaints-departments",
        "complaints.departments",
        "on_time_rate",
    ),
    ("/district/339901", complaints, "by_category", "raise", "district-categories", "complaints.categories", "dB(C)"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("path", "module", "read", "how", "graph", "title", "why"), CASES, ids=[c[0] for c in CASES])
def test_one_failing_chart_leaves_the_page_drawn(
    engine, tmp_path, monkeypatch, lang, path, module, read, how, graph, title, why
):
    original = getattr(module, read)
    if how == "raise":
        monkeypatch.setattr(module, read, _raises)
    else:
        column = how.split(":")[1]
        monkeypatch.setattr(module, read, lambda *a, **k: _bad_columns(original(*a, **k), column))
    page = path.split("/")[1]
    outputs = _answers(engine, tmp_path, path, lang)
    assert outputs[f"{page}-banner"].get("children") is None
    assert outputs[f"{page}-tiles"]["children"]  # the tiles are drawn
    figures = {component: props["figure"] for component, props in outputs.items() if "figure" in props}
    assert len(figures) >= 4
    failed = _failure(figures.pop(graph), lang)
    assert failed is not None, f"{graph} drew no failure statement"
    assert _flat(t(title, lang)) in _flat(failed)
    assert _flat(why) in _flat(failed)
    assert {g: _failure(f, lang) for g, f in figures.items()} == dict.fromkeys(figures)
    assert any(f["data"] for f in figures.values())  # other panels drew data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_failing_overview_chart_leaves_the_overview_drawn(engine, tmp_path, monkeypatch, lang):
    from layouts.pages import overview

    def broken(*_args, **_kwargs):
        raise TypeError("unsupported operand type(s) for -: 'str' and 'float'")

    monkeypatch.setattr(overview, "ranking_bars", broken)
    outputs = _answers(engine, tmp_path, "/", lang)
    assert outputs["overview-banner"].get("children") is None
    failed = _failure(outputs["overview-ranking"]["figure"], lang)
    assert failed is not None
    assert _flat(t("ranking.title", lang)) in _flat(failed) and "TypeError" in failed
    for graph in ("overview-score-trend", "overview-breakdown", "overview-map"):
        assert _failure(outputs[graph]["figure"], lang) is None, graph
    assert outputs["overview-breakdown"]["figure"]["data"]
    assert json.dumps(outputs["overview-cards"]["children"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_failing_wall_panel_leaves_the_wall_drawn(engine, tmp_path, monkeypatch, lang):
    """The halls scene's trend cannot be read: its panel says so, the ranking beside it and the lists draw."""
    from layouts.viewmodels import wall

    monkeypatch.setitem(wall.READS, "halls_trend", _raises)
    monkeypatch.setitem(wall.READS, "feeds_list", _raises)
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    client = app.server.test_client()
    client.get(f"/wall?lang={lang}&scenes=halls,alerts")
    routed = open_page(app, client, "/wall", f"?lang={lang}&scenes=halls,alerts")
    components = {
        (cid["type"], cid["panel"]): props
        for cid, props in page_layout(routed)
        if isinstance(cid, dict) and "panel" in cid
    }
    banner = next(props for cid, props in page_layout(routed) if cid == "wall-banner")
    assert banner.get("children") is None
    failed = _failure(components[("wall-graph", "halls_trend")]["figure"], lang)
    assert failed is not None and _flat(t("wall.panel.halls_trend", lang)) in _flat(failed) and "dB(C)" in failed
    ranking = components[("wall-graph", "halls_ranking")]["figure"]
    assert _failure(ranking, lang) is None and ranking["data"]
    listed = json.dumps(components[("wall-html", "feeds_list")]["children"], ensure_ascii=False)
    assert FAILED[lang] in listed and _flat(t("wall.panel.feeds_list", lang)) in _flat(listed)
    alerts = json.dumps(components[("wall-html", "alerts_list")]["children"], ensure_ascii=False)
    assert FAILED[lang] not in alerts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_failing_map_breakdown_leaves_the_map_drawn(engine, tmp_path, monkeypatch, lang):
    """The selection's top districts cannot be read: the side column says so under the count; the map draws."""
    from dashboard.queries import map as map_queries

    monkeypatch.setattr(map_queries, "top_districts", _raises)
    outputs = _answers(engine, tmp_path, "/map", lang)
    assert outputs["map-banner"].get("children") is None
    assert _failure(outputs["map-graph"]["figure"], lang) is None and outputs["map-graph"]["figure"]["data"]
    summary = json.dumps(outputs["map-summary"]["children"], ensure_ascii=False)
    assert '"map-count"' in summary
    assert FAILED[lang] in summary and _flat(t("map.summary.breakdown", lang)) in _flat(summary) and "dB(C)" in summary
