"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server`` (each worker builds the app once)."""

from __future__ import annotations

from dashboard.db.engine import get_engine
from dashboard.logs import configure_logging
from dashboard.settings import get_settings
from dashboard.web.app import create_app

_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_format)
server = create_app(get_engine(_settings.resolved_database_url), _settings).server
