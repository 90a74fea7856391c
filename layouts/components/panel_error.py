"""One panel that cannot be drawn says so in its own place; the rest of the page is drawn as usual."""

from __future__ import annotations

import logging
from collections.abc import Callable

from dashboard.queries.base import DatabaseUnavailable
from layouts.figures.charts import empty
from layouts.i18n import t

log = logging.getLogger("layouts.refresh")


def panel_figure(build: Callable[[], object] | object, lang: str, theme: str):
    """``build()`` (a figure as is), or a figure stating the panel's error when it fails on its data; the
    database being down is the page's problem and is raised on (its banner says so)."""
    if not callable(build):
        return build
    try:
        return build()
    except DatabaseUnavailable:
        raise
    except Exception:
        log.exception("panel not drawn")
        return empty(t("panel.error", lang), theme)
