"""What pages, components, callbacks and view models take from the app serving the request: one
:class:`RequestContext`.

The web app (``dashboard.web.app``) installs its engine and settings on the Flask server with :func:`install`;
the access gate (``dashboard.web.gate``) puts who is asking on ``flask.g``. Of the pages, only
``layouts.components.frame`` calls :func:`request_context` (instead of importing the web app, so the web app can
import the pages without a loop): a page's layout and its callbacks build the context there, from the URL and
from the page's store, and hand it to the components and view models they call.
This module imports nothing else of the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine

#: Where the web app keeps its engine and settings (``Flask.extensions``) and the gate the principal (``flask.g``).
APP_KEY, PRINCIPAL_KEY = "cityops", "cityops_principal"


@dataclass(frozen=True)
class AppState:
    """What the web app was built over: the primary database's engine, the settings
    (``dashboard.settings.Settings``) and the engine that page and API reads go to (a read replica's, or the
    primary's)."""

    engine: Engine
    settings: Any
    read_engine: Engine | None = None

    @property
    def reads(self) -> Engine:
        """Where page and API reads go: the read replica when one is configured."""
        return self.read_engine or self.engine


@dataclass(frozen=True)
class RequestContext:
    """The request being served: the engine its reads go to (a read replica when configured) and the primary's
    (writes and freshness-critical reads), the settings, the language, the theme, who is asking, the time the
    page was asked for (its URL's ``period``, ``from``, ``to``, ``as_of``, ``compare``: see
    ``dashboard.kpis.timespan``; empty: the page's default) and the screen it is drawn for (``scale`` × 1920 px
    wide: the wall's ``?scale=``; 1 elsewhere)."""

    engine: Engine
    settings: Any
    language: str
    theme: str
    role: str
    principal: Any | None  # dashboard.auth.store.Principal; None when nobody is signed in
    time: Mapping[str, str] = field(default_factory=dict)
    primary: Engine | None = None
    scale: float = 1.0

    @property
    def timezone(self) -> str:
        """The city's time zone (IANA name), that of every local time the request shows."""
        return self.settings.city_timezone


def install(server: Flask, engine: Engine, settings: Any, read_engine: Engine | None = None) -> None:
    """Make ``engine`` (the primary) and ``settings`` what every request served by ``server`` uses; page and API
    reads go to ``read_engine`` when given."""
    server.extensions[APP_KEY] = AppState(engine, settings, read_engine)


def request_context(
    language: str | None = None,
    theme: str | None = None,
    time: Mapping[str, str] | None = None,
    scale: float = 1.0,
) -> RequestContext:
    """The context of the current request; language and theme default to the settings' defaults."""
    state: AppState = current_app.extensions[APP_KEY]
    principal = g.get(PRINCIPAL_KEY) if has_request_context() else None
    return RequestContext(
        engine=state.reads,
        settings=state.settings,
        language=language or state.settings.default_language,
        theme=theme or state.settings.default_theme,
        role="public" if principal is None else principal.role,
        principal=principal,
        time=dict(time or {}),
        primary=state.engine,
        scale=scale,
    )
