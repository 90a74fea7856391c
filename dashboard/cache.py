"""The shared query cache (flask-caching): Redis when configured, else in-process; short timeouts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, has_app_context
from flask_caching import Cache

from dashboard.settings import Settings

cache = Cache()
F = TypeVar("F", bound=Callable)


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


def cached(func: F) -> F:
    """Memoize a query by its arguments inside an app with the cache; call it directly elsewhere."""
    memoized = cache.memoize()(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return memoized(*args, **kwargs) if _active() else func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
