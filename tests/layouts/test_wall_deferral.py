"""The wall draws only its first scene's figures with the page; the later scenes' wait in the browser
(``wall-deferred``) until their scene is next."""

from __future__ import annotations

import pytest
from dash import dcc

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import NOW, populate


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wall")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    yield create_app(engine, Settings(var_dir=folder, auth_mode="open"))
    engine.dispose()


def _find(component, kind) -> list:
    found, stack = [], [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            if isinstance(node, kind):
                found.append(node)
            stack.append(getattr(node, "children", None))
    return found


def test_later_scenes_wait_in_the_browser(app):
    from layouts.pages import wall

    with app.server.test_request_context("/"):
        drawn = wall.layout(lang="en", scenes="city,traffic", rotate="10")
    graphs = {g.id["panel"]: g for g in _find(drawn, dcc.Graph)}
    stores = {s.id: s.data for s in _find(drawn, dcc.Store)}
    assert all(getattr(graphs[p], "figure", None) for p in ("city_map", "city_trend"))
    assert not any(getattr(graphs[p], "figure", None) for p in ("traffic_map", "traffic_trend"))
    assert set(stores["wall-deferred"]) == {"traffic_map", "traffic_trend"}
    assert stores["wall-deferred"]["traffic_map"].layout.map.style  # whole figures, drawn as they are
    prepare = next(i for i in _find(drawn, dcc.Interval) if i.id == "wall-prepare")
    assert prepare.interval == 3_000 and prepare.max_intervals == 1 and not prepare.disabled
