"""The shared cache (flask-caching): Redis when configured, else in-process; short timeouts. It holds query
results (:func:`cached`) and what a page shows every viewer alike (:func:`shared`)."""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy import Engine

from dashboard.settings import Settings

cache = Cache()
F = TypeVar("F", bound=Callable)
T = TypeVar("T")
log = logging.getLogger(__name__)
#: Longest wait for a value another caller is building (:func:`shared`) before building it too.
WAIT_FOR_BUILD_S = 10.0
POLL_S = 0.05


def init_cache(server: Flask, settings: Settings) -> None:
    """Attach the cache to ``server``; entries live about one refresh interval."""
    config = {"CACHE_DEFAULT_TIMEOUT": settings.refresh_seconds, "CACHE_KEY_PREFIX": settings.cache_key_prefix}
    if settings.redis_url:
        config |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url}
    else:
        config |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(server, config=config)


def _active() -> bool:
    return has_app_context() and cache in current_app.extensions.get("cache", {})


class _EngineName(str):
    """An engine's ``repr`` (its URL without the password) standing for it in a key, written as the engine
    writes itself: a key holds the same text as with the engine, and no string argument can take its place."""

    __repr__ = str.__str__


#: Each engine's :class:`_EngineName`, kept: rendering a URL costs more than the rest of a key.
_ENGINE_NAMES: weakref.WeakKeyDictionary[Engine, _EngineName] = weakref.WeakKeyDictionary()


def _named(arg: Any) -> Any:
    """``arg`` as a key names it: an engine by its kept :class:`_EngineName`."""
    if not isinstance(arg, Engine):
        return arg
    if (name := _ENGINE_NAMES.get(arg)) is None:
        name = _ENGINE_NAMES[arg] = _EngineName(repr(arg))
    return name


def cached(func: F) -> F:
    """Memoize a query by its arguments inside an app with the cache; call it directly elsewhere. The key is the
    function's qualified name and a digest of its arguments' ``repr`` (an engine's names its URL, without its
    password), so every worker sharing the cache computes the same key; a None result is kept as well."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not _active():
            return func(*args, **kwargs)
        named = (tuple(_named(arg) for arg in args), sorted(kwargs.items()))
        key = f"{name}:{hashlib.blake2b(repr(named).encode(), digest_size=16).hexdigest()}"
        kept = cache.get(key)
        if kept is not None:
            return kept[0]
        value = func(*args, **kwargs)
        cache.set(key, (value,))
        return value

    return wrapper  # type: ignore[return-value]


def shared(key: str, build: Callable[[], T], before: str | None = None) -> T:
    """``build()``, kept under ``key`` for one refresh interval: with Redis, every web worker serves the value
    the first one built, and while one builds it the others asking for it get the value kept under ``before``
    (what the same viewers were shown the interval before) when there is one, else wait for it (up to
    :data:`WAIT_FOR_BUILD_S`) instead of building it again. ``key`` must name everything the value depends on.
    Values are kept for two intervals, so that the one before is still there while the next is built. Outside an
    app with the cache, or when the cache cannot be reached, the value is built for the caller alone; a build that
    raises keeps nothing (and lets the waiting callers build)."""
    if not _active():
        return build()
    building, holding = f"{key}:building", False
    try:
        value = cache.get(key)
        if value is None:
            holding = cache.add(building, 1, timeout=int(WAIT_FOR_BUILD_S))
            if holding:  # another caller may have finished the build between the read and the mark
                value = cache.get(key)
            else:
                value = (cache.get(before) if before else None) or _built_by_another(key, building)
    except Exception:  # noqa: BLE001 — a cache that cannot be read costs a build, never the page
        log.warning("the shared cache could not be read for %s; building the value", key, exc_info=True)
        return build()
    if value is not None:
        if holding:
            _quietly(lambda: cache.delete(building), building)
        return value
    try:
        value = build()
        _quietly(lambda: cache.set(key, value, timeout=2 * _interval()), key)
    finally:
        if holding:  # a caller that gave up waiting leaves the build it waited for its own mark
            _quietly(lambda: cache.delete(building), building)
    return value


def _interval() -> int:
    """Seconds an entry lives by default (one refresh interval, :func:`init_cache`)."""
    return cache.cache.default_timeout


def _quietly(action: Callable[[], object], key: str) -> None:
    """Write to the cache; a cache that cannot be written costs later builds, never this page."""
    try:
        action()
    except Exception:  # noqa: BLE001
        log.warning("the shared cache could not be written for %s", key, exc_info=True)


def _built_by_another(key: str, building: str):
    """The value another caller is building under ``key``, once it is there; None when that build is given up
    (it failed, or took longer than :data:`WAIT_FOR_BUILD_S`)."""
    deadline = time.monotonic() + WAIT_FOR_BUILD_S
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        value = cache.get(key)
        if value is not None:
            return value
        if not cache.has(building):  # it ended since the read: its value (set before its mark goes), or none
            return cache.get(key)
    return None
