"""WSGI entry point for gunicorn: ``gunicorn dashboard.wsgi:server`` (each worker builds the app once; open mode
refuses to start on a network address, see :mod:`dashboard.auth.exposure`)."""

from __future__ import annotations

import os
import sys

from dashboard.auth.exposure import check_exposure, gunicorn_binds
from dashboard.db.engine import get_engine
from dashboard.logs import configure_logging
from dashboard.settings import get_settings
from dashboard.web.app import create_app

_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_format)
check_exposure(_settings, gunicorn_binds(sys.argv, os.environ))
server = create_app(get_engine(_settings.resolved_database_url), _settings).server
