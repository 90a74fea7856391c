"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server``."""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.db.engine import get_engine
from dashboard.settings import get_settings

_settings = get_settings()
server = create_app(get_engine(_settings.resolved_database_url), _settings).server
