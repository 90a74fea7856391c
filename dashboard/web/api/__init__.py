"""The read-only JSON API ``/api/v1/…``: KPIs, alerts, feed health, map aggregates and complaint records.

Time is chosen as on the pages (:mod:`dashboard.kpis.timespan`) on every route: ``period`` (a calendar period or
a rolling window), or ``from``/``to`` (a custom range), ``as_of`` (the city as it was then) and
``compare=previous|year``; a response names the span it answers for, and with ``compare`` carries the comparison
values beside the current (null, "no data": the alert counts where the compared span lies wholly before the first
fact; a registry KPI's and the districts' complaints, as on the pages, where the domain's data does not reach
back to the compared span's start). Routes
without values to compare (records, feed health) answer ``compare`` with a 400 saying so.

Access is checked by :mod:`dashboard.auth` like the pages; complaint texts are masked per role. The contract is
``openapi.json`` next to this file, served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request

from dashboard import clock
from dashboard.kpis.compare import covered
from dashboard.kpis.periods import floor_time
from dashboard.kpis.timespan import Span, comparison, resolve, selection_from_query
from dashboard.privacy import mask_frame
from dashboard.queries import complaints
from dashboard.queries.alerts import alerts_between, open_alerts
from dashboard.queries.base import DatabaseUnavailable
from dashboard.queries.complaints import MAX_RECORDS, recent_complaints
from dashboard.queries.feeds import recent_problems
from dashboard.queries.history import has_facts_before
from dashboard.queries.kpis import comparison_values, data_hours, kpi_registry, kpi_values
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
    return floor_time(clock.now(), _state().settings.refresh_seconds)


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


def _span(compares: bool = True) -> tuple[Span, Span | None]:
    """The span the request's time parameters select (default: the last 24 hours) and its comparison; a route
    that does not ``compares`` refuses ``compare``."""
    if not compares and request.args.get("compare"):
        raise BadRequest(f"compare does not apply to {request.path}: it has no values to compare")
    try:
        selection = selection_from_query(request.args, default="24h")
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    timezone = _state().settings.city_timezone
    span = resolve(selection, _now(), timezone)
    return span, comparison(span, timezone)


def _no_data(other: Span | None) -> bool:
    """Whether the compared span lies wholly before the first fact: its values are "no data", not zeros."""
    return other is not None and not has_facts_before(_state().reads, other.end)


def _described(span: Span, other: Span | None) -> dict[str, Any]:
    """The ``period`` object of a response: the span answered for and the one compared with."""
    bounds = {"start": _iso(span.start), "end": _iso(span.end), "as_of": _iso(span.as_of)}
    compared = None if other is None else {"kind": span.compare, "start": _iso(other.start), "end": _iso(other.end)}
    return {"name": span.period, **bounds, "grain": span.grain, "compare": compared}


@api.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return jsonify({"error": str(exc)}), 400


@api.errorhandler(DatabaseUnavailable)
def _unavailable(exc: DatabaseUnavailable):
    return jsonify({"error": str(exc)}), 503


@api.get("/openapi.json")
def openapi() -> Response:
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


def _registry_values(span: Span, other: Span | None) -> list[dict[str, Any]]:
    """The registry's KPIs over ``span`` (and ``other``, by the pages' own comparison values), backlog and overdue
    at each one's as-of moment."""
    state = _state()
    registry = kpi_registry(state.reads, state.settings.kpi_targets_file)
    table = kpi_values(state.reads, registry, span.start, span.end, span.as_of, span.timezone)
    current = dict(zip(table["id"], table["value"], strict=True))
    before = {} if other is None or _no_data(other) else comparison_values(state.reads, registry, other).to_dict()
    return [
        {
            "id": kpi.id,
            "value": _plain(current.get(kpi.id)),
            **({"compare": _plain(before.get(kpi.id))} if other else {}),
        }
        for kpi in registry
    ]


