"""The moment a page is drawn for, and what its viewers share of it (the read side is reached through the pages'
view models, layouts/viewmodels)."""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import plotly.graph_objects as go

from dashboard import clock
from dashboard.cache import shared
from dashboard.context import RequestContext
from dashboard.kpis.periods import floor_time

T = TypeVar("T")


def snapshot_time(context: RequestContext) -> datetime:
    """Now, rounded down to the request's refresh interval so that concurrent viewers share cached queries."""
    return floor_time(clock.now(), context.settings.refresh_seconds)


def viewers_key(context: RequestContext, page: str, *parts: object) -> str:
    """The shared-cache key of what ``page`` shows at this snapshot to every viewer asking as ``context`` does:
    the same language, theme, time, screen scale and role (and ``parts``, what else the page's content is drawn
    for). Within one refresh interval such viewers see the same data anyway (their queries share the snapshot)."""
    asked = (page, context.language, context.theme, sorted(context.time.items()), context.scale, context.role,
             parts, snapshot_time(context).isoformat())
    return f"page:{page}:{hashlib.sha256(repr(asked).encode()).hexdigest()}"


def drawn_once(context: RequestContext, page: str, draw: Callable[[], T], *parts: object) -> T:
    """``draw()``, drawn once a refresh interval for every viewer asking as ``context`` does (:func:`viewers_key`)
    and shared by every web worker through the cache."""
    return _thawed(shared(viewers_key(context, page, *parts), lambda: _frozen(draw())))


def _unchecked_figure(props: dict) -> go.Figure:
    """A figure from the properties of one that was checked when it was drawn (plotly's checks on every
    unpickling would cost more than drawing it)."""
    return go.Figure(props, _validate=False)


def _figure_as_properties(figure: go.Figure):
    """How a figure is pickled here: its traces' and layout's properties as plotly holds them (numpy arrays
    included: ``to_dict`` would copy them and encode them for the browser); plotly's own way for one with frames
    (none of ours has)."""
    if figure.frames:
        return figure.__reduce__()
    return _unchecked_figure, ({"data": figure._data, "layout": figure._layout},)


def _frozen(drawn: object) -> bytes:
    """``drawn`` pickled, its figures as their properties."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table | {go.Figure: _figure_as_properties}
    pickler.dump(drawn)
    return buffer.getvalue()


def _thawed(frozen: bytes):
    return pickle.loads(frozen)  # noqa: S301 — our own cache's bytes, written by _frozen
