"""The overview and the wall opened while the database is down: their frame (navigation, clock) with the
database banner, not a bare error page; the first refresh that reaches the database draws the rest."""

from __future__ import annotations

import json

import pytest
from plotly.utils import PlotlyJSONEncoder

from dashboard.db.engine import make_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app


@pytest.fixture
def app_without_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # every read fails: no tables
    yield create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    engine.dispose()


def _ids(component) -> set[str]:
    found = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            if isinstance(getattr(node, "id", None), str):
                found.add(node.id)
            stack.append(getattr(node, "children", None))
    return found


@pytest.mark.parametrize(("page", "frame"), [("overview", "nav-map"), ("wall", "wall-scene-name")])
def test_frame_and_banner_without_database(app_without_database, page, frame):
    from layouts.pages import overview, wall

    with app_without_database.server.test_request_context("/"):
        drawn = {"overview": overview, "wall": wall}[page].layout(lang="zh")
    assert "数据库暂不可用" in str(drawn)
    assert {frame, f"{page}-banner", f"{page}-interval"} <= _ids(drawn)
    if page == "wall":  # its first refresh sends whole figures, not patches of figures never drawn
        stores = {c.id: c.data for c in drawn.children if getattr(c, "id", None) in ("wall-drawn", "wall-deferred")}
        assert stores == {"wall-drawn": False, "wall-deferred": {}}
        # graphs not drawn have no figure at all (a null one makes the browser's Graph component throw)
        sent = json.dumps(drawn, cls=PlotlyJSONEncoder)
        assert '"type": "Graph"' in sent and '"figure": null' not in sent


@pytest.mark.parametrize("page", ["complaints", "halls"])
def test_district_kept_without_database(app_without_database, page):
    from layouts.pages import complaints, halls

    with app_without_database.server.test_request_context("/"):
        drawn = {"complaints": complaints, "halls": halls}[page].layout(lang="zh", district="339901")
    stack, dropdown = [drawn], None
    while stack and dropdown is None:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            dropdown = node if getattr(node, "id", None) == f"{page}-district" else None
            stack.append(getattr(node, "children", None))
    assert dropdown.value == "339901"
    assert dropdown.options == [{"label": "339901", "value": "339901"}]
