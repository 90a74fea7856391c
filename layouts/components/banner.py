"""The banner shown when data could not be refreshed (the page keeps its last values)."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from layouts.i18n import t


def problem_banner(kind: str, lang: str) -> dbc.Alert:
    """``kind`` is "database" (database unavailable) or "error" (anything else)."""
    return dbc.Alert(t(f"banner.{kind}", lang), color="danger", className="problem-banner mb-3", is_open=True)
