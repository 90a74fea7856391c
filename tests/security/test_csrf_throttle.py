"""CSRF on every state-changing request (forms and Dash callbacks) and login throttling."""

from __future__ import annotations

from tests.security.conftest import call, csrf_token, login, make_city, signed_in

ROUTER = ".._pages_content.children..._pages_store.data.."
WALL = [
    {"id": "_pages_location", "property": "pathname", "value": "/wall"},
    {"id": "_pages_location", "property": "search", "value": ""},
]


def test_admin_forms_need_the_csrf_token(city):
    client = signed_in(city, "adm")
    form = {"username": "newbie", "password": "long enough pw", "role": "leader"}
    assert client.post("/admin/users", data=form).status_code == 400
    assert client.post("/admin/tokens", data={"name": "t", "role": "wall"}).status_code == 400
    assert client.post("/logout").status_code == 400
    token = csrf_token(client, "/admin")
    assert client.post("/admin/users", data={**form, "csrf_token": token}).status_code == 302
    assert login(city.client(), "newbie", "long enough pw").status_code == 302


def test_login_form_needs_the_csrf_token(city):
    response = city.client().post("/login", data={"username": "ana", "password": "correct horse battery"})
    assert response.status_code == 400


def test_dash_callbacks_need_the_csrf_header(city):
    client = signed_in(city, "ana")
    client.get("/wall")
    assert call(client, ROUTER, WALL, csrf=False).status_code == 400
    assert call(client, ROUTER, WALL).status_code == 200


def test_a_token_from_another_session_is_refused(city):
    alice, mallory = signed_in(city, "adm"), signed_in(city, "lea")
    stolen = csrf_token(mallory, "/login")
    form = {"username": "x" * 5, "password": "long enough pw", "role": "admin", "csrf_token": stolen}
    assert alice.post("/admin/users", data=form).status_code == 400


def test_login_is_throttled_per_address(city):
    client = city.client()
    for _ in range(3):
        assert login(client, "ana", "wrong password!").status_code == 401
    throttled = login(client, "ana")
    assert throttled.status_code == 429
    assert "稍后" in throttled.get_data(as_text=True)
    assert login(city.client(REMOTE_ADDR="10.1.1.1"), "lea").status_code == 302


def test_login_is_throttled_per_user_and_address(tmp_path):
    """Guesses at one user name from one address are throttled; guesses from other addresses lock nobody out
    (each address has its own limit)."""
    city = make_city(tmp_path, login_rate_limit="3 per minute")
    for i in range(3):
        assert login(city.client(REMOTE_ADDR=f"10.2.0.{i}"), "adm", "wrong password!").status_code == 401
    assert login(city.client(REMOTE_ADDR="10.2.0.99"), "adm").status_code == 302
