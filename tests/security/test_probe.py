"""The outside probe, replayed: every kind of caller against every page, API route, Dash endpoint and static path,
with the status each must get (the table is the access policy of docs/security.md)."""

from __future__ import annotations

import re

import dash
import pytest

from dashboard.auth import store
from tests.security.conftest import call, make_city, signed_in

CALLERS = ("anonymous", "leader", "analyst", "admin", "wall", "api")
ROUTER = ".._pages_content.children..._pages_store.data.."
STATIC = ("/assets/10-cityops.css", "/_favicon.ico", "/health", "/login")


def _row(anonymous, leader, analyst, admin, wall, api) -> dict[str, int]:
    return dict(zip(CALLERS, (anonymous, leader, analyst, admin, wall, api), strict=True))


#: Pages (GET), by kind of page.
PAGE = _row(302, 200, 200, 200, 403, 200)
WALL_PAGE = _row(302, 200, 200, 200, 200, 200)
ADMIN_PAGE = _row(302, 403, 403, 200, 403, 403)
#: The pages router opening a page (a Dash callback). An API client (bearer token) holds no CSRF token of a
#: session: where its role lets it in, the callback is refused for the missing token.
ROUTED = _row(401, 200, 200, 200, 403, 400)
ROUTED_WALL = _row(401, 200, 200, 200, 200, 400)
ROUTED_ADMIN = _row(401, 403, 403, 200, 403, 403)
#: API routes: records (personal data, staff only) and aggregates.
RECORDS = _row(401, 200, 200, 200, 403, 200)
AGGREGATES = _row(401, 200, 200, 200, 200, 200)
#: Dash's shell (no data), static files and probes.
SHELL = _row(401, 200, 200, 200, 200, 200)
OPEN = _row(200, 200, 200, 200, 200, 200)


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    city = make_city(tmp_path_factory.mktemp("probe"), login_rate_limit="1000 per minute")
    api_token = store.create_token(city.engine, "bi-client", "leader")
    clients = {"anonymous": city.client()}
    for role, user in (("leader", "lea"), ("analyst", "ana"), ("admin", "adm")):
        clients[role] = signed_in(city, user)
    clients["wall"] = city.client()
    assert clients["wall"].get(f"/wall?token={city.wall_token}").status_code == 200
    clients["api"] = city.client()
    clients["api"].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token}"
    for client in clients.values():
        client.get("/login")  # the CSRF cookie of each session
    return city, clients


def _pages() -> list[str]:
    return sorted({page["path"] for page in dash.page_registry.values()})


def _expected_page(path: str, routed: bool) -> dict[str, int]:
    if path == "/admin":
        return ROUTED_ADMIN if routed else ADMIN_PAGE
    if path == "/wall":
        return ROUTED_WALL if routed else WALL_PAGE
    return ROUTED if routed else PAGE


def _table(city) -> list[tuple[str, str, dict[str, int]]]:
    rows = [("GET", path, _expected_page(path, routed=False)) for path in [*_pages(), "/admin"]]
    rows += [("ROUTE", path, _expected_page(path, routed=True)) for path in [*_pages(), "/admin"]]
    api = sorted(r.rule for r in city.app.server.url_map.iter_rules() if r.rule.startswith("/api/"))
    rows += [("GET", path, RECORDS if path.startswith("/api/v1/complaints") else AGGREGATES) for path in api]
    rows += [("GET", path, SHELL) for path in ("/_dash-layout", "/_dash-dependencies")]
    rows += [("GET", path, OPEN) for path in STATIC]
    return rows


def _status(client, method: str, path: str) -> int:
    if method == "ROUTE":
        inputs = [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ]
        return call(client, ROUTER, inputs).status_code
    return client.get(path).status_code


@pytest.mark.parametrize("caller", CALLERS)
def test_every_path_answers_each_caller_as_the_policy_says(probed, caller):
    city, clients = probed
    table = _table(city)
    assert len([r for r in table if r[0] == "GET" and r[1].startswith("/api/")]) >= 6
    wrong = {
        (method, path): (status, expected[caller])
        for method, path, expected in table
        if (status := _status(clients[caller], method, path)) != expected[caller]
    }
    assert not wrong, wrong


@pytest.mark.parametrize("caller", CALLERS)
def test_dash_scripts_are_static(probed, caller):
    city, clients = probed
    index = clients["admin"].get("/").get_data(as_text=True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', index)
    assert scripts
    for path in scripts[:3]:
        assert clients[caller].get(path).status_code == 200, path


@pytest.mark.parametrize("caller", CALLERS)
def test_callbacks_of_pages_a_caller_may_not_open_are_refused(probed, caller):
    """Each registered callback is served only to callers who may open the page that registered it."""
    city, clients = probed
    expected_refusal = {"anonymous": 401, "wall": 403, "api": 400}.get(caller)
    for output in sorted(city.app.callback_map):
        if "wall" in output or "_pages" in output:
            continue
        status = call(clients[caller], output).status_code
        if expected_refusal:
            assert status == expected_refusal, output
        else:
            assert status not in (401, 403) and status < 500, (output, status)
