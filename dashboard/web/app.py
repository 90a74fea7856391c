"""The web app's composition root: ``create_app(engine, settings)`` builds the Dash app over a given engine."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import dash
from dash import html
from flask import Flask
from sqlalchemy import Engine

from dashboard.cache import init_cache
from dashboard.context import install
from dashboard.db.engine import get_engine
from dashboard.settings import Settings
from dashboard.web.api import api
from dashboard.web.callback_guard import register_callback_guard
from dashboard.web.gate import register_auth
from dashboard.web.health import register_health
from dashboard.web.query_guard import register_query_guard
from dashboard.web.reports import register_reports
from layouts.components.guard import guarded_layout
from layouts.components.wall_panels import PANELS, SCENES
from layouts.i18n import t

LAYOUTS_DIR = Path(__file__).resolve().parents[2] / "layouts"


def create_app(engine: Engine, settings: Settings, read_engine: Engine | None = None) -> dash.Dash:
    """The Dash app (pages from ``layouts/pages``, local assets only) with health, access control and the API.

    ``engine`` is the primary database's. Page and API reads go to ``read_engine`` (default: the read replica of
    the ``database_read_url`` setting when set, else the primary); writes, sign-in and session state, and the
    readiness check stay on the primary."""
    if read_engine is None and settings.database_read_url:
        read_engine = get_engine(settings.database_read_url)
    server = Flask("cityops")
    server.secret_key = settings.secret_key.get_secret_value()
    install(server, engine, settings, read_engine)
    init_cache(server, settings)
    register_health(server, engine, settings.stale_after_intervals)
    register_query_guard(server, t)
    gate = register_auth(server, engine, settings, t)
    server.register_blueprint(api)
    register_reports(server, engine, settings)
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
