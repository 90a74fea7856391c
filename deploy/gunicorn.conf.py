"""gunicorn settings for the CityOps web app (``gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server``)."""

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
