"""Helpers for collector tests: feeds, cursors and upstreams served by ``httpx.MockTransport``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from collectors.config import FeedConfig
from collectors.contract import Cursor
from collectors.http import FeedHttpClient
from collectors.registry import create_collector

RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def make_feed(**fields: Any) -> FeedConfig:
    """A feed with test defaults (override any field)."""
    defaults = {"name": "test-feed", "url": "http://upstream.test/api", "lag_seconds": 0, "backfill_days": 1}
    return FeedConfig(**{**defaults, **fields})


def make_cursor(
    values: dict[str, str] | None = None,
    run_at: datetime = RUN_AT,
    since: datetime | None = None,
    backfill: timedelta = timedelta(days=1),
) -> Cursor:
    return Cursor(
        values=values or {},
        run_started_at=run_at,
        lag=timedelta(0),
        default_start=run_at - backfill,
        override_start=since,
    )


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class Upstream:
    """A MockTransport whose handler the test sets; remembers every request."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.slept: list[float] = []  # the clients' waits between retries, recorded instead of slept
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, feed: FeedConfig) -> FeedHttpClient:
        return FeedHttpClient(
            feed, transport=self.transport, initial_backoff=0.001, max_backoff=0.01, sleep=self.slept.append
        )

    def fetch(self, feed: FeedConfig, cursor: Cursor | None = None):
        with self.client(feed) as http:
            return create_collector(feed, http).fetch(cursor or make_cursor())

    def params(self, index: int = -1) -> dict[str, str]:
        return dict(self.requests[index].url.params)
