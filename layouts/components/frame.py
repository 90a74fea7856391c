"""The frame every page shares: theme attribute, preferences store, the one refresh interval, the banner."""

from __future__ import annotations

from collections.abc import Mapping

from dash import dcc, html

from dashboard.context import RequestContext, request_context
from dashboard.kpis.timespan import QUERY_KEYS
from layouts.i18n import language
from layouts.themes import theme as theme_of


def preferences(
    lang: str | None, theme: str | None, default_theme: str | None = None, query: Mapping | None = None
) -> dict:
    """Language and theme of a request (``?lang=``, ``?theme=``) with the settings' defaults, and the time
    parameters of its URL (``time``: see :mod:`layouts.components.timepicker`) when ``query`` is given."""
    settings = request_context().settings
    prefs = {
        "lang": language(lang, settings.default_language),
        "theme": theme_of(theme, default_theme or settings.default_theme),
    }
    if query is not None:
        prefs["time"] = time_query(query)
    return prefs


def page_frame(page: str, prefs: dict, children: list, class_name: str = "", **data_attributes) -> html.Div:
    """A page: theme attributes (Bootstrap, AG Grid), the ``{page}-prefs`` store and ``{page}-interval``."""
    refresh_ms = request_context().settings.refresh_seconds * 1000
    return html.Div(
        [
            dcc.Store(id=f"{page}-prefs", data=prefs),
            dcc.Interval(id=f"{page}-interval", interval=refresh_ms, n_intervals=0),
            *children,
        ],
        className=f"cityops-page theme-{prefs['theme']} {class_name}".strip(),
        lang="zh-CN" if prefs["lang"] == "zh" else "en",
        **{"data-bs-theme": prefs["theme"], "data-ag-theme-mode": prefs["theme"]},
        **data_attributes,
    )


def time_query(query: Mapping) -> dict[str, str]:
    """The time parameters of a URL query (``period``, ``from``, ``to``, ``as_of``, ``compare``) that are set."""
    return {k: str(query[k]) for k in QUERY_KEYS if query.get(k)}


def page_context(prefs: Mapping) -> RequestContext:
    """The request's context as a page's ``{page}-prefs`` store names it: language, theme and time."""
    return request_context(prefs["lang"], prefs["theme"], prefs.get("time"))
