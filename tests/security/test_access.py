"""Every page, API route and Dash callback refuses the anonymous unless public; roles, kiosk tokens, proxies; the
account and token store behind them."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

import dash
import pytest
from sqlalchemy import insert, select
from werkzeug.security import check_password_hash

from dashboard.auth import store
from dashboard.db.models import AccessToken, Alert, AppUser, KpiTarget
from dashboard.kpis.registry import AdminTarget
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


# --- the account, token, target and alert store itself ------------------------------------------------------


def test_accounts_are_checked_hashed_listed_and_versioned(sqlite_engine):
    engine = sqlite_engine
    with pytest.raises(store.AccessError, match="^role must be one of leader, analyst, admin$"):
        store.add_user(engine, "eve", "p" * 10, "wall")
    with pytest.raises(store.AccessError, match="^password must have at least 10 characters$"):
        store.add_user(engine, "eve", "p" * 9, "leader")
    store.add_user(engine, "  zoe ", "p" * 10, "analyst")  # ten characters are enough; the name is trimmed
    store.add_user(engine, "bob", "q" * 12, "admin")
    with pytest.raises(store.AccessError, match="^user 'zoe' exists$"):
        store.add_user(engine, "zoe ", "r" * 10, "leader")
    listed = store.users(engine)
    assert [(u["username"], u["role"], u["active"], u["last_login_at"]) for u in listed] == [
        ("bob", "admin", True, None), ("zoe", "analyst", True, None)]
    assert set(listed[0]) == {"username", "role", "active", "created_at", "last_login_at"}
    assert all(u["created_at"] is not None for u in listed)
    with engine.connect() as conn:
        stored = conn.execute(select(AppUser.password_hash).where(AppUser.username == "zoe")).scalar_one()
    assert "p" * 10 not in stored and check_password_hash(stored, "p" * 10)

    zoe = store.authenticate(engine, " zoe ", "p" * 10)
    assert zoe == store.Principal("zoe", "analyst", "user", zoe.id, 0)
    assert store.users(engine)[1]["last_login_at"] is not None and store.users(engine)[0]["last_login_at"] is None
    assert store.authenticate(engine, "zoe", "p" * 11) is None
    assert store.authenticate(engine, "nobody", "p" * 10) is None
    assert store.user_by_id(engine, zoe.id, 0) == zoe and store.user_by_id(engine, zoe.id, 1) is None

    store.end_sessions(engine, zoe.id)  # signing out: the sessions of version 0 end, the account stays
    assert store.user_by_id(engine, zoe.id, 0) is None
    assert store.user_by_id(engine, zoe.id, 1) == store.Principal("zoe", "analyst", "user", zoe.id, 1)
    with pytest.raises(store.AccessError, match="^password must have at least 10 characters$"):
        store.set_user(engine, "zoe", password="s" * 9)
    assert store.set_user(engine, "zoe", password="s" * 10)  # a new password ends the sessions too
    assert store.authenticate(engine, "zoe", "p" * 10) is None
    assert store.authenticate(engine, "zoe", "s" * 10) == store.Principal("zoe", "analyst", "user", zoe.id, 2)
    assert store.set_user(engine, "zoe", active=False) and store.user_by_id(engine, zoe.id, 3) is None
    assert store.authenticate(engine, "zoe", "s" * 10) is None and not store.users(engine)[1]["active"]
    assert store.set_user(engine, "zoe", active=True) and store.user_by_id(engine, zoe.id, 4) is not None
    assert not store.set_user(engine, "nobody", active=False)
    assert store.user_by_id(engine, zoe.id + 99, 0) is None


def test_tokens_keep_only_a_digest_and_die_when_revoked(sqlite_engine):
    engine = sqlite_engine
    with pytest.raises(store.AccessError, match="^token role must be one of wall, leader, analyst$"):
        store.create_token(engine, "root", "admin")
    wall = store.create_token(engine, "wall-2")  # a wall token unless said otherwise
    lobby = store.create_token(engine, "lobby", "leader", created_by="ana")
    with pytest.raises(store.AccessError, match="^token 'lobby' exists$"):
        store.create_token(engine, "lobby", "wall")
    assert len(wall) == 43 and wall != lobby  # 32 random bytes, URL-safe base64
    with engine.connect() as conn:
        digests = dict(conn.execute(select(AccessToken.name, AccessToken.digest)).all())
    assert digests == {"wall-2": hashlib.sha256(wall.encode()).hexdigest(),
                       "lobby": hashlib.sha256(lobby.encode()).hexdigest()}
    listed = store.tokens(engine)
    assert [(t["name"], t["role"], t["created_by"], t["revoked_at"], t["last_used_at"]) for t in listed] == [
        ("lobby", "leader", "ana", None, None), ("wall-2", "wall", None, None, None)]
    assert set(listed[0]) == {"name", "role", "created_at", "created_by", "revoked_at", "last_used_at"}

    seen = store.token_by_secret(engine, lobby)
    assert seen == store.Principal("lobby", "leader", "token", seen.id)
    assert store.tokens(engine)[0]["last_used_at"] is not None and store.tokens(engine)[1]["last_used_at"] is None
    assert store.token_by_secret(engine, lobby + "x") is None
    assert store.token_by_id(engine, seen.id) == seen and store.token_by_id(engine, seen.id + 99) is None
    assert store.revoke_token(engine, "lobby") and not store.revoke_token(engine, "lobby")
    assert not store.revoke_token(engine, "nobody")
    assert store.token_by_secret(engine, lobby) is None and store.token_by_id(engine, seen.id) is None
    assert store.tokens(engine)[0]["revoked_at"] is not None and store.tokens(engine)[1]["revoked_at"] is None
    assert store.token_by_secret(engine, wall).name == "wall-2"


def test_kpi_targets_are_set_then_replaced(sqlite_engine):
    engine = sqlite_engine
    assert store.kpi_targets(engine) == {}
    store.set_kpi_target(engine, "on_time_rate", 0.9, "ana", (0.85, 0.7))
    store.set_kpi_target(engine, "satisfaction", 0.8, "bob")
    assert store.kpi_targets(engine) == {"on_time_rate": AdminTarget(0.9, 0.85, 0.7),
                                         "satisfaction": AdminTarget(0.8, None, None)}
    store.set_kpi_target(engine, "on_time_rate", 0.95, "bob")  # replaced whole: no thresholds any more
    assert store.kpi_targets(engine)["on_time_rate"] == AdminTarget(0.95, None, None)
    with engine.connect() as conn:
        rows = conn.execute(select(KpiTarget.kpi, KpiTarget.updated_by).order_by(KpiTarget.kpi)).all()
        assert conn.execute(select(KpiTarget.updated_at).where(KpiTarget.updated_at.is_(None))).first() is None
    assert [tuple(r) for r in rows] == [("on_time_rate", "bob"), ("satisfaction", "bob")]


def test_open_alerts_newest_first_and_acknowledged_once(sqlite_engine):
    engine = sqlite_engine
    base = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    alerts = [
        {"rule": "r", "severity": "warning", "subject": s, "message_zh": "中", "message_en": "en", "value": 1.0,
         "opened_at": base + timedelta(minutes=m), "closed_at": closed}
        for s, m, closed in (("a", 0, None), ("b", 10, None), ("c", 5, base), ("d", 20, None))
    ]
    with engine.begin() as conn:
        conn.execute(insert(Alert), alerts)
        ids = dict(conn.execute(select(Alert.subject, Alert.id)).all())
    assert [a["subject"] for a in store.open_alerts(engine)] == ["d", "b", "a"]
    assert [a["subject"] for a in store.open_alerts(engine, limit=2)] == ["d", "b"]
    assert set(store.open_alerts(engine)[0]) == {"id", "rule", "severity", "subject", "message_zh", "message_en",
                                                 "value", "opened_at", "acknowledged_at", "acknowledged_by"}
    assert store.acknowledge_alert(engine, ids["b"], "ana")
    assert not store.acknowledge_alert(engine, ids["b"], "bob")  # already acknowledged
    assert not store.acknowledge_alert(engine, ids["c"], "bob")  # closed
    assert not store.acknowledge_alert(engine, max(ids.values()) + 1, "bob")  # unknown
    acknowledged = {a["subject"]: (a["acknowledged_by"], a["acknowledged_at"] is not None)
                    for a in store.open_alerts(engine)}
    assert acknowledged == {"d": (None, False), "b": ("ana", True), "a": (None, False)}


def test_the_store_records_utc_instants_whatever_the_server_zone(sqlite_engine, monkeypatch):
    """Every time the store records is the instant of the call, also on a server whose local zone is not UTC."""
    engine = sqlite_engine
    with engine.begin() as conn:
        conn.execute(insert(Alert).values(rule="r", severity="info", subject="s", message_zh="中", message_en="en",
                                          opened_at=datetime(2026, 11, 20, tzinfo=UTC)))
    try:
        with monkeypatch.context() as patched:
            patched.setenv("TZ", "Asia/Shanghai")
            time.tzset()
            before = datetime.now(UTC)
            store.add_user(engine, "ana", "p" * 10, "admin")
            store.authenticate(engine, "ana", "p" * 10)
            store.token_by_secret(engine, store.create_token(engine, "wall-9"))
            store.revoke_token(engine, "wall-9")
            store.set_kpi_target(engine, "on_time_rate", 0.9, "ana")
            store.acknowledge_alert(engine, store.open_alerts(engine)[0]["id"], "ana")
            after = datetime.now(UTC)
    finally:
        time.tzset()  # back to the process's own zone
    (user,), (token,) = store.users(engine), store.tokens(engine)
    with engine.connect() as conn:
        target = conn.execute(select(KpiTarget.updated_at)).scalar_one()
    recorded = [user["created_at"], user["last_login_at"], token["created_at"], token["last_used_at"],
                token["revoked_at"], target, store.open_alerts(engine)[0]["acknowledged_at"]]
    assert all(before <= moment <= after for moment in recorded), (before, recorded, after)
