"""Callback and page guards: a failed refresh keeps the last values and shows a banner, a page that cannot be
drawn shows the banner alone — never a traceback."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence

from dash import ctx, html, no_update
from dash.exceptions import MissingCallbackContextException

from dashboard.queries.base import DatabaseUnavailable
from layouts.components.banner import problem_banner
from layouts.components.frame import page_request

log = logging.getLogger("layouts.refresh")


def _unchanged(outputs: int) -> list:
    """no_update for each of the first ``outputs`` outputs (a list of them for a wildcard output)."""
    try:
        shapes = ctx.outputs_list[:outputs]
    except MissingCallbackContextException:
        return [no_update] * outputs
    return [[no_update] * len(shape) if isinstance(shape, list) else no_update for shape in shapes]


def guarded(render: Callable[[], Sequence], outputs: int, lang: str) -> tuple:
    """``(*render(), None)``; on failure ``outputs`` × no_update and the banner as the last output."""
    try:
        return (*render(), None)
    except DatabaseUnavailable as exc:
        log.warning("refresh failed: %s", exc)
        return (*_unchanged(outputs), problem_banner("database", lang))
    except Exception:
        log.exception("refresh failed")
        return (*_unchanged(outputs), problem_banner("error", lang))


def guarded_layout(layout: Callable[..., html.Div]) -> Callable[..., html.Div]:
    """A page's layout function that, when the page cannot be drawn (e.g. the database is down), returns a page
    holding only the banner."""

    @functools.wraps(layout)
    def render(**query) -> html.Div:
        try:
            return layout(**query)
        except Exception as exc:
            kind = "database" if isinstance(exc, DatabaseUnavailable) else "error"
            log.warning("page not drawn: %s", exc, exc_info=kind == "error")
            context = page_request(query.get("lang"), query.get("theme"))
            return html.Div(
                problem_banner(kind, context.language),
                className=f"cityops-page theme-{context.theme} p-3",
                **{"data-bs-theme": context.theme},
            )

    return render
