"""Pages for any city: no page path, and no page a callback is mapped to, names a district, hall or station of
the demo city (the committed city in data/city)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import dash

from dashboard.db.engine import make_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app

CITY = Path(__file__).resolve().parents[2] / "data" / "city"


def demo_codes() -> set[str]:
    codes = set()
    for name in ("districts.geojson", "subdistricts.geojson"):
        features = json.loads((CITY / name).read_text(encoding="utf-8"))["features"]
        codes |= {f["properties"]["code"] for f in features}
    for name in ("halls.csv", "stations.csv"):
        with (CITY / name).open(encoding="utf-8") as rows:
            codes |= {row["code"] for row in csv.DictReader(rows)}
    return codes


def test_no_page_path_names_a_demo_code(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    codes = demo_codes()
    assert "339901" in codes and "H01" in codes  # the demo city's first district and hall
    paths = {page["path"] for page in dash.page_registry.values()} | {
        page.get("path_template") or page["path"] for page in dash.page_registry.values()
    }
    hooks = [getattr(f, "__self__", None) for f in app.server.before_request_funcs[None]]
    (gate,) = [hook for hook in hooks if hasattr(hook, "callback_pages")]
    mapped = set(gate.callback_pages.values())
    named = [p for p in paths | mapped for code in codes if code in p.split("/")]
    assert not named, f"page paths naming a demo code: {named}"
    engine.dispose()
