"""Hostile complaint texts are stored verbatim and shown inert in real Chromium (page component and admin page)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import dash
import pytest
from dash import html
from sqlalchemy import insert, select

from dashboard.db.models import Alert, Complaint
from dashboard.queries.complaints import recent_complaints
from layouts.components.ticket_text import ticket_text
from tests.security.conftest import HOSTILE, PASSWORD, make_city, signed_in

pytestmark = pytest.mark.e2e


def test_stored_verbatim(tmp_path):
    city = make_city(tmp_path)
    with city.engine.connect() as conn:
        stored = set(conn.execute(select(Complaint.description).where(Complaint.source == "sec")).scalars())
    assert set(HOSTILE) <= stored
    api = signed_in(city, "ana").get("/api/v1/complaints?limit=10").json["complaints"]
    assert set(HOSTILE) <= {r["description"] for r in api}


@pytest.fixture
def served(tmp_path):
    """The secured app on a real port, plus a page listing complaint texts through ``ticket_text``."""
    from waitress import create_server

    city = make_city(tmp_path)
    now = datetime.now(UTC)
    with city.engine.begin() as conn:
        conn.execute(
            insert(Alert),
            [
                {
                    "rule": "x",
                    "severity": "warning",
                    "subject": "s",
                    "message_zh": text,
                    "message_en": text,
                    "opened_at": now,
                }
                for text in HOSTILE
            ],
        )
    texts = recent_complaints(city.engine, datetime(2000, 1, 1, tzinfo=UTC), now, limit=10)["description"]
    probe = dash.Dash("probe", serve_locally=True, assets_folder=str(tmp_path))
    probe.layout = lambda: html.Div([html.P(ticket_text(t), className="probe") for t in texts], id="probe")
    servers = [create_server(app, host="127.0.0.1", port=0, threads=4) for app in (city.app.server, probe.server)]
    for server in servers:
        threading.Thread(target=server.run, daemon=True).start()
    yield city, [f"http://127.0.0.1:{s.effective_port}" for s in servers]
    for server in servers:
        server.close()


def test_shown_inert_in_chromium(served, browser):
    city, (app_url, probe_url) = served
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(probe_url)
    page.wait_for_selector("#probe .ticket-text")
    shown = page.eval_on_selector_all("#probe .ticket-text", "els => els.map(e => e.textContent)")
    assert set(HOSTILE) <= set(shown)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#probe img, #probe script").count() == 0

    page.goto(f"{app_url}/login?lang=en")
    page.fill("#username", "adm")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.goto(f"{app_url}/admin?lang=en")
    table = page.locator("#admin-alerts")
    for text in HOSTILE:
        assert table.get_by_text(text, exact=True).count() == 1
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#admin-alerts img, #admin-alerts script").count() == 0
    assert dialogs == []
    page.close()
