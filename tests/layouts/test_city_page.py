"""The /city page lists what the city's reference data has and lacks, in the page's language."""

from __future__ import annotations

import json

from dashboard.city.importer import import_city
from dashboard.city.manifest import load_manifest
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.reliability.dashpages import open_page, page_callbacks, page_layout, post_callback


def _findings(app, lang: str) -> str:
    client = app.server.test_client()
    client.get("/city")
    routed = open_page(app, client, "/city", f"?lang={lang}")
    (body,) = [body for key, body in page_callbacks(client, page_layout(routed)) if "city-findings" in key]
    answer = post_callback(client, body).get_json()["response"]
    assert answer["city-banner"]["children"] is None
    return json.dumps(answer["city-findings"], ensure_ascii=False)


def test_city_page_says_what_the_city_lacks(sqlite_engine, tmp_path):
    manifest = load_manifest("data/cities/demo/city.toml").model_copy(
        update={"roads": None, "halls": None, "departments": None, "categories": None, "stations": None}
    )
    with sqlite_engine.begin() as conn:
        import_city(conn, manifest)
    app = create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))
    zh, en = _findings(app, "zh"), _findings(app, "en")
    assert "无：交通指数不可用，无路网图层" in zh and "7/7 有人口" in zh
    assert "none: traffic index unavailable, no roads layer" in en and "population for 50/50" in en
    assert "none: city AQI and the stations map unavailable" in en
