"""Hostile query strings on every page (its shell and its layout, through the pages router) and every other
route the server has (the API, sign-in, admin, health): a clean 4xx with a short message, or the same answer as
without them when they can be ignored — never a 5xx, a traceback, a page that failed to draw, or the input echoed
back unescaped. Pages and routes are discovered from the app, not listed here."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from dashpages import open_page, page_paths
from hostile import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from dashboard.auth import store
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.geo.reference import load_reference_data
from dashboard.settings import Settings
from dashboard.web.app import create_app
from dashboard.web.query_guard import KNOWN

CITY_DIR = Path(__file__).resolve().parents[2] / "data" / "city"
PASSWORD = "correct horse battery"
ERROR_BANNER = "部分数据暂时无法更新"  # a page layout that raised (layouts.components.guard)
SCRIPT = "<script>alert(1)</script>"
#: Query strings a page or the API must refuse (400, or 414 when oversize).
REFUSED = {
    "huge value": "district=" + "x" * 100_000,
    "NUL byte": "district=%00",
    "invalid UTF-8": "district=%ff%fe",
    "repeated key": "lang=zh&lang=en",
    "impossible date": "start=9999-99-99",
    "infinite number": "rotate=1e999",
    "NaN": "hour=NaN",
    "NaN limit": "limit=NaN",
    "SQL injection": "district=%27%20OR%20%271%27%3D%271%27%20--",
    "HTML injection": f"kpi={SCRIPT}",
    "HTML in the language": "lang=<img src=x onerror=alert(1)>",
    "nested brackets": "layers=" + "[" * 300 + "]" * 300,
    "too many parameters": "&".join(f"p{i}=1" for i in range(100)),
    "token markup": f"token={SCRIPT}",
    "overlong period": "period=" + "7d" * 100,
}
#: Query strings that can be ignored: the same answer as without them (an API may refuse an empty filter).
IGNORABLE = {
    "unknown keys": "utm_source=wall&foo=bar",
    "nested bracket keys": "a[b][c][d][e][f]=1&[[[[=]]]]",
    "markup in an unknown key": f"x{SCRIPT}=1",
    "empty values": "district=&lang=&period=",
}
#: Parameters pages really take: a page must draw with them.
VALID = "lang=en&theme=dark&period=7d&district=339901&scenes=city,traffic&rotate=30&layers=areas,roads&hour=3"
ECHOES = (SCRIPT, "<img src=x onerror", "' OR '1'='1", "x" * 200)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    engine = make_engine(f"sqlite:///{folder / 'cityops.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        load_reference_data(conn, CITY_DIR)
    store.add_user(engine, "adm", PASSWORD, "admin")
    settings = Settings(var_dir=folder, auth_mode="login", secret_key="s" * 40, cookie_secure=False)
    return create_app(engine, settings)


@pytest.fixture(scope="module")
def client(app):
    """Signed in as an admin, who may open every page and route."""
    client = app.server.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed = client.post("/login", data={"username": "adm", "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert signed.status_code == 302
    # Follow the redirect as a browser does: signing in starts a new session, and the first page of it issues
    # the CSRF token that the renderer's callbacks carry (whichever test of this module runs first).
    assert client.get(signed.headers["Location"]).status_code == 200
    return client


def _routes(app) -> list[str]:
    """Every GET route of the server without path variables, and every page."""
    static = ("/assets/", "/_dash-component-suites/", "/static/", "/_favicon.ico")
    rules = {
        rule.rule
        for rule in app.server.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(static)
    }
    return sorted(rules | set(page_paths()))


def _check_clean(response, what: str) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (what, response.status_code, body[:300])
    assert "Traceback" not in body, what
    if response.status_code >= 400:
        assert len(body) < 2000, (what, body[:300])
    for echo in ECHOES:
        assert echo not in body or response.mimetype == "application/json" and response.status_code < 400, (what, echo)
    return body


def test_every_route_refuses_hostile_query_strings_cleanly(app, client):
    refused = 0
    for route in _routes(app):
        for name, query in REFUSED.items():
            response = client.get(f"{route}?{query}")
            _check_clean(response, f"{route} {name}")
            assert response.status_code in (400, 414), (route, name, response.status_code)
            refused += 1
    print(f"\nhostile queries: {refused} requests to {len(_routes(app))} routes refused with a clean 400/414")


def test_ignorable_query_strings_change_nothing(app, client):
    for route in _routes(app):
        baseline = client.get(route).status_code
        for name, query in {**IGNORABLE, "valid": VALID}.items():
            response = client.get(f"{route}?{query}")
            _check_clean(response, f"{route} {name}")
            assert response.status_code in (baseline, 400), (route, name, response.status_code, baseline)
            if route in page_paths():
                assert response.status_code == baseline, (route, name, response.status_code, baseline)


def test_page_layouts_refuse_hostile_queries_and_draw_with_the_rest(app, client):
    for path in page_paths():
        for name, query in REFUSED.items():
            response = open_page(app, client, path, f"?{query}")
            _check_clean(response, f"router {path} {name}")
            assert response.status_code in (400, 414), (path, name, response.status_code)
        for name, query in {**IGNORABLE, "valid": VALID}.items():
            response = open_page(app, client, path, f"?{query}")
            body = _check_clean(response, f"router {path} {name}")
            assert response.status_code == 200, (path, name, response.status_code, body[:300])
            assert ERROR_BANNER not in body, (path, name)


#: Values for the parameters pages read: plausible, borderline and hostile.
VALUES = st.one_of(
    st.sampled_from(["", "zh", "en", "dark", "light", "7d", "24h", "day", "339901", "noise", "city,traffic", "0", "3"]),
    st.sampled_from(["-1", "1e-9", "86400", "1e999", "NaN", "inf", "2026-02-30", "2026-11-21T08:00:00Z", "9" * 30]),
    st.text(max_size=30),
)


@pytest.mark.reliability
def test_any_query_string_gives_a_clean_answer_and_any_accepted_one_a_drawn_page(app, client):
    paths = page_paths()

    @FUZZ
    @given(
        path=st.sampled_from(paths),
        params=st.lists(st.tuples(st.sampled_from(sorted(KNOWN - {"token"})), VALUES), max_size=6),
    )
    def run(path, params):
        search = "?" + urlencode(params)
        shell = client.get(path + search)
        _check_clean(shell, f"{path}{search}")
        routed = open_page(app, client, path, search)
        body = _check_clean(routed, f"router {path}{search}")
        assert routed.status_code in (200, 400), (path, search, routed.status_code)
        assert (shell.status_code == 200) == (routed.status_code == 200), (path, search)
        if routed.status_code == 200:
            assert ERROR_BANNER not in body, (path, search)

    run()
    print(f"\nrandom page queries: {FUZZ.max_examples} examples, every answer clean, every accepted page drawn")
