"""HTTP for collectors: one httpx client per feed and one retry policy (tenacity) for all of them.

Transient failures (connection errors, timeouts, 429, 5xx) are retried with exponential backoff and
jitter, honouring ``Retry-After``; authentication failures (401/403) and other 4xx are not retried.
Response bodies are bounded by the feed's ``max_response_bytes``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from collectors.config import FeedConfig

MAX_RETRY_AFTER_SECONDS = 60.0


class FetchError(Exception):
    """The feed could not be read this run (after retries, when they apply)."""


class AuthError(FetchError):
    """The upstream refused our credentials: the feed stops until an operator fixes them."""


class FatalFetchError(FetchError):
    """A request that retrying cannot fix (a 4xx other than 429, an oversize response)."""


class TransientHttpError(Exception):
    """A response worth retrying (429 or 5xx)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url}")
        self.response = response


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TransientHttpError | httpx.TransportError)


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        try:
            delay = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
        return min(max(delay, 0.0), MAX_RETRY_AFTER_SECONDS)


class _WaitHonouringRetryAfter:
    """Exponential backoff with jitter, unless the server said how long to wait."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = wait_exponential_jitter(multiplier=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientHttpError):
            delay = _retry_after_seconds(exc.response)
            if delay is not None:
                return delay
        return self._backoff(state)


def _auth_headers(feed: FeedConfig) -> tuple[dict[str, str], httpx.Auth | None]:
    auth = feed.auth
    if auth.kind == "none":
        return {}, None
    if auth.kind == "basic":
        user = os.environ.get(auth.username_env or "", "")
        password = os.environ.get(auth.password_env or "", "")
        return {}, httpx.BasicAuth(user, password)
    token = os.environ.get(auth.token_env or "")
    if not token:
        raise AuthError(f"feed {feed.name}: credential variable {auth.token_env} is not set")
    value = f"Bearer {token}" if auth.kind == "bearer" else token
    return {auth.header: value}, None


def _decode_json(content: bytes) -> Any:
    """JSON text as Python values: orjson for speed, the standard library for what orjson refuses but feeds
    send (NaN and Infinity literals, integers beyond 64 bits, UTF-16 bodies)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        try:
            return json.loads(content)
        except RecursionError:
            raise ValueError("nested too deeply") from None


class FeedHttpClient:
    """GET requests for one feed, with its timeouts, credentials, retry policy and size bound."""

    def __init__(
        self,
        feed: FeedConfig,
        transport: httpx.BaseTransport | None = None,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.feed = feed
        self.requests_made = 0
        headers, auth = _auth_headers(feed)
        self._client = httpx.Client(
            headers={"User-Agent": "CityOps-collector/0.1", **headers},
            auth=auth,
            timeout=httpx.Timeout(feed.timeout_seconds),
            transport=transport,
            follow_redirects=True,
        )
        self._get_with_retries = retry(
            retry=retry_if_exception(_is_transient),
            wait=_WaitHonouringRetryAfter(initial_backoff, max_backoff),
            stop=stop_after_attempt(feed.max_retries + 1) | stop_after_delay(feed.retry_budget_seconds),
            sleep=sleep,
            reraise=True,
        )(self._get_once)

    def _get_once(self, url: str, params: dict[str, Any] | None, headers: dict[str, str] | None) -> httpx.Response:
        self.requests_made += 1
        with self._client.stream("GET", url, params=params, headers=headers) as response:
            if response.status_code in (401, 403):
                raise AuthError(f"feed {self.feed.name}: HTTP {response.status_code} from {url} (credentials refused)")
            if response.status_code == 429 or response.status_code >= 500:
                response.read()
                raise TransientHttpError(response)
            if response.status_code >= 400:
                body = response.read()[:300].decode("utf-8", "replace")
                raise FatalFetchError(f"feed {self.feed.name}: HTTP {response.status_code} from {url}: {body}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.feed.max_response_bytes:
                    raise FatalFetchError(
                        f"feed {self.feed.name}: response from {url} exceeds {self.feed.max_response_bytes} bytes"
                    )
                chunks.append(chunk)
            return httpx.Response(
                response.status_code, headers=response.headers, content=b"".join(chunks), request=response.request
            )

    def get(
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """GET ``url``; transient failures are retried, the rest raise a :class:`FetchError`."""
        try:
            return self._get_with_retries(url, params, headers)
        except TransientHttpError as exc:
            raise FetchError(f"feed {self.feed.name}: {exc} (gave up after retries)") from exc
        except httpx.TransportError as exc:
            raise FetchError(f"feed {self.feed.name}: {type(exc).__name__} for {url} (gave up after retries)") from exc

    def get_json(
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[Any, httpx.Response]:
        """GET and decode JSON; a body that is not JSON is a :class:`FatalFetchError` naming the feed."""
        response = self.get(url, params, headers)
        try:
            return _decode_json(response.content), response
        except ValueError as exc:
            raise FatalFetchError(
                f"feed {self.feed.name}: response from {response.url} is not valid JSON: {exc}"
            ) from exc

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> FeedHttpClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
