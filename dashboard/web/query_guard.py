"""One check of every request's query string before any page, pages-router or API code runs.

Pages take their state from the URL (``?district=…&period=…&scenes=…&rotate=…&lang=…&theme=…``) and the API its
filters; a parameter they read that is malformed (too long, not UTF-8, control characters, given twice, not a
finite number, not a date, outside its set of values) is refused here with a short 400 (414 for an oversize query
string) that never quotes the input. Parameters nobody reads are ignored. The Dash pages router receives the
page's query string in its callback body (``_pages_location.search``): it is checked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Annotated, Literal
from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, jsonify, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

#: Static files carry cache-busting parameters of their own.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/static/")
CALLBACK_PATH = "/_dash-update-component"
ROUTER_OUTPUT = "_pages_content.children"
MAX_QUERY_CHARS = 4096
MAX_PARAMETERS = 32
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
#: Earliest and latest year a date parameter may name.
YEARS = (1970, 2100)

_NAME = re.compile(r"[^<>\"'`\\{}\[\];=]{1,64}")
_NAMES = re.compile(r"[\w.:\-]*(,[\w.:\-]*)*")
_TOKEN = re.compile(r"[\w\-]{1,256}")


def _matching(pattern: re.Pattern, rule: str):
    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise ValueError(rule)
        return value

    return AfterValidator(check)


#: A code or a name (district, category, department, status, KPI, period, mode): any script and punctuation
#: but markup, quotes and brackets.
Code = Annotated[str, _matching(_NAME, "must be a code or name of at most 64 characters, without markup or quotes")]
#: A comma-separated list of codes (scenes, layers).
Codes = Annotated[
    str, Field(max_length=512), _matching(_NAMES, "must be a comma-separated list of codes (letters, digits, .:_-)")
]
Token = Annotated[str, _matching(_TOKEN, "must be a token of letters, digits, _ and -")]


def _moment(value: str) -> str:
    """A date or an ISO 8601 time within :data:`YEARS`."""
    try:
        parsed = date.fromisoformat(value) if len(value) <= 10 else datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise ValueError(f"must lie between the years {YEARS[0]} and {YEARS[1]}")
    return value


class QueryParameters(BaseModel):
    """The query parameters pages, the API and the sign-in views read, and what each may hold."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)

    lang: Literal["zh", "en"] | None = None
    theme: Literal["light", "dark"] | None = None
    period: Code | None = None
    district: Code | None = None
    code: Code | None = None
    category: Code | None = None
    department: Code | None = None
    status: Code | None = None
    kpi: Code | None = None
    mode: Code | None = None
    scenes: Codes | None = None
    layers: Codes | None = None
    rotate: Annotated[float, Field(gt=0, le=86_400)] | None = None
    hour: Annotated[int, Field(ge=0, le=100_000)] | None = None
    limit: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    start: Annotated[str, AfterValidator(_moment)] | None = None
    end: Annotated[str, AfterValidator(_moment)] | None = None
    token: Token | None = None
    next: Annotated[str, StringConstraints(max_length=2048)] | None = None


KNOWN = frozenset(QueryParameters.model_fields)


class QueryRefused(ValueError):
    """A query string refused: the HTTP status, a short message and the parameter at fault (if one)."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.parameter = status, parameter


def check_query(query: str) -> QueryParameters:
    """The parameters of ``query`` (without ``?``); :class:`QueryRefused` when it may not reach a page."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryRefused(414, f"query string longer than {MAX_QUERY_CHARS} characters")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=MAX_PARAMETERS)
    except UnicodeDecodeError:
        raise QueryRefused(400, "query string is not valid UTF-8") from None
    except ValueError:
        raise QueryRefused(400, f"more than {MAX_PARAMETERS} query parameters") from None
    values: dict[str, str | None] = {}
    for key, value in pairs:
        if CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value):
            raise QueryRefused(400, "query string holds control characters")
        if key in KNOWN:
            if key in values:
                raise QueryRefused(400, f"query parameter {key} given more than once", key)
            values[key] = value or None
    try:
        return QueryParameters.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        message = error["msg"].removeprefix("Value error, ")
        raise QueryRefused(400, f"query parameter {name}: {message}", name) from None


def _router_search() -> str | None:
    """The page query string a pages-router callback carries, if this request is one."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or ROUTER_OUTPUT not in str(body.get("output", "")):
        return None
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "search":
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


def _check_request() -> None:
    try:
        raw = request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryRefused(400, "query string is not valid UTF-8") from None
    check_query(raw)
    if request.path == CALLBACK_PATH and request.method == "POST":
        search = _router_search()
        if search:
            check_query(search.removeprefix("?"))


def register_query_guard(server: Flask, translate: Callable[..., str]) -> None:
    """Check every request's query string first (before access control: a refusal reveals nothing)."""

    def refusal(exc: QueryRefused) -> Response:
        if request.path.startswith("/api/") or request.method != "GET":
            response = jsonify({"error": str(exc)})
        else:
            lang = request.args.get("lang")
            lang = lang if lang in ("zh", "en") else current_app.extensions["cityops"].settings.default_language
            if exc.status == 414:
                text = translate("request.too_long", lang)
            elif exc.parameter:
                text = translate("request.invalid_parameter", lang, name=exc.parameter)
            else:
                text = translate("request.invalid", lang)
            page = (
                f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><meta charset="utf-8">'
                f"<title>{exc.status}</title><p>{escape(text)}</p>"
                f'<p><a href="/?lang={lang}">{escape(translate("auth.back", lang))}</a></p></html>'
            )
            response = Response(page, mimetype="text/html")
        response.status_code = exc.status
        return response

    @server.before_request
    def _guard() -> Response | None:
        if request.path.startswith(STATIC_PREFIXES):
            return None
        try:
            _check_request()
        except QueryRefused as exc:
            return refusal(exc)
        return None
