"""``gunicorn dashboard.wsgi:server`` keeps working: the WSGI entry point lives in :mod:`dashboard.web.wsgi`."""

from dashboard.web.wsgi import server

__all__ = ["server"]
