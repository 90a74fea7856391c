"""A page's callbacks see the request its layout was drawn for: the store the frame writes reads back as the same
language, theme and time selection, only the frame reads that store, and only the frame (of the pages) asks for
the request's context: components and view models are handed it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.frame import page_context, page_frame, page_request

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "layouts"
#: A key of a page's store read by subscript or ``.get`` (``stored["lang"]``, ``prefs.get("time")``…); a URL's
#: query (``query.get("lang")``) is not the store.
STORE_KEY = re.compile(r"""(?<!query)(\[|\.get\()\s*["'](lang|theme|time)["']""")
#: A call of ``dashboard.context.request_context`` (not Flask's ``has_request_context``/``test_request_context``).
ASKS_FOR_CONTEXT = re.compile(r"\brequest_context\(")
#: Where the request's context may be asked for: the frame (pages) and the web app (its API and sign-in views).
ASKERS = ("layouts/components/frame.py", "dashboard/web/")


@pytest.fixture
def app(sqlite_engine, tmp_path):
    """The app over an empty migrated database."""
    return create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))


def _store(page) -> dict:
    (store,) = [c for c in page.children if getattr(c, "id", None) == "feeds-prefs"]
    return store.data


@pytest.mark.parametrize(
    ("lang", "theme", "query", "expected"),
    [
        ("en", "light", {"period": "30d", "compare": "year", "district": "339901"},
         ("en", "light", {"period": "30d", "compare": "year"})),
        ("zh", "dark", {"from": "2026-03-01", "to": "2026-03-03"},
         ("zh", "dark", {"from": "2026-03-01", "to": "2026-03-03"})),
        (None, "purple", {}, ("zh", "dark", {})),  # the settings' defaults (a theme we do not have is not taken)
    ],
)
def test_a_callback_reads_the_context_the_page_was_drawn_in(app, lang, theme, query, expected):
    with app.server.test_request_context("/feeds"):
        drawn = page_request(lang, theme, query=query)
        read = page_context(_store(page_frame("feeds", drawn, [])))
    assert (read.language, read.theme, dict(read.time)) == expected
    assert (read.engine, read.settings, read.role) == (drawn.engine, drawn.settings, drawn.role)


def test_only_the_frame_reads_a_page_store():
    readers = [
        f"{path.relative_to(LAYOUTS)}:{number}: {line.strip()}"
        for path in sorted(LAYOUTS.rglob("*.py"))
        if path.name != "frame.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STORE_KEY.search(line)
    ]
    assert readers == []


def test_only_the_frame_asks_for_the_request_context():
    askers = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("layouts", "dashboard")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "dashboard" / "context.py"
        and not path.relative_to(ROOT).as_posix().startswith(ASKERS)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ASKS_FOR_CONTEXT.search(line)
    ]
    assert askers == []


@pytest.mark.parametrize(("scale", "font"), [(1.0, 20), (2.0, 40), (1.5, 30)])
def test_the_walls_figures_are_sized_for_the_requests_screen(app, scale, font):
    """The wall's base font is 20 px on a 1920 px screen, scaled with the screen's width (``?scale=``), when the
    page is drawn and when its refresh redraws it (the scale then comes from the page's ``wall-scale`` store)."""
    from layouts.pages import wall

    panels = ["city_trend", "complaints_funnel"]
    with app.server.test_request_context("/wall"):
        drawn = wall.content(page_request("en", "dark", scale=scale), panels)
        stored = {"lang": "en", "theme": "dark", "time": {}}
        refreshed = wall.content(page_context(stored, scale), panels)
    assert [drawn.bodies[p].layout.font.size for p in panels] == [font, font]
    assert [refreshed.bodies[p].layout.font.size for p in panels] == [font, font]
