"""The wall opened at a past moment (``?as_of=``) says so in its header, beside the live clock, in its
language; the live wall has no such mark."""

from __future__ import annotations

import pytest

from dashboard.settings import Settings
from dashboard.web.app import create_app


@pytest.fixture
def app(sqlite_engine, tmp_path):
    """The app over an empty migrated database."""
    return create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))


def _marks(page) -> list:
    found, stack = [], [page]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            if getattr(node, "id", None) == "wall-as-of":
                found.append(node)
            stack.append(getattr(node, "children", None))
    return found


@pytest.mark.parametrize(("lang", "words"), [("zh", ("11月30日", "10:00")), ("en", ("30 Nov", "10:00"))])
def test_a_past_moment_is_marked_in_the_header(app, lang, words):
    from layouts.pages import wall

    with app.server.test_request_context("/wall"):
        past = wall.layout(lang=lang, as_of="2026-11-30T10:00")
        live = wall.layout(lang=lang, compare="year")
    (mark,) = _marks(past)
    text = str(mark.children)
    assert all(word in text for word in words), text
    assert _marks(live) == []
