"""Within Dash's callback requests, the overview and the wall are drawn once a refresh interval for every viewer
who asks alike, and drawn anew for a viewer who asks differently (language, theme, time, screen, role, panels) or
at the next snapshot; what a viewer gets from the cache is what a fresh drawing gives, as the browser receives it;
outside a callback request a page is drawn for its caller."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dash
import orjson
import plotly.graph_objects as go
import pytest
from dash import html
from plotly.io.json import to_json_plotly

from dashboard import clock
from dashboard.cache import cache
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import populate

NOW = datetime(2026, 12, 2, 7, 30, 1, tzinfo=UTC)
REFRESH_SECONDS = 10
PANELS = ["city_map", "complaints_funnel"]
#: Where a page's content is asked for (a request to Dash's callback endpoint).
CALLBACK = {"path": "/_dash-update-component", "method": "POST"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    yield create_app(engine, Settings(var_dir=folder, auth_mode="open", refresh_seconds=REFRESH_SECONDS))
    engine.dispose()


@pytest.fixture(scope="module")
def pages(app):
    """The page modules (importable once the app has registered Dash's pages)."""
    from layouts.components.frame import page_context
    from layouts.data import viewers_key
    from layouts.pages import overview, wall

    return overview, wall, page_context, viewers_key


@pytest.fixture
def views(monkeypatch, app, pages):
    """How many times each page's view model was built (from an empty cache)."""
    overview, wall, _, _ = pages
    with app.server.app_context():
        cache.clear()
    built = {"overview": 0, "wall": 0}

    def counting(page, build):
        def counted(*args, **kwargs):
            built[page] += 1
            return build(*args, **kwargs)

        return counted

    monkeypatch.setattr(overview, "overview_view", counting("overview", overview.overview_view))
    monkeypatch.setattr(wall, "wall_view", counting("wall", wall.wall_view))
    return built


def _context(pages, lang="zh", theme="light", time=None, scale=1.0):
    return pages[2]({"lang": lang, "theme": theme, "time": time or {}}, scale)


def _json(drawn) -> str:
    """The drawing as the browser receives it, byte for byte (a page's content is a dict, the wall's a
    dataclass), written by Dash's encoder (plotly's) whether it holds figures and components or their JSON from
    the cache."""
    return to_json_plotly(drawn if isinstance(drawn, dict) else vars(drawn))


def test_viewers_asking_alike_share_one_drawing(app, pages, views):
    overview, wall, _, viewers_key = pages
    with app.server.test_request_context(**CALLBACK), clock.set_to(NOW):
        context = _context(pages)
        first = overview.content(context)
        again = overview.content(_context(pages))
        walls = [wall.content(_context(pages), PANELS) for _ in range(3)]
    assert views == {"overview": 1, "wall": 1}
    assert _json(again) == _json(first)
    assert _json(walls[2]) == _json(walls[0])


def test_what_the_cache_gives_is_what_a_fresh_drawing_gives(app, pages, views):
    overview, wall, _, viewers_key = pages
    moment = NOW + timedelta(minutes=7)
    panels = list(wall.PANELS)  # the trend panels' figures hold dates
    with app.server.test_request_context(**CALLBACK), clock.set_to(moment):
        cached = [overview.content(_context(pages, lang="en")) for _ in range(2)][1]
        cached_wall = [wall.content(_context(pages, lang="en"), panels) for _ in range(2)][1]
    with clock.set_to(moment), app.server.test_request_context(**CALLBACK):
        fresh = overview._drawn(_context(pages, lang="en"))
        fresh_wall = wall._drawn(_context(pages, lang="en"), panels)
    assert views["overview"] == 2
    assert _json(cached) == _json(fresh)
    assert _json(cached_wall) == _json(fresh_wall)


@pytest.mark.parametrize(
    "asked",
    [
        {"lang": "en"},
        {"theme": "dark"},
        {"time": {"period": "this_week"}},
        {"scale": 2.0},
    ],
    ids=["language", "theme", "time", "screen"],
)
def test_a_viewer_asking_differently_gets_its_own_drawing(app, pages, views, asked):
    overview, wall, _, viewers_key = pages
    moment = NOW + timedelta(hours=1)
    with app.server.test_request_context(**CALLBACK), clock.set_to(moment):
        overview.content(_context(pages))
        wall.content(_context(pages), PANELS)
        overview.content(_context(pages, **asked))
        wall.content(_context(pages, **asked), PANELS)
    assert views == {"overview": 2, "wall": 2}


def test_the_next_snapshot_is_drawn_anew(app, pages, views):
    overview, wall, _, viewers_key = pages
    moment = NOW + timedelta(hours=2)
    with app.server.test_request_context(**CALLBACK):
        with clock.set_to(moment):
            wall.content(_context(pages), PANELS)
        with clock.set_to(moment + timedelta(seconds=REFRESH_SECONDS - 2)):  # the same snapshot
            wall.content(_context(pages), PANELS)
        with clock.set_to(moment + timedelta(seconds=REFRESH_SECONDS)):  # the next one
            wall.content(_context(pages), PANELS)
    assert views["wall"] == 2


def test_the_key_names_the_role_and_the_panels(app, pages):
    overview, wall, _, viewers_key = pages
    with app.server.test_request_context(**CALLBACK), clock.set_to(NOW):
        context = _context(pages)
        key = viewers_key(context, "wall", ("city_map",))
        assert viewers_key(_context(pages), "wall", ("city_map",)) == key
        assert viewers_key(context, "wall", ("city_map", "complaints_funnel")) != key
        assert viewers_key(context, "overview", ("city_map",)) != key
        from dataclasses import replace

        assert viewers_key(replace(context, role="admin"), "wall", ("city_map",)) != key


def test_outside_a_callback_request_each_caller_gets_its_own_drawing(app, pages, views):
    overview, wall, _, _ = pages
    with app.server.test_request_context("/"), clock.set_to(NOW + timedelta(hours=3)):
        drawn = [overview.content(_context(pages)) for _ in range(2)]
    assert views["overview"] == 2
    assert isinstance(drawn[1]["overview-map"], go.Figure)  # figures, not their JSON, for a caller in Python


def test_the_cache_keeps_containers_and_no_update_and_writes_the_rest_once():
    from layouts.data import _read, _written

    figure = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
    drawn = (html.Div("澄江", id="a"), [figure, dash.no_update], {"class": "x", "n": 3, "none": None}, "text")
    read = _read(_written(drawn))
    assert isinstance(read, tuple) and isinstance(read[1], list) and isinstance(read[2], dict)
    assert read[1][1] is dash.no_update or isinstance(read[1][1], dash.NoUpdate)
    assert read[2] == {"class": "x", "n": 3, "none": None} and read[3] == "text"
    assert isinstance(read[0], orjson.Fragment) and isinstance(read[1][0], orjson.Fragment)
    sent = json.loads(to_json_plotly({"response": [read[0], read[1][0]]}))["response"]
    assert sent[0] == {"type": "Div", "namespace": "dash_html_components", "props": {"children": "澄江", "id": "a"}}
    assert sent[1]["data"][0]["x"] == ["甲", "乙"] and sent[1]["data"][0]["type"] == "bar"


def test_while_the_next_snapshot_is_drawn_the_viewers_get_the_one_before(app, pages, views):
    overview, wall, _, viewers_key = pages
    moment = NOW + timedelta(hours=4)
    with app.server.test_request_context(**CALLBACK):
        with clock.set_to(moment):
            before = wall.content(_context(pages), PANELS)
        with clock.set_to(moment + timedelta(seconds=REFRESH_SECONDS)):  # the next snapshot, another worker on it
            cache.add(viewers_key(_context(pages), "wall", tuple(PANELS)) + ":building", 1)
            meanwhile = wall.content(_context(pages), PANELS)
    assert views["wall"] == 1
    assert _json(meanwhile) == _json(before)