@api.get("/kpis")
def kpis():
    state = _state()
    span, other = _span()
    now, settings = span.as_of, state.settings
    registry = kpi_registry(state.reads, settings.kpi_targets_file)
    cards = overview_kpis(state.reads, now, settings.city_timezone, settings.stale_after_intervals, registry)
    return jsonify(
        {
            "as_of": _iso(now),
            "period": _described(span, other),
            "values": _registry_values(span, other),
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


def _at(span: Span) -> datetime | None:
    """The as-of moment of ``span`` when the request names one (None: now, unrounded, for what stands "now")."""
    return span.as_of if request.args.get("as_of") else None


@api.get("/alerts")
def alerts():
    """The alerts open at the as-of moment (now by default), and how many opened in the period (and in the
    compared one), were acknowledged by its end and stood open at its end."""
    reads = _state().reads
    span, other = _span()
    rows = open_alerts(reads, limit=200, at=_at(span)).to_dict(orient="records")
    fields = ("id", "rule", "severity", "subject", "message_zh", "message_en", "value")
    counted = alerts_between(reads, span.start, span.end)[0]
    before = None if other is None or _no_data(other) else alerts_between(reads, other.start, other.end)[0]
    return jsonify(
        {
            "period": _described(span, other),
            "counts": counted,
            **({"compare": before} if other is not None else {}),
            "alerts": [
                {
                    **{k: _plain(r[k]) for k in fields},
                    "opened_at": _iso(r["opened_at"]),
                    "acknowledged": _iso(r["acknowledged_at"]) is not None,
                }
                for r in rows
            ],
        }
    )


@api.get("/feeds")
def feeds():
    """Every feed's health at the as-of moment (now by default, as ``/readyz``), and its failed runs and
    quarantined records of the period."""
    state = _state()
    span, _other = _span(compares=False)
    at = _at(span)
    body, ready = readiness(state.engine, state.settings.stale_after_intervals, at or clock.now(), at)
    if not body["database"]["ok"]:
        return jsonify({"error": "database unavailable"}), 503
    problems = recent_problems(state.reads, span.start, span.end).set_index("feed")
    for name, feed in body["feeds"].items():
        row = problems.loc[name] if name in problems.index else None
        feed["period"] = {k: 0 if row is None else int(row[k]) for k in ("failed_runs", "quarantined")}
    return jsonify({"ready": ready, "period": _described(span, None), "feeds": body["feeds"]})


@api.get("/map/districts")
def map_districts():
    span, other = _span()
    category = request.args.get("category") or None
    frame = complaints.per_district(_state().reads, span.start, span.end, category)
    before = None if other is None else complaints.per_district(_state().reads, other.start, other.end, category)
    known = before is not None and covered(*data_hours(_state().reads).get("complaints", (None, None)), other.start)
    compared = {r.code: r for r in before.itertuples(index=False)} if known else {}

    def row(r) -> dict[str, Any]:
        values = {
            "code": r.code,
            "name_zh": r.name_zh,
            "name_en": r.name_en,
            "complaints": int(r.count),
            "population": _plain(r.population),
            "per_10k": _plain(r.per_10k),
        }
        if before is not None:
            then = compared.get(r.code)
            values["compare"] = {
                "complaints": None if then is None else int(then.count),
                "per_10k": None if then is None else _plain(then.per_10k),
            }
        return values

    return jsonify(
        {
            "start": _iso(span.start),
            "end": _iso(span.end),
            "period": _described(span, other),
            "districts": [row(r) for r in frame.itertuples(index=False)],
        }
    )


def _records():
    span, _other = _span(compares=False)
    start, end = span.start, span.end
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError:
        raise BadRequest("limit must be a whole number") from None
    if not 1 <= limit <= MAX_RECORDS:
        raise BadRequest(f"limit must be between 1 and {MAX_RECORDS}")
    frame = recent_complaints(_state().reads, start, end, request.args.get("district") or None, limit)
    return mask_frame(frame, may_see_personal_data()), span


@api.get("/complaints")
def complaint_records():
    frame, span = _records()
    rows = [
        {k: (_iso(v) if k.endswith("_at") else _plain(v)) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    return jsonify(
        {
            "masked": not may_see_personal_data(),
            "role": current_role(),
            "period": _described(span, None),
            "complaints": rows,
        }
    )


@api.get("/complaints.csv")
def complaint_export():
    frame, _span_ = _records()
    for column in ("requested_at", "closed_at"):
        frame[column] = frame[column].map(_iso)
    body = "\ufeff" + frame.to_csv(index=False)  # BOM: Excel opens UTF-8 Chinese text correctly
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=complaints.csv"})
