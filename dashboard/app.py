"""The composition root: ``create_app(engine, settings)`` builds the Dash app over a given engine."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import dash
from dash import html
from flask import Flask, current_app
from sqlalchemy import Engine

from dashboard.api import api
from dashboard.auth import register_auth
from dashboard.cache import init_cache
from dashboard.callback_guard import register_callback_guard
from dashboard.health import register_health
from dashboard.query_guard import register_query_guard
from dashboard.settings import Settings

LAYOUTS_DIR = Path(__file__).resolve().parent.parent / "layouts"


@dataclass(frozen=True)
class AppState:
    """What pages and callbacks need from the composition root."""

    engine: Engine
    settings: Settings


def _state() -> AppState:
    return current_app.extensions["cityops"]


def current_engine() -> Engine:
    """The engine of the app serving the current request."""
    return _state().engine


def current_settings() -> Settings:
    """The settings of the app serving the current request."""
    return _state().settings


def create_app(engine: Engine, settings: Settings) -> dash.Dash:
    """The Dash app (pages from ``layouts/pages``, local assets only) with health, access control and the API."""
    from layouts.components.guard import guarded_layout
    from layouts.components.wall_panels import PANELS, SCENES
    from layouts.i18n import t

    server = Flask("cityops")
    server.secret_key = settings.secret_key.get_secret_value()
    server.extensions["cityops"] = AppState(engine, settings)
    init_cache(server, settings)
    register_health(server, engine, settings.stale_after_intervals)
    register_query_guard(server, t)
    gate = register_auth(server, engine, settings, t)
    server.register_blueprint(api)
    app = dash.Dash(
        "layouts",
        server=server,
        use_pages=True,
        pages_folder="",  # imported below as regular modules of ``layouts.pages``
        assets_folder=str(LAYOUTS_DIR / "assets"),
        serve_locally=True,
        title=f"{settings.city_name_zh} · CityOps",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.layout = html.Div(dash.page_container, id="cityops-root")
    for path in sorted((LAYOUTS_DIR / "pages").glob("[!_]*.py")):
        importlib.import_module(f"layouts.pages.{path.stem}")
    for page in dash.page_registry.values():
        module = sys.modules[page["module"]]
        if page["supplied_layout"] is None:
            page["layout"] = guarded_layout(module.layout)
        before = set(app.callback_map)
        module.register_callbacks(app)
        gate.callback_pages.update(dict.fromkeys(set(app.callback_map) - before, page["path"]))
    register_callback_guard(app, {"panel": PANELS, "scene": SCENES})
    return app
