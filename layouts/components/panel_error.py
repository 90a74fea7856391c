"""One panel that cannot be drawn says so in its own place (what could not be drawn, and why); the rest of the
page is drawn as usual."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable

from dash import html
from sqlalchemy.exc import SQLAlchemyError

from dashboard.queries.base import DatabaseUnavailable
from layouts.figures.charts import failed
from layouts.i18n import t

log = logging.getLogger("layouts.refresh")

#: Characters of a reason per line, and lines of it at most, in the panel.
REASON_WIDTH, REASON_LINES = 48, 3


def reason(exc: Exception, lang: str) -> str:
    """Why a panel failed, for its reader: a missing column by name, a failed query without its SQL, otherwise
    the error's type and first line."""
    if isinstance(exc, KeyError) and exc.args:
        return t("panel.error.column", lang, column=", ".join(map(str, exc.args)))
    if isinstance(exc, SQLAlchemyError):
        return t("panel.error.query", lang, kind=type(exc).__name__)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def panel_figure(build: Callable[[], object] | object, lang: str, theme: str, what: str = ""):
    """``build()`` (a figure as is), or a figure stating that the panel ``what`` could not be drawn and why when
    it fails on its data; the database being down is the page's problem and is raised on (its banner says so)."""
    if not callable(build):
        return build
    try:
        return build()
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        return failed(_message(exc, lang, what), theme)


def panel_block(build: Callable[[], object], lang: str, what: str = ""):
    """``build()`` (a list or other block of a panel), or the same statement as :func:`panel_figure`'s as text."""
    try:
        return build()
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        return html.Div([html.Div(line) for line in _message(exc, lang, what)], className="panel-failed")


def _message(exc: Exception, lang: str, what: str) -> list[str]:
    """The lines saying the panel ``what`` could not be drawn and why (logged with the traceback)."""
    log.error("panel not drawn: %s", what, exc_info=exc)
    head = t("panel.error", lang, panel=what or t("panel.error.this", lang))
    why = textwrap.wrap(reason(exc, lang), REASON_WIDTH, max_lines=REASON_LINES, placeholder=" …")
    return [*textwrap.wrap(head, REASON_WIDTH + 8), *why]
