"""An app in login mode with accounts, a kiosk token and complaints holding personal data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from dashboard.auth import store
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import Complaint
from dashboard.settings import Settings
from dashboard.web.app import create_app

PASSWORD = "correct horse battery"
USERS = {"lea": "leader", "ana": "analyst", "adm": "admin"}
#: Complaint texts: personal data, markup and SQL, stored verbatim and shown inert.
PHONE, ID_CARD = "13812345678", "11010119900307881X"
PERSONAL = f"联系人：张三，电话{PHONE}，身份证{ID_CARD}，楼道灯坏了"
HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "<img src=x onerror=\"window.__pwned = 2\">",
    "'; DROP TABLE complaint; -- 1' OR '1'='1",
]
ADDRESS = "幸福路12号3栋502室"


@dataclass
class SecureCity:
    engine: object
    settings: Settings
    app: object
    wall_token: str

    def client(self, **environ):
        client = self.app.server.test_client()
        client.environ_base.update(environ)
        return client


def make_city(tmp_path, **overrides) -> SecureCity:
    engine = make_engine(f"sqlite:///{tmp_path / 'cityops.db'}")
    upgrade(engine)
    now = datetime.now(UTC)
    rows = [
        {"source": "sec", "source_id": f"S{i}", "status": "received", "description": text, "address": ADDRESS,
         "category": "noise", "district_code": None, "requested_at": now - timedelta(minutes=5 + i),
         "updated_at": now, "ingested_at": now, "returned_count": 0, "extended_count": 0}
        for i, text in enumerate([PERSONAL, *HOSTILE])
    ]
    with engine.begin() as conn:
        conn.execute(insert(Complaint), rows)
    for name, role in USERS.items():
        store.add_user(engine, name, PASSWORD, role)
    token = store.create_token(engine, "wall-1", "wall")
    options = {"auth_mode": "login", "secret_key": "s" * 40, "cookie_secure": False, "login_rate_limit": "3 per minute"}
    settings = Settings(var_dir=tmp_path, **(options | overrides))
    return SecureCity(engine, settings, create_app(engine, settings), token)


@pytest.fixture
def city(tmp_path) -> SecureCity:
    return make_city(tmp_path)


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of a form page."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username: str, password: str = PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_token(client), "next": "/"}
    )


def signed_in(city: SecureCity, username: str):
    client = city.client()
    assert login(client, username).status_code == 302
    return client


def callback_body(output: str, inputs: list | None = None) -> dict:
    """A callback request as the renderer sends it (``..a.prop...b.prop..`` names several outputs)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs = []
    for part in parts:
        component, prop = part.split("@")[0].rsplit(".", 1)
        specs.append({"id": json.loads(component) if component.startswith("{") else component, "property": prop})
    outputs = specs if output.startswith("..") else specs[0]
    return {"output": output, "outputs": outputs, "inputs": inputs or [], "changedPropIds": [], "state": []}


def call(client, output: str, inputs: list | None = None, csrf: bool = True):
    """POST a Dash callback as the renderer does (CSRF header from the ``_csrf_token`` cookie)."""
    headers = {}
    if csrf:
        cookie = client.get_cookie("_csrf_token")
        if cookie is None:
            client.get("/login")
            cookie = client.get_cookie("_csrf_token")
        headers["X-CSRFToken"] = cookie.value
    return client.post("/_dash-update-component", json=callback_body(output, inputs), headers=headers)
