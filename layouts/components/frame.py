"""The frame every page shares: theme attribute, the page's store, the one refresh interval, the banner; and the
two ways a page learns its request's context: :func:`page_request` from its URL (the layout), :func:`page_context`
from its store (the callbacks)."""

from __future__ import annotations

from collections.abc import Mapping

from dash import dcc, html

from dashboard.context import RequestContext, request_context
from dashboard.kpis.timespan import QUERY_KEYS
from layouts.i18n import language
from layouts.themes import theme as theme_of


def page_request(
    lang: str | None,
    theme: str | None,
    default_theme: str | None = None,
    query: Mapping | None = None,
    scale: float = 1.0,
) -> RequestContext:
    """The context of a request for a page: its language and theme (``?lang=``, ``?theme=``, else the settings'
    defaults), the time parameters of its URL ``query`` (see :mod:`layouts.components.timepicker`) and the
    screen ``scale`` it is drawn for."""
    settings = request_context().settings
    return request_context(
        language(lang, settings.default_language),
        theme_of(theme, default_theme or settings.default_theme),
        time_query(query or {}),
        scale,
    )


def page_frame(
    page: str, context: RequestContext, children: list, class_name: str = "", **data_attributes
) -> html.Div:
    """A page: theme attributes (Bootstrap, AG Grid), the ``{page}-prefs`` store (the language, theme and time
    selection ``context`` has, for the page's callbacks) and ``{page}-interval``."""
    refresh_ms = context.settings.refresh_seconds * 1000
    stored = {"lang": context.language, "theme": context.theme, "time": dict(context.time)}
    return html.Div(
        [
            dcc.Store(id=f"{page}-prefs", data=stored),
            dcc.Interval(id=f"{page}-interval", interval=refresh_ms, n_intervals=0),
            *children,
        ],
        className=f"cityops-page theme-{context.theme} {class_name}".strip(),
        lang="zh-CN" if context.language == "zh" else "en",
        **{"data-bs-theme": context.theme, "data-ag-theme-mode": context.theme},
        **data_attributes,
    )


def time_query(query: Mapping) -> dict[str, str]:
    """The time parameters of a URL query (``period``, ``from``, ``to``, ``as_of``, ``compare``) that are set."""
    return {k: str(query[k]) for k in QUERY_KEYS if query.get(k)}


def page_context(stored: Mapping, scale: float = 1.0) -> RequestContext:
    """The request's context for a callback of a page, from the page's ``{page}-prefs`` store (what
    :func:`page_frame` kept of the context the page was drawn in: language, theme and time) and the screen
    ``scale`` it is drawn for. The one reader of that store."""
    return request_context(stored["lang"], stored["theme"], stored.get("time"), scale)
