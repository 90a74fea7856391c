"""Every page, API route and Dash callback refuses the anonymous unless public; roles, kiosk tokens, proxies."""

from __future__ import annotations

import dash
import pytest

from dashboard.auth import store
from tests.reliability.dashpages import layout_components
from tests.security.conftest import call, login, make_city, signed_in

ROUTER = ".._pages_content.children..._pages_store.data.."


def _router_inputs(path: str) -> list:
    return [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": ""},
    ]


def _pages() -> list[str]:
    return sorted({page["path"] for page in dash.page_registry.values()} | {"/admin"})


def _api_routes(app) -> list[str]:
    return sorted(r.rule for r in app.server.url_map.iter_rules() if r.rule.startswith("/api/"))


def test_anonymous_is_refused_everywhere(city):
    client = city.client()
    for path in _pages():
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/login?next="), path
    routes = _api_routes(city.app)
    assert {"/api/v1/kpis", "/api/v1/alerts", "/api/v1/feeds", "/api/v1/complaints"} <= set(routes)
    for path in routes:
        assert client.get(path).status_code == 401, path
    assert client.get("/_dash-layout").status_code == 401
    for output in city.app.callback_map:
        assert call(client, output).status_code in (401, 403), output
    assert call(client, ROUTER, _router_inputs("/wall")).status_code == 401


def test_public_paths_open_only_themselves(tmp_path):
    city = make_city(tmp_path, public_paths=["/wall", "/api/v1/kpis"])
    client = city.client()
    assert client.get("/wall").status_code == 200
    assert client.get("/api/v1/kpis").status_code == 200
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/complaints").status_code == 401
    assert call(client, ROUTER, _router_inputs("/wall")).status_code == 200
    assert call(client, ROUTER, _router_inputs("/map")).status_code == 401
    wall_callbacks = [o for o in city.app.callback_map if "wall" in o]
    map_callbacks = [o for o in city.app.callback_map if o.startswith("..map-graph")]
    assert wall_callbacks and map_callbacks
    assert call(client, map_callbacks[0]).status_code == 401


@pytest.mark.parametrize("user", ["lea", "ana"])
def test_staff_see_pages_but_not_admin(city, user):
    client = signed_in(city, user)
    for path in _pages():
        expected = 403 if path == "/admin" else 200
        assert client.get(path).status_code == expected, path
    assert call(client, ROUTER, _router_inputs("/admin")).status_code == 403
    assert client.get("/api/v1/complaints").status_code == 200


def test_admin_sees_everything(city):
    client = signed_in(city, "adm")
    for path in _pages():
        assert client.get(path).status_code == 200, path


def test_kiosk_token_reaches_the_wall_only(city):
    client = city.client()
    assert client.get(f"/wall?token={city.wall_token}").status_code == 200
    assert client.get("/wall").status_code == 200  # the screen's session carries on without the token
    for path in _pages():
        if path != "/wall":
            assert client.get(path).status_code == 403, path
    assert client.get("/api/v1/complaints").status_code == 403
    assert client.get("/api/v1/complaints.csv").status_code == 403
    assert client.get("/api/v1/kpis").status_code == 200
    assert call(client, ROUTER, _router_inputs("/wall")).status_code == 200
    for path in ("/", "/map", "/complaints", "/admin"):
        assert call(client, ROUTER, _router_inputs(path)).status_code == 403, path
    for output in city.app.callback_map:
        if not any(part in output for part in ("wall", "_pages")):
            assert call(client, output).status_code == 403, output
    bearer = {"Authorization": f"Bearer {city.wall_token}"}
    assert city.client().get("/api/v1/alerts", headers=bearer).status_code == 200
    assert city.client().get("/api/v1/complaints", headers=bearer).status_code == 403


def test_revoked_token_loses_access_at_once(city):
    client = city.client()
    assert client.get(f"/wall?token={city.wall_token}").status_code == 200
    assert store.revoke_token(city.engine, "wall-1")
    assert client.get("/wall").status_code == 302
    assert call(client, ROUTER, _router_inputs("/wall")).status_code == 401
    assert city.client().get(f"/wall?token={city.wall_token}").status_code == 302
    assert city.client().get("/api/v1/kpis", headers={"Authorization": f"Bearer {city.wall_token}"}).status_code == 401


