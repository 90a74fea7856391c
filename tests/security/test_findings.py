"""Each finding of the outside probe, replayed: secure defaults, the router read by position, session revocation,
redirects, lockout, static paths, hostile callback values, admin forms and the quarantine browser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from dashboard.auth import store
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import Quarantine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.security.conftest import ID_CARD, PASSWORD, PERSONAL, PHONE, call, csrf_token, login, make_city, signed_in
from tests.security.payloads import body, post

ROUTER = ".._pages_content.children..._pages_store.data.."


def _location(path, search="") -> list:
    return [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": search},
    ]


def _kiosk(city):
    client = city.client()
    assert client.get(f"/wall?token={city.wall_token}").status_code == 200
    return client


def test_no_configuration_means_sign_in(tmp_path, monkeypatch):
    for name in ("CITYOPS_AUTH_MODE", "CITYOPS_SECRET_KEY", "CITYOPS_ALLOW_OPEN_ON_NETWORK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    settings = Settings(var_dir=tmp_path)
    assert settings.auth_mode == "login"
    engine = make_engine(f"sqlite:///{tmp_path / 'cityops.db'}")
    upgrade(engine)
    client = create_app(engine, settings).server.test_client()
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/complaints").status_code == 401
    assert client.get("/login").status_code == 200


def test_the_router_is_judged_by_the_path_dash_renders(city):
    """Dash takes the router's inputs by position: a second, decoy ``pathname`` must not decide."""
    client = _kiosk(city)
    decoy = [
        {"id": "_pages_location", "property": "search", "value": "/complaints"},
        {"id": "_pages_location", "property": "pathname", "value": "/wall"},
    ]
    swapped = [{"id": "x", "property": "y", "value": "/complaints"}, *_location("/wall")]
    for inputs in (decoy, swapped, [_location("/complaints")[0], _location("/wall")[0]]):
        response = call(client, ROUTER, inputs)
        assert 400 <= response.status_code < 500, inputs
        assert "complaints-grid" not in response.get_data(as_text=True)
    assert call(client, ROUTER, _location("/wall")).status_code == 200


def test_public_wall_does_not_open_other_pages_through_the_router(tmp_path):
    city = make_city(tmp_path, public_paths=["/wall"])
    client = city.client()
    client.get("/wall")
    for page in ("/complaints", "/feeds", "/map", "/district/D01"):
        inputs = [{"id": "_pages_location", "property": "hash", "value": page}, *_location("/wall")]
        response = call(client, ROUTER, inputs)
        assert 400 <= response.status_code < 500, page


@pytest.mark.parametrize("revoke", ["logout", "password", "deactivate"])
def test_a_captured_session_dies_with_logout_password_change_and_deactivation(city, revoke):
    client = signed_in(city, "ana")
    assert client.get("/api/v1/complaints").status_code == 200
    captured = client.get_cookie("cityops_session").value
    if revoke == "logout":
        assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    elif revoke == "password":
        store.set_user(city.engine, "ana", password="another long password")
    else:
        store.set_user(city.engine, "ana", active=False)
        store.set_user(city.engine, "ana", active=True)
    replay = city.client()
    replay.set_cookie("cityops_session", captured)
    assert replay.get("/api/v1/complaints").status_code == 401
    assert replay.get("/").status_code == 302


def test_signing_in_again_after_logout_works(city):
    first = signed_in(city, "lea")
    first.post("/logout", data={"csrf_token": csrf_token(first)})
    second = signed_in(city, "lea")
    assert second.get("/").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%2f/evil.example",
        "/%5cevil.example",
        "%2f%2fevil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "https:/evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\x00/evil.example",
        "/%252f/evil.example",
        "/\u3000/evil.example",
    ],
)
def test_login_redirects_only_to_same_site_paths(city, target):
    client = city.client()
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": csrf_token(client), "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_relative_next_survives(city):
    client = city.client()
    response = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": csrf_token(client), "next": "/map?lang=en"},
    )
    assert response.headers["Location"] == "/map?lang=en"


def test_nobody_locks_out_another_user_from_other_addresses(city):
    for i in range(5):
        login(city.client(REMOTE_ADDR=f"10.3.0.{i}"), "adm", "wrong password!")
    assert login(city.client(REMOTE_ADDR="10.3.1.1"), "adm").status_code == 302


def test_one_address_guessing_one_user_is_throttled(city):
    client = city.client(REMOTE_ADDR="10.4.0.1")
    for _ in range(3):
        assert login(client, "ana", "wrong password!").status_code == 401
    assert login(client, "ana").status_code == 429


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/..%2f..%2fetc/passwd",
        "/_dash-component-suites/dash/..%2f..%2f..%2fetc%2fpasswd",
        "/_dash-component-suites/dash/%2e%2e/%2e%2e/etc/passwd",
        "/_dash-component-suites/nosuchpackage/x.js",
        "/_dash-component-suites/dash/nosuch.js",
        "/assets/..%2f..%2fdashboard/settings.py",
    ],
)
def test_static_traversal_is_not_found(city, path):
    response = city.client().get(path)
    assert response.status_code == 404, response.status_code
    assert "root:" not in response.get_data(as_text=True)


