"""gunicorn settings for the CityOps web app (``gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server``).

Each worker builds the app once (no preload: every worker opens its own database pool); workers share query
results through Redis (``CITYOPS_REDIS_URL``). The collectors never run here: ``python -m dashboard collect``.
"""

import multiprocessing
import os

bind = os.environ.get("CITYOPS_BIND", "127.0.0.1:8050")
workers = int(os.environ.get("CITYOPS_WEB_WORKERS", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("CITYOPS_WEB_THREADS", 4))
timeout = 60
graceful_timeout = 30
max_requests = 5000  # recycle workers now and then: caps memory over months of uptime
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Path only, never the query string or referrer: kiosk URLs carry their token in ?token=.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("CITYOPS_TRUSTED_PROXIES", "127.0.0.1")

if os.environ.get("CITYOPS_LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level"},
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
