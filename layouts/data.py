"""The moment a page is drawn for, and what its viewers share of it (the read side is reached through the pages'
view models, layouts/viewmodels)."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import orjson
from dash import NoUpdate
from flask import has_request_context, request
from plotly.io.json import to_json_plotly

from dashboard import clock
from dashboard.cache import shared
from dashboard.context import RequestContext
from dashboard.kpis.periods import floor_time

T = TypeVar("T")
#: The path (after any prefix) of Dash's callback endpoint, where every page's content is asked for.
CALLBACK_PATH = "/_dash-update-component"


def snapshot_time(context: RequestContext) -> datetime:
    """Now, rounded down to the request's refresh interval so that concurrent viewers share cached queries."""
    return floor_time(clock.now(), context.settings.refresh_seconds)


def viewers_key(context: RequestContext, page: str, *parts: object, snapshot: datetime | None = None) -> str:
    """The shared-cache key of what ``page`` shows at this snapshot (or at ``snapshot``) to every viewer asking as
    ``context`` does: the same language, theme, time, screen scale and role (and ``parts``, what else the page's
    content is drawn for). Within one refresh interval such viewers see the same data anyway (their queries share
    the snapshot)."""
    asked = (page, context.language, context.theme, sorted(context.time.items()), context.scale, context.role,
             parts, (snapshot or snapshot_time(context)).isoformat())
    return f"page:{page}:{hashlib.sha256(repr(asked).encode()).hexdigest()}"


def drawn_once(context: RequestContext, page: str, draw: Callable[[], T], *parts: object) -> T:
    """``draw()`` for a Dash callback's response, drawn once a refresh interval for every viewer asking as
    ``context`` does (:func:`viewers_key`) and shared by every web worker through the cache, its figures and
    components already written as the JSON Dash sends (:func:`_written`): a viewer served from the cache costs
    no drawing and no encoding. While the drawing of a new interval is under way, the others asking get the one
    of the interval before (its data time on it), not a wait. Outside a callback request (nobody to send it to)
    it is drawn for the caller."""
    if not _answering_callback():
        return draw()
    before = snapshot_time(context) - timedelta(seconds=context.settings.refresh_seconds)
    key, previous = viewers_key(context, page, *parts), viewers_key(context, page, *parts, snapshot=before)
    return _read(shared(key, lambda: _written(draw()), before=previous))


def _answering_callback() -> bool:
    return has_request_context() and request.path.endswith(CALLBACK_PATH)


class _Json(bytes):
    """A figure's or component's JSON as Dash writes it; unpickled as an ``orjson.Fragment``, which Dash's encoder
    (orjson) copies into the response as it is."""

    def __reduce__(self):
        return orjson.Fragment, (bytes(self),)


def _as_json(drawn: object) -> object:
    """``drawn`` with every figure and component in it replaced by its JSON, byte for byte what Dash would write
    for it within a response (plotly's encoder; a figure alone would have its dates written shorter). The
    containers stay (Dash matches each element of a list to one of a pattern-matched output's components), as do
    plain values and ``dash.no_update``."""
    if drawn is None or isinstance(drawn, str | int | float | bool | NoUpdate):
        return drawn
    if isinstance(drawn, dict):
        return {key: _as_json(value) for key, value in drawn.items()}
    if isinstance(drawn, list | tuple):
        return type(drawn)(_as_json(value) for value in drawn)
    if dataclasses.is_dataclass(drawn) and not isinstance(drawn, type):
        fields = {f.name: _as_json(getattr(drawn, f.name)) for f in dataclasses.fields(drawn)}
        return dataclasses.replace(drawn, **fields)
    return _Json(to_json_plotly([drawn])[1:-1].encode())  # in a list: encoded as within Dash's response


def _written(drawn: object) -> bytes:
    """``drawn`` for the cache: pickled, its figures and components as their JSON."""
    return pickle.dumps(_as_json(drawn), protocol=pickle.HIGHEST_PROTOCOL)


def _read(written: bytes):
    return pickle.loads(written)  # noqa: S301 — our own cache's bytes, written by _written
