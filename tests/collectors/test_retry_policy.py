"""The one retry policy, seen through a feed run: 429 with Retry-After, 5xx, 401, oversize responses."""

from __future__ import annotations

import httpx
from feedkit import RUN_AT, json_response, make_feed
from sqlalchemy import select

from collectors.runner import FeedRunner
from dashboard.db.models import FeedCursor, FeedRun, SensorReading

ENTITY = {"id": "aq-1", "dateObserved": "2026-11-21T07:00:00Z", "refPointOfInterest": "A01", "pm25": 35}


def _feed(**extra):
    return make_feed(
        name="air",
        domain="sensors",
        protocol="ngsi",
        options={"entity_type": "AirQualityObserved"},
        max_retries=3,
        **extra,
    )


def _scripted(upstream, *responses):
    """An upstream answering with ``responses`` in turn, then the entity list."""
    script = list(responses)
    return upstream(lambda request: script.pop(0) if script else json_response([ENTITY]))


def _run(engine, up, **feed_extra):
    return FeedRunner(engine, http_factory=up.client).run(_feed(**feed_extra), now=RUN_AT)


def test_429_waits_as_long_as_retry_after_says(engine, upstream):
    up = _scripted(upstream, httpx.Response(429, headers={"Retry-After": "0.3"}))
    result = _run(engine, up)
    assert up.slept == [0.3]  # the backoff alone would be 1 to 10 ms
    assert (result.status, result.new, len(up.requests)) == ("ok", 1, 2)


def test_5xx_and_connection_errors_are_retried(engine, upstream):
    failures = [httpx.Response(503), httpx.Response(500), None]

    def handler(request):
        if not failures:
            return json_response([ENTITY])
        failure = failures.pop(0)
        if failure is None:
            raise httpx.ConnectError("connection refused", request=request)
        return failure

    result = _run(engine, up := upstream(handler))
    assert (result.status, result.new, len(up.requests)) == ("ok", 1, 4)
    assert len(up.slept) == 3 and all(0 < wait <= 0.01 for wait in up.slept)  # a backoff before each retry


def test_retries_give_up_and_the_run_fails_without_moving_the_cursor(engine, upstream):
    up = upstream(lambda r: httpx.Response(502))
    result = _run(engine, up)
    assert result.status == "failed" and "HTTP 502" in result.error and "gave up after retries" in result.error
    assert len(up.requests) == 4  # max_retries=3
    with engine.connect() as conn:
        assert conn.execute(select(FeedCursor)).first() is None


def test_401_is_auth_failed_without_retrying(engine, upstream):
    up = upstream(lambda r: httpx.Response(401, json={"error": "token expired"}))
    result = _run(engine, up)
    assert (result.status, len(up.requests)) == ("auth_failed", 1)
    assert "feed air: HTTP 401" in result.error
    with engine.connect() as conn:
        assert conn.execute(select(FeedRun.status)).scalar_one() == "auth_failed"


def test_other_4xx_fail_at_once(engine, upstream):
    up = upstream(lambda r: httpx.Response(400, json={"error": "BadRequest", "description": "invalid q"}))
    result = _run(engine, up)
    assert (result.status, len(up.requests)) == ("failed", 1) and "invalid q" in result.error


def test_an_oversize_response_is_refused(engine, upstream):
    up = upstream(lambda r: json_response([ENTITY] * 100))
    result = _run(engine, up, max_response_bytes=2048)
    assert result.status == "failed" and "exceeds 2048 bytes" in result.error and len(up.requests) == 1
    with engine.connect() as conn:
        assert conn.execute(select(SensorReading)).first() is None
