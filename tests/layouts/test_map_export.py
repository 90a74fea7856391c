"""The explorer's CSV and GeoJSON exports follow the page's selection: a link's custom range (``from``/``to``,
local dates, both included) and the filters; their rows are the complaints pandas finds in the raw table."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import NOW, populate
from tests.e2e.city import enrich

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    enrich(engine)
    with clock.set_to(NOW):
        yield create_app(engine, Settings(var_dir=folder, auth_mode="open")), engine
    engine.dispose()


def _expected(engine, first, last, district: str | None) -> list[str]:
    """Tickets received on local dates ``first``..``last`` (both included) in ``district``, by pandas."""
    with engine.connect() as conn:
        raw = pd.read_sql(text("SELECT source_id, district_code, requested_at FROM complaint"), conn)
    local = pd.to_datetime(raw["requested_at"], utc=True).dt.tz_convert(TZ).dt.date
    keep = (local >= first) & (local <= last)
    if district:
        keep &= raw["district_code"] == district
    return sorted(raw.loc[keep, "source_id"].astype(str))


@pytest.mark.parametrize("district", [None, "339901"])
def test_exports_hold_the_custom_ranges_complaints(app, district):
    from layouts.components.frame import page_request
    from layouts.viewmodels import map as view_model

    app, engine = app
    last = pd.Timestamp(NOW).tz_convert(TZ).date() - timedelta(days=1)
    first = last - timedelta(days=20)
    time = {"from": first.isoformat(), "to": last.isoformat()}
    filters = {"district": district, "category": None, "status": None, "department": None}
    expected = _expected(engine, first, last, district)
    assert len(expected) >= 2, expected  # the range holds complaints
    with app.server.test_request_context("/map"):
        context = page_request(None, None, query=time)
        csv = view_model.export(context, None, None, filters, False)
        geojson = view_model.export(context, None, None, filters, True)
    rows = pd.read_csv(io.StringIO(csv["content"]), dtype={"ticket": str})
    assert sorted(rows["ticket"]) == expected
    features = json.loads(geojson["content"])["features"]
    assert sorted(str(f["properties"]["ticket"]) for f in features) == expected
