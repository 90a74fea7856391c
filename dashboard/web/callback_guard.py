"""One check of every Dash callback request before Dash dispatches it, and clean answers when one still fails.

A request to ``/_dash-update-component`` names a registered callback and carries, by position, exactly the inputs,
state and outputs that callback declares (ids, properties, wildcard shapes); each value has the type its
component property holds (:data:`RULES`, matched on the component id and property; anything else is bounded
JSON). Anything else is refused with a short 400 that names the slot at fault and never quotes the value, before
any page code or query runs, so a bad input is never reported as a database outage.

Two answers cover what the check cannot see: an input a callback still cannot use (a ``LookupError``,
``TypeError`` or ``ValueError`` raised while it runs) is a 400 logged on one line without a traceback; a request
for a static file Dash does not serve is a 404.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Annotated, Any, Literal, NotRequired

import dash
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from dashboard.kpis.periods import PERIODS
from dashboard.kpis.timespan import QUERY_KEYS

log = logging.getLogger("dashboard.callbacks")

CALLBACK_PATH = "/_dash-update-component"
#: Largest callback request body (the wall sends its figures back as state).
MAX_BODY_BYTES = 4_000_000
#: Bounds of any JSON value: nesting, characters of one string, items of one list or object.
MAX_DEPTH, MAX_STRING, MAX_ITEMS = 12, 20_000, 5_000
#: Most entries a wildcard (ALL) input may carry.
MAX_WILDCARD = 64
WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])

_CODE = r"^[^<>\"'`\\{}\[\];=\x00-\x1f\x7f]{0,64}$"
_PATH = r"^/[^\x00-\x1f\x7f]*$"
_QUERY = r"^([?#][^\x00-\x1f\x7f]*)?$"
#: A code or name (period, district, category, KPI, mode, feed): short, no markup or quotes.
Code = Annotated[str, StringConstraints(max_length=64, pattern=_CODE)]
Count = Annotated[int, Field(strict=True, ge=0, le=10**9)]
Text = Annotated[str, StringConstraints(max_length=4096)]


class Prefs(TypedDict):
    """A page's ``{page}-prefs`` store: the language, theme and time selection it was drawn in (read back into a
    request context by ``layouts.components.frame.page_context``)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    lang: Literal["zh", "en"]
    theme: Literal["dark", "light"]
    time: NotRequired[dict[Literal[QUERY_KEYS], Code]]  # the URL's time parameters (dashboard.kpis.timespan)


class GraphEvent(TypedDict, total=False):
    """A plotly click, hover or selection: the points concerned."""

    points: Annotated[list[dict[str, Any]], Field(max_length=MAX_ITEMS)]


class SortColumn(TypedDict, total=False):
    colId: Code
    sort: Literal["asc", "desc"] | None


class RowsRequest(TypedDict, total=False):
    """AG Grid's infinite row model asking for a block of rows."""

    startRow: Annotated[int, Field(strict=True, ge=0, le=10**7)]
    endRow: Annotated[int, Field(strict=True, ge=0, le=10**7)]
    sortModel: Annotated[list[SortColumn], Field(max_length=16)]
    filterModel: dict[str, Any]


class Scene(TypedDict):
    """One scene of the wall's playlist."""

    scene: Code
    name: Text
    panels: Annotated[list[Code], Field(max_length=MAX_WILDCARD)]


def _rule(pattern: str, prop: str, kind: Any, nullable: bool = True) -> tuple[re.Pattern, re.Pattern, TypeAdapter]:
    """A rule: values of ``prop`` of components whose id matches ``pattern`` are ``kind`` (or None if nullable)."""
    return re.compile(pattern), re.compile(prop), TypeAdapter(kind | None if nullable else kind)


#: (component id pattern, property pattern, type of the value), first match wins.
RULES: list[tuple[re.Pattern, re.Pattern, TypeAdapter]] = [
    _rule(*rule)
    for rule in [
        (r".*-prefs", "data", Prefs, False),
        (r"overview-period", "value", Literal[tuple(PERIODS)], False),
        (r".*", r"n_intervals|n_clicks|n_submit|n_blur", Count),
        (r"_pages_location", "pathname", Annotated[str, StringConstraints(max_length=2048, pattern=_PATH)], False),
        (r"_pages_location", "search|hash", Annotated[str, StringConstraints(max_length=4096, pattern=_QUERY)]),
        (r"map-hour", r"value|max", Annotated[int, Field(strict=True, ge=0, le=100_000)]),
        (r"map-layers", "value", Annotated[list[Code], Field(max_length=16)]),
        (r"map-period-hours", "data", dict[Code, Annotated[int, Field(ge=0, le=100_000)]]),
        (r"map-play-interval", "disabled", bool),
        (r"wall-scale", "data", Annotated[float, Field(ge=0.25, le=8)] | Annotated[int, Field(ge=1, le=8)], False),
        (r"wall-drawn", "data", bool),
        (r"wall-playlist", "data", Annotated[list[Scene], Field(max_length=MAX_WILDCARD)]),
        (r"wall-deferred", "data", dict[Code, dict[str, Any] | None]),  # a drawn figure waits as null
        (r".*wall-scene.*", "className", Text),
        (r".*", "value", Code),
        (r".*-(kpi|district)|map-zoom", "data", Code),
        (r".*", r"clickData|hoverData|selectedData", GraphEvent),
        (r".*", r"relayoutData|cellClicked|figure", dict[str, Any]),
        (r".*", "getRowsRequest", RowsRequest),
    ]
]


class CallbackRefused(ValueError):
    """A callback request that may not reach Dash, and why (naming the slot, never quoting a value)."""


