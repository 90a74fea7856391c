"""The picker's 对比 select says what the page compares with: the overview always compares (the previous period
when its URL names none), so it offers no "no comparison" and shows 环比 chosen; other pages offer all three."""

from __future__ import annotations

import pytest

from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.frame import page_request
from layouts.components.timepicker import settle, time_picker


@pytest.fixture
def app(sqlite_engine, tmp_path):
    """The app over an empty migrated database."""
    return create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))


def _find(node, wanted: str):
    if getattr(node, "id", None) == wanted:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, wanted)
            if found is not None:
                return found
    return None


def _choices(component) -> list[tuple[str, bool]]:
    return [(option.value, bool(option.selected)) for option in component.children]


@pytest.mark.parametrize(("query", "chosen"), [({}, "previous"), ({"compare": "year"}, "year")])
def test_the_overview_select_shows_the_comparison_it_draws(app, query, chosen):
    from layouts.pages.overview import layout  # pages register themselves once the app exists

    with app.server.test_request_context("/"):
        page = layout(lang="zh", **query)
    select = _find(page, "overview-time-compare")
    assert _choices(select) == [("previous", chosen == "previous"), ("year", chosen == "year")]


def test_a_domain_page_offers_no_comparison_and_chooses_it_by_default(app):
    with app.server.test_request_context("/"):
        picker = time_picker("complaints", settle("complaints", page_request("zh", None)), "zh")
    select = _find(picker, "complaints-time-compare")
    assert _choices(select) == [("", True), ("previous", False), ("year", False)]
