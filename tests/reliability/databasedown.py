"""What the web app must answer while its database is down: pages with the database banner, the API and
readiness a clean 503 — never a 500 or a traceback."""

from __future__ import annotations

from dashpages import open_page, page_callbacks, page_layout, page_paths, post_callback

DATABASE_BANNER = "数据库暂不可用"

#: API documents that do not come from the database (a 200 is right for them while it is down).
STATIC_API = {"/api/v1/openapi.json"}


def check_signed_in_while_down(app, token: str) -> None:
    """In login mode, who is asking cannot be looked up: a clean 503, not a 500."""
    client = app.server.test_client()
    for path in ("/wall", "/api/v1/kpis"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503, (path, response.status_code)
        assert response.get_json() == {"error": "database unavailable"}


def check_web_app_while_down(app) -> dict[str, int]:
    """Every page, its callbacks, the API and readiness answer cleanly; returns status counts."""
    client = app.server.test_client()
    statuses: dict[str, int] = {}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"]["ok"] is False
    assert "Traceback" not in ready.get_data(as_text=True)
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.arguments and "GET" in rule.methods:
            response = client.get(rule.rule)
            body = response.get_data(as_text=True)
            expected = 200 if rule.rule in STATIC_API else 503
            assert response.status_code == expected, (rule.rule, response.status_code, body[:300])
            assert response.is_json and "Traceback" not in body, rule.rule
            if expected == 503:
                assert response.get_json()["error"], rule.rule
            statuses[rule.rule] = response.status_code
    for path in page_paths():
        shell = client.get(path)
        assert shell.status_code == 200, path
        routed = open_page(app, client, path)
        assert routed.status_code == 200, (path, routed.get_data(as_text=True)[:300])
        banners = int(DATABASE_BANNER in routed.get_data(as_text=True))  # a page drawn from the database
        for key, body in page_callbacks(client, page_layout(routed)):
            response = post_callback(client, body)
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 204), (path, key, response.status_code, text[:300])
            assert "Traceback" not in text
            banners += DATABASE_BANNER in text
        assert banners, f"{path}: neither the page nor its refresh showed the database banner"
        statuses[path] = banners
    return statuses