def _bounded(value: Any, where: str, depth: int = 0) -> None:
    """Refuse JSON nested too deep, with a string too long, a list or object too large, or a non-finite number."""
    if depth > MAX_DEPTH:
        raise CallbackRefused(f"{where}: nested deeper than {MAX_DEPTH}")
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise CallbackRefused(f"{where}: a string longer than {MAX_STRING} characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise CallbackRefused(f"{where}: a number that is not finite")
    if isinstance(value, (list, dict)):
        if len(value) > MAX_ITEMS:
            raise CallbackRefused(f"{where}: more than {MAX_ITEMS} items")
        for item in value.values() if isinstance(value, dict) else value:
            _bounded(item, where, depth + 1)


def check_value(component: str, prop: str, value: Any) -> None:
    """Refuse a value its component property never holds."""
    where = f"{component}.{prop}"
    _bounded(value, where)
    for pattern, props, adapter in RULES:
        if pattern.fullmatch(component) and props.fullmatch(prop):
            try:
                adapter.validate_python(value, strict=True)
            except ValidationError as exc:  # pydantic's messages name what was expected, never the value
                raise CallbackRefused(f"{where}: {exc.errors()[0]['msg']}") from None
            return


def _pattern(raw: str) -> str | dict:
    return json.loads(raw) if raw.startswith("{") else raw


def _matches_id(pattern: str | dict, given: Any, names: Mapping[str, Collection]) -> bool:
    """Whether ``given`` is an id of ``pattern``: equal, or for a wildcard one of ``names[key]`` (any short code
    for a key without a list)."""
    if isinstance(pattern, str):
        return given == pattern
    if not isinstance(given, dict) or set(given) != set(pattern):
        return False
    for key, expected in pattern.items():
        value = given[key]
        if expected in WILDCARDS:
            if isinstance(value, bool) or not isinstance(value, (str, int)) or len(str(value)) > 64:
                return False
            if key in names and value not in names[key]:
                return False
        elif value != expected:
            return False
    return True


def _entries(spec: dict, given: Any, where: str, names: Mapping[str, Collection]) -> Iterable[dict]:
    """The entries of one declared slot (several for an ALL wildcard), refusing any other shape."""
    pattern = _pattern(spec["id"])
    many = isinstance(pattern, dict) and any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values())
    entries = given if many else [given]
    if not isinstance(entries, list) or len(entries) > MAX_WILDCARD:
        raise CallbackRefused(f"{where}: expected {'a list of entries' if many else 'one entry'}")
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or entry.get("property") != spec["property"]
            or not _matches_id(pattern, entry.get("id"), names)
        ):
            raise CallbackRefused(f"{where}: expected {spec['id']}.{spec['property']}")
    return entries


def _slots(kind: str, declared: list[dict], given: Any, names: Mapping[str, Collection], with_values: bool) -> None:
    if not isinstance(given, list) or len(given) != len(declared):
        raise CallbackRefused(f"{kind}: expected {len(declared)} entries")
    for position, (spec, entry) in enumerate(zip(declared, given, strict=True)):
        for item in _entries(spec, entry, f"{kind}[{position}]", names):
            if with_values:
                check_value(spec["id"], spec["property"], item.get("value"))


def declared_outputs(output: str) -> list[dict]:
    """The outputs a callback key names (``..a.p...b.q..`` or ``a.p``), as id/property specs."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs = []
    for part in parts:
        component, _, prop = part.split("@")[0].rpartition(".")
        specs.append({"id": component, "property": prop})
    return specs


def check_callback(body: Any, callback_map: dict, names: Mapping[str, Collection] | None = None) -> None:
    """Refuse a callback request that is not exactly what the browser sends for a registered server callback
    (``names``: the values each wildcard id key may take)."""
    names = names or {}
    if not isinstance(body, dict):
        raise CallbackRefused("the request body must be a JSON object")
    output = body.get("output")
    declared = callback_map.get(output) if isinstance(output, str) else None
    if declared is None or "callback" not in declared:
        raise CallbackRefused("output: not a callback of this server")
    _slots("inputs", declared["inputs"], body.get("inputs"), names, with_values=True)
    _slots("state", declared["state"], body.get("state", []), names, with_values=True)
    specs = declared_outputs(output)
    outputs = body.get("outputs")
    _slots("outputs", specs, outputs if output.startswith("..") else [outputs], names, with_values=False)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > 64 or not all(
        isinstance(c, str) and len(c) <= 512 for c in changed
    ):
        raise CallbackRefused("changedPropIds: expected a short list of component properties")


def _answer(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def register_callback_guard(
    app: dash.Dash, wildcard_names: Mapping[str, Collection] | None = None
) -> Callable[[], Response | None]:
    """Check callback requests before Dash (after access control and CSRF), turn a callback's input errors into
    400 and unknown static files into 404; returns the check. ``wildcard_names``: the values a wildcard id key
    may take (e.g. the wall's panels), so that a request cannot name a component the pages never draw."""
    server = app.server
    names = dict(wildcard_names or {})

    @server.before_request
    def _check_callback() -> Response | None:
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _answer(413, f"callback request larger than {MAX_BODY_BYTES} bytes")
        try:
            check_callback(request.get_json(silent=True), app.callback_map, names)
        except CallbackRefused as exc:
            log.info("callback refused: %s", exc)
            return _answer(400, f"callback request refused: {exc}")
        return None

    def _input_error(exc: Exception):
        if request.path != CALLBACK_PATH:
            raise exc
        frame = exc.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        place = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
        log.warning("callback could not use its input: %s at %s", type(exc).__name__, place)
        return _answer(400, "callback input not usable")

    for kind in (LookupError, TypeError, ValueError):
        server.register_error_handler(kind, _input_error)
    server.register_error_handler(DependencyException, lambda _exc: _answer(404, "not found"))
    return _check_callback