def test_tokens_are_never_admin(city):
    with pytest.raises(store.AccessError):
        store.create_token(city.engine, "root", "admin")


def test_wrong_password_and_inactive_account(city):
    client = city.client()
    assert login(client, "ana", "wrong password!").status_code == 401
    store.set_user(city.engine, "ana", active=False)
    assert login(client, "ana").status_code == 401


def test_deactivating_a_user_ends_their_session(city):
    client = signed_in(city, "lea")
    assert client.get("/").status_code == 200
    store.set_user(city.engine, "lea", active=False)
    assert client.get("/").status_code == 302


def test_login_redirects_only_within_the_site(city):
    client = city.client()
    from tests.security.conftest import PASSWORD, csrf_token

    for target, expected in (("/map?lang=en", "/map?lang=en"), ("https://evil.example/", "/"), ("//evil", "/")):
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        response = client.post(
            "/login",
            data={"username": "ana", "password": PASSWORD, "csrf_token": csrf_token(client), "next": target},
        )
        assert response.location == expected


def test_trusted_header_only_from_trusted_proxies(tmp_path):
    city = make_city(tmp_path, trusted_proxies=["10.0.0.1"], remote_user_header="X-Remote-User")
    headers = {"X-Remote-User": "zhao", "X-Remote-Role": "leader"}
    proxied = city.client(REMOTE_ADDR="10.0.0.1")
    assert proxied.get("/", headers=headers).status_code == 200
    assert proxied.get("/admin", headers=headers).status_code == 403
    assert proxied.get("/", headers={**headers, "X-Remote-Role": "root"}).status_code == 302
    direct = city.client(REMOTE_ADDR="10.0.0.9")
    assert direct.get("/", headers=headers).status_code == 302


def test_login_mode_refuses_the_default_secret(tmp_path):
    with pytest.raises(ValueError, match="SECRET_KEY"):
        make_city(tmp_path, secret_key="change-me")


def test_admin_sets_a_kpi_target_and_its_thresholds(city):
    from dashboard.queries.kpis import kpi_registry
    from tests.security.conftest import csrf_token

    client = signed_in(city, "adm")
    page = client.get("/admin").get_data(as_text=True)
    assert 'value="air_aqi"' in page and 'value="complaints_today"' not in page  # the registry's KPIs

    def post(**form):
        data = {"kpi": "air_aqi", "target": "60", "csrf_token": csrf_token(client, "/admin")} | form
        return client.post("/admin/targets", data=data)

    assert post(threshold_green="60", threshold_red="120").status_code == 302
    aqi = kpi_registry(city.engine, None)["air_aqi"]
    assert (aqi.target, aqi.thresholds) == (60, (60, 120))
    post(target="50", threshold_green="50")  # one threshold alone: refused, nothing changed
    assert kpi_registry(city.engine, None)["air_aqi"].target == 60


def _nav_links(client, path: str, lang: str) -> dict[str, str]:
    """The navbar links of the page at ``path`` as its router draws it: id -> text."""
    client.get(path)  # the page shell (and the session's CSRF token)
    inputs = [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": f"?lang={lang}"},
    ]
    response = call(client, ROUTER, inputs)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    layout = response.get_json()["response"]["_pages_content"]["children"]
    return {cid: props["children"] for cid, props in layout_components(layout) if str(cid).startswith("nav-")}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("user", ["lea", "ana", "adm"])
def test_staff_have_a_link_to_the_city_page(city, user, lang):
    client = signed_in(city, user)
    links = _nav_links(client, "/", lang)
    assert links["nav-city"] == {"zh": "城市数据", "en": "City data"}[lang]
    assert client.get("/city").status_code == 200


def test_no_city_link_where_the_city_page_is_refused(tmp_path):
    city = make_city(tmp_path, public_paths=["/", "/map"])
    links = _nav_links(city.client(), "/map", "en")  # an anonymous visitor on a public page
    assert "nav-map" in links and "nav-city" not in links
    assert city.client().get("/city").status_code == 302
    opened = make_city(tmp_path / "open", public_paths=["/", "/city"])
    assert "nav-city" in _nav_links(opened.client(), "/", "en")
