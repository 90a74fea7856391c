"""Liveness (``/health``), readiness (``/readyz``: database reachable, every enabled feed fresh) and a clean 503
for any request the database could not answer."""

from __future__ import annotations

import logging
from datetime import datetime

import pandas as pd
from flask import Flask, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import clock
from dashboard.kpis.freshness import row_freshness
from dashboard.queries.base import DatabaseUnavailable, ping
from dashboard.queries.feeds import feed_status, feed_status_at

log = logging.getLogger(__name__)
#: Seconds a client is asked to wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 30


def _iso(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def readiness(engine, stale_factor: float, now: datetime, at: datetime | None = None) -> tuple[dict, bool]:
    """The readiness report and whether the app is ready (never served from the cache); with ``at`` (a past
    moment, ``now`` then too) the feeds as they stood then, from their run history."""
    try:
        ping(engine)
        status = feed_status.__wrapped__(engine) if at is None else feed_status_at.__wrapped__(engine, at)
    except DatabaseUnavailable as exc:
        return {"status": "not_ready", "database": {"ok": False, "error": str(exc)}, "feeds": {}}, False
    report = {}
    for row in status.itertuples(index=False):
        fresh = row_freshness(row, now, stale_factor)
        report[row.name] = {
            "enabled": not pd.isna(row.enabled) and bool(row.enabled),
            "stale": fresh.stale,
            "max_source_time": _iso(fresh.as_of),
            "lag_s": None if fresh.as_of is None else round((now - fresh.as_of).total_seconds(), 1),
            "last_status": None if pd.isna(row.last_status) else row.last_status,
            "consecutive_failures": int(row.consecutive_failures),
        }
    ready = not any(feed["stale"] for feed in report.values() if feed["enabled"])
    body = {"status": "ready" if ready else "not_ready", "database": {"ok": True}, "feeds": report}
    return body, ready


def database_unavailable(exc: Exception):
    """503 for a request the database could not answer (down, restarting, locked): JSON, no traceback."""
    log.warning("%s %s: database unavailable (%s)", request.method, request.path, type(exc).__name__)
    response = jsonify({"error": "database unavailable"})
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_health(server: Flask, engine, stale_factor: float) -> None:
    """Add ``/health``, ``/readyz`` and the 503 answer to database failures to the Flask server."""
    server.register_error_handler(SQLAlchemyError, database_unavailable)
    server.register_error_handler(DatabaseUnavailable, database_unavailable)

    @server.get("/health")
    def health():
        return jsonify({"status": "ok", "time": _iso(clock.now())})

    @server.get("/readyz")
    def readyz():
        body, ready = readiness(engine, stale_factor, clock.now())
        return jsonify(body), 200 if ready else 503
