"""Helpers shared by the protocol handlers: JSON responses, request faults, integer parameters."""

from __future__ import annotations

import json

from flask import Response, g

from simulator.faults import RequestFaults


class BadRequest(Exception):
    """A client error, rendered in the protocol's own error format."""


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """UTF-8 JSON (Chinese left readable) with the right content type."""
    return json_response_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status, headers)


def json_response_text(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A response of JSON text encoded already."""
    return Response(text, status=status, headers=headers, content_type="application/json; charset=utf-8")


def request_faults() -> RequestFaults:
    """The faults drawn for the current request."""
    return g.faults


def int_param(args, name: str, default: int, low: int, high: int | None = None) -> int:
    """An integer query parameter within [low, high]; raises ``BadRequest`` otherwise."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"parameter {name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"parameter {name} must be {bounds}, got {value}")
    return value
