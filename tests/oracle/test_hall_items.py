"""The service halls page's items chart as served: tickets issued per service item of the period, each item named
in the page's language from the city's reference items (by code or Chinese name), an item the city does not list
as the tickets name it, and tickets naming none under one label; on the adversarial city (an item named as the
reference names it, one the reference does not know, tickets without an item) and the demo city."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.i18n import t
from tests.oracle import oracle, pages, readback
from tests.oracle.test_complaints_wall import LANGUAGES, PERIODS, bounds


def items_expected(engine, facts: oracle.Facts, start, end, now, lang: str) -> dict[str, float]:
    """Tickets issued in [start, end) so far per item, by the item's name in ``lang``."""
    with engine.connect() as conn:
        items = pd.read_sql(text("SELECT code, name_zh, name_en FROM service_item"), conn)
    column = "name_en" if lang == "en" else "name_zh"
    named = {}
    for row in items.itertuples(index=False):
        for key in (row.code, row.name_zh):
            named.setdefault(key, getattr(row, column) or None)
    issued = facts.halls[oracle._in(facts.halls["issued_at"], start, end, now)]["service_item"].fillna("")
    label = {item: (named.get(item) or item) if item.strip() else t("halls.items.none", lang) for item in set(issued)}
    return {k: float(v) for k, v in issued.map(label).value_counts().items()}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("period", PERIODS)
def test_hall_items_as_shown(city, page_client, period, lang):
    engine, facts, now = city
    app, http = page_client
    start, end = bounds(period, now)
    answer = pages.callback(http, app, "halls-tiles.children", {
        ("halls-interval", "n_intervals"): 1, ("halls-district", "value"): None,
        ("halls-prefs", "data"): {"lang": lang, "theme": "light", "time": {"period": period}},
    })
    bars = readback.bars(answer["halls-items"]["figure"])
    expected = items_expected(engine, facts, start, end, now, lang)
    lines = readback.bars_differences(f"/halls {period} ({lang}) items", bars, expected, 12)
    if lang == "en":
        with engine.connect() as conn:
            english = dict(conn.execute(text("SELECT name_zh, name_en FROM service_item")).all())
        lines += [f"/halls {period} (en) item shown in Chinese: {label}" for label in bars if english.get(label)]
    assert not lines, "\n".join(lines)
