"""The read-only JSON API ``/api/v1/…``: KPIs, alerts, feed health, map aggregates and complaint records.

Access is checked by :mod:`dashboard.auth` like the pages; complaint texts are masked per role. The contract is
``openapi.json`` next to this file, served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request

from dashboard.auth.store import open_alerts
from dashboard.kpis.periods import WINDOWS, floor_time
from dashboard.privacy import mask_frame
from dashboard.queries import complaints
from dashboard.queries.base import DatabaseUnavailable
from dashboard.queries.complaints import MAX_RECORDS, recent_complaints
from dashboard.queries.kpis import kpi_registry
from dashboard.web.gate import current_role, may_see_personal_data
from dashboard.web.health import readiness
from layouts.viewmodels.overview import overview_kpis

OPENAPI = Path(__file__).with_name("openapi.json")

api = Blueprint("api_v1", __name__, url_prefix="/api/v1")


class BadRequest(ValueError):
    """A query parameter out of its range."""


def _state():
    return current_app.extensions["cityops"]


def _now() -> datetime:
    """Now, rounded to the refresh interval so that clients share cached queries."""
    return floor_time(datetime.now(UTC), _state().settings.refresh_seconds)


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).tz_convert(UTC).isoformat().replace("+00:00", "Z")


def _plain(value):
    """A JSON-safe scalar (NaN and NA become null)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _period() -> tuple[datetime, datetime]:
    period = request.args.get("period", "24h")
    if period not in WINDOWS:
        raise BadRequest(f"period must be one of {', '.join(WINDOWS)}")
    now = _now()
    return now - WINDOWS[period], now


@api.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return jsonify({"error": str(exc)}), 400


@api.errorhandler(DatabaseUnavailable)
def _unavailable(exc: DatabaseUnavailable):
    return jsonify({"error": str(exc)}), 503


@api.get("/openapi.json")
def openapi() -> Response:
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


@api.get("/kpis")
def kpis():
    state, now = _state(), _now()
    settings = state.settings
    registry = kpi_registry(state.engine, settings.kpi_targets_file)
    cards = overview_kpis(state.engine, now, settings.city_timezone, settings.stale_after_intervals, registry)
    return jsonify(
        {
            "as_of": _iso(now),
            "kpis": [
                {
                    "id": card.id,
                    "value": _plain(card.value),
                    "level": card.level,
                    "color": card.color,
                    "stale": card.freshness.stale,
                    "data_as_of": _iso(card.freshness.as_of),
                    "facts": {k: _plain(v) for k, v in card.facts.items()},
                }
                for card in cards
            ],
        }
    )


@api.get("/alerts")
def alerts():
    rows = open_alerts(_state().engine)
    fields = ("id", "rule", "severity", "subject", "message_zh", "message_en", "value")
    return jsonify(
        {
            "alerts": [
                {**{k: _plain(r[k]) for k in fields}, "opened_at": _iso(r["opened_at"]),
                 "acknowledged": r["acknowledged_at"] is not None}
                for r in rows
            ]
        }
    )


@api.get("/feeds")
def feeds():
    state = _state()
    body, ready = readiness(state.engine, state.settings.stale_after_intervals, datetime.now(UTC))
    if not body["database"]["ok"]:
        return jsonify({"error": "database unavailable"}), 503
    return jsonify({"ready": ready, "feeds": body["feeds"]})


@api.get("/map/districts")
def map_districts():
    start, end = _period()
    frame = complaints.per_district(_state().engine, start, end, request.args.get("category") or None)
    return jsonify(
        {
            "start": _iso(start),
            "end": _iso(end),
            "districts": [
                {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "complaints": int(r.count),
                 "population": _plain(r.population), "per_10k": _plain(r.per_10k)}
                for r in frame.itertuples(index=False)
            ],
        }
    )


def _records():
    start, end = _period()
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError:
        raise BadRequest("limit must be a whole number") from None
    if not 1 <= limit <= MAX_RECORDS:
        raise BadRequest(f"limit must be between 1 and {MAX_RECORDS}")
    frame = recent_complaints(_state().engine, start, end, request.args.get("district") or None, limit)
    return mask_frame(frame, may_see_personal_data())


@api.get("/complaints")
def complaint_records():
    frame = _records()
    rows = [
        {k: (_iso(v) if k.endswith("_at") else _plain(v)) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    return jsonify({"masked": not may_see_personal_data(), "role": current_role(), "complaints": rows})


@api.get("/complaints.csv")
def complaint_export():
    frame = _records()
    for column in ("requested_at", "closed_at"):
        frame[column] = frame[column].map(_iso)
    body = "\ufeff" + frame.to_csv(index=False)  # BOM: Excel opens UTF-8 Chinese text correctly
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=complaints.csv"})