def test_halls_with_an_unknown_district(city, caplog):
    client = signed_in(city, "ana")
    assert "KeyError" not in client.get("/halls?district=NOWHERE").get_data(as_text=True)
    callback_map = city.app.callback_map
    refresh = next(o for o in callback_map if o.startswith("..halls-tiles."))
    assert [i["id"] for i in callback_map[refresh]["inputs"]][1:] == ["halls-district"]
    response = post(client, body(callback_map, refresh, {("inputs", 1): "NOWHERE"}))
    assert response.status_code == 200
    assert "problem-banner" not in response.get_data(as_text=True)
    assert not [r for r in caplog.records if r.exc_info], "refresh failed with a traceback"


ADMIN_POSTS = [
    ("/admin/users", {"username": "mallory", "password": "long enough pw", "role": "admin"}),
    ("/admin/users/ana/active", {"active": "0"}),
    ("/admin/tokens", {"name": "stolen", "role": "analyst"}),
    ("/admin/tokens/wall-1/revoke", {}),
    ("/admin/targets", {"kpi": "air_aqi", "target": "999"}),
    ("/admin/alerts/1/ack", {}),
]


@pytest.mark.parametrize("who", ["lea", "ana", "kiosk"])
def test_every_admin_form_is_refused_to_non_admins(city, who):
    client = _kiosk(city) if who == "kiosk" else signed_in(city, who)
    token = csrf_token(client)
    for path, form in ADMIN_POSTS:
        for data in (form, {**form, "csrf_token": token}):
            assert client.post(path, data=data).status_code in (400, 403), (path, data.keys())
    assert {u["username"] for u in store.users(city.engine)} == {"lea", "ana", "adm"}
    assert all(u["active"] for u in store.users(city.engine))
    assert [t["name"] for t in store.tokens(city.engine)] == ["wall-1"]
    assert store.tokens(city.engine)[0]["revoked_at"] is None
    assert store.kpi_targets(city.engine) == {}


QUARANTINE_OUTPUT = (
    "..feeds-table.children...feeds-quarantine.rowData...feeds-quarantine-feed.options"
    "...feeds-runs-chart.figure...feeds-runs.rowData...feeds-deliveries.children...feeds-banner.children.."
)


@pytest.mark.parametrize("who", ["lea", "ana", "adm", "kiosk"])
def test_quarantine_browser_masks_per_role(city, who):
    with city.engine.begin() as conn:
        conn.execute(
            insert(Quarantine),
            [{"feed": "hotline", "received_at": datetime.now(UTC), "record_ref": "R1", "field": "description",
              "reason": f"bad phone {PHONE}", "payload": PERSONAL}],
        )
    client = _kiosk(city) if who == "kiosk" else signed_in(city, who)
    inputs = [
        {"id": "feeds-interval", "property": "n_intervals", "value": 1},
        {"id": "feeds-quarantine-feed", "property": "value", "value": None},
    ]
    state = [{"id": "feeds-prefs", "property": "data", "value": {"lang": "zh", "theme": "dark"}}]
    body = {"output": QUARANTINE_OUTPUT, "outputs": [], "inputs": inputs, "state": state, "changedPropIds": []}
    from tests.security.conftest import callback_body

    body["outputs"] = callback_body(QUARANTINE_OUTPUT)["outputs"]
    client.get("/login")  # the CSRF cookie of this session
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    response = client.post("/_dash-update-component", json=body, headers=headers)
    if who == "kiosk":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    rows = response.json["response"]["feeds-quarantine"]["rowData"]
    shown = " ".join(r["reason"] + r["payload"] for r in rows)
    if who == "lea":
        assert PHONE not in shown and ID_CARD not in shown and "张三" not in shown and "138****5678" in shown
    else:
        assert PHONE in shown and ID_CARD in shown


def test_refusals_name_the_slot_and_never_quote_the_value(city, caplog):
    client = signed_in(city, "ana")
    client.get("/login")
    callback_map = city.app.callback_map
    output = "complaints-grid-box.children"
    marker = "<script>alert(1)</script>"
    for value in (marker, [marker], {marker: 1}):
        response = post(client, body(callback_map, output, {("inputs", 0): value}))
        assert response.status_code == 400
        assert "complaints-prefs.data" in response.json["error"]
        assert marker not in response.get_data(as_text=True)
        assert not [r for r in caplog.records if marker in r.getMessage()]
    stored = {"lang": "zh", "theme": "dark", marker: 1}  # a key of the caller's choosing
    response = post(client, body(callback_map, output, {("inputs", 0): stored}))
    assert response.status_code == 400 and "complaints-prefs.data" in response.json["error"]
    assert marker not in response.get_data(as_text=True)
