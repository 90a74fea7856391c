"""A link with bad time parameters: the page falls back to its default period and says why in its own
language; the zh notice holds no English beyond the parameter names and the values the link gave."""

from __future__ import annotations

import re

import pytest

from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.frame import page_request
from layouts.components.timepicker import settle, time_picker

#: Bad queries, and the words of each that the notice may repeat as given (parameter names and values).
CASES = [
    ({"period": "fortnight"}, {"period", "fortnight", "today", "yesterday", "this_week", "last_week", "this_month",
                               "last_month", "this_quarter", "last_quarter", "this_year", "last_year", "h", "d",
                               "custom"}),
    ({"compare": "decade"}, {"compare", "decade", "previous", "year"}),
    ({"from": "2026-03-01"}, {"from", "to"}),
    ({"period": "today", "from": "2026-03-01", "to": "2026-03-02"}, {"from", "to", "period", "custom", "today"}),
    ({"period": "custom"}, {"from", "to", "period", "custom"}),
    ({"from": "2026-03-05", "to": "2026-03-01"}, {"from", "to"}),
    ({"from": "2026-03-01T08:00", "to": "2026-03-02"}, {"from", "to"}),
    ({"from": "2020-01-01", "to": "2026-03-01"}, set()),
    ({"as_of": "yesterday"}, {"as_of", "yesterday", "T"}),
]


@pytest.fixture
def app(sqlite_engine, tmp_path):
    """The app over an empty migrated database."""
    return create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))


def _notice(app, query: dict, lang: str) -> str:
    with app.server.test_request_context("/"):
        picker = time_picker("overview", settle("overview", page_request(lang, None, query=query)), lang)
    alert = picker.children[0]
    assert alert.id == "overview-time-error"
    return alert.children


@pytest.mark.parametrize(("query", "given"), CASES, ids=[str(q) for q, _ in CASES])
def test_the_bad_url_notice_speaks_the_pages_language(app, query, given):
    zh = _notice(app, query, "zh")
    assert zh.startswith("链接中的时间参数无效（")
    english = [word for word in re.findall(r"[A-Za-z_]+", zh) if word not in given]
    assert english == [], zh
    en = _notice(app, query, "en")
    assert en.startswith("The link's time parameters are not valid (")
    assert not re.search(r"[\u4e00-\u9fff]", en), en
