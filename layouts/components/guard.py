"""Callback guard: a failed refresh keeps the last values and shows a banner, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from dash import no_update

from dashboard.queries.base import DatabaseUnavailable
from layouts.components.banner import problem_banner

log = logging.getLogger("layouts.refresh")


def guarded(render: Callable[[], Sequence], outputs: int, lang: str) -> tuple:
    """``(*render(), None)``; on failure ``outputs`` × no_update and the banner as the last output."""
    try:
        return (*render(), None)
    except DatabaseUnavailable as exc:
        log.warning("refresh failed: %s", exc)
        return (*[no_update] * outputs, problem_banner("database", lang))
    except Exception:
        log.exception("refresh failed")
        return (*[no_update] * outputs, problem_banner("error", lang))
