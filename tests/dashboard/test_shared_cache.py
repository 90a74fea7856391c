"""What a page shows every viewer alike is built once and shared (``dashboard.cache.shared``): in-process and
through a real Redis, by concurrent callers too; a failing build keeps nothing; a cache that cannot be reached
costs a build, never the value."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from flask import Flask
from sqlalchemy import create_engine

from dashboard.cache import _named, cached, init_cache, shared
from dashboard.db.engine import make_engine
from dashboard.settings import Settings

REDIS_URL = os.environ.get("CITYOPS_TEST_REDIS_URL")
BACKENDS = ["in-process", pytest.param("redis", marks=pytest.mark.skipif(not REDIS_URL, reason="no Redis"))]


def _app(tmp_path, backend: str, redis_url: str | None = None) -> Flask:
    server = Flask(__name__)
    url = redis_url or (REDIS_URL if backend == "redis" else None)
    init_cache(server, Settings(var_dir=tmp_path, redis_url=url, refresh_seconds=30,
                                cache_key_prefix=f"test-shared-{uuid.uuid4().hex}:"))
    return server


class Counting:
    """A build that counts its calls, optionally slow or failing."""

    def __init__(self, value="drawn", seconds: float = 0.0, fails: bool = False) -> None:
        self.calls, self.value, self.seconds, self.fails = 0, value, seconds, fails
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        if self.fails:
            raise RuntimeError("the database went away")
        return self.value


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_value_is_built_once_for_its_key(tmp_path, backend):
    build = Counting({"kpis": [1, 2, 3]})
    with _app(tmp_path, backend).app_context():
        first = shared("page:a", build)
        second = shared("page:a", build)
        other = shared("page:b", build)
    assert first == second == other == {"kpis": [1, 2, 3]}
    assert build.calls == 2  # page:a once, page:b once


def test_outside_an_app_every_call_builds(tmp_path):
    build = Counting()
    assert shared("page:a", build) == shared("page:a", build) == "drawn"
    assert build.calls == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_callers_wait_for_the_one_build(tmp_path, backend):
    """Eight callers asking at once while the value takes 0.5 s to build: one builds, seven wait for it."""
    server = _app(tmp_path, backend)
    build = Counting("drawn", seconds=0.5)
    results: list[object] = []

    def ask() -> None:
        with server.app_context():
            results.append(shared("page:wall", build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["drawn"] * 8
    assert build.calls == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_build_keeps_nothing_and_frees_the_waiters(tmp_path, backend):
    server = _app(tmp_path, backend)
    failing = Counting(seconds=0.3, fails=True)
    outcome: dict[str, object] = {}

    def first() -> None:
        with server.app_context():
            try:
                shared("page:overview", failing)
            except RuntimeError as exc:
                outcome["first"] = exc

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.1)  # the failing build holds the key now
    started = time.monotonic()
    with server.app_context():
        outcome["waiter"] = shared("page:overview", Counting("built by the waiter"))
    waited = time.monotonic() - started
    thread.join(10)
    assert isinstance(outcome["first"], RuntimeError)
    assert outcome["waiter"] == "built by the waiter"
    assert waited < 5  # not the whole wait: the failed build let go of the key
    with server.app_context():
        assert shared("page:overview", Counting("again")) == "built by the waiter"  # kept by the waiter


def test_an_unreachable_cache_costs_a_build_not_the_value(tmp_path):
    server = _app(tmp_path, "redis", redis_url="redis://127.0.0.1:9/0")  # nothing listens on port 9
    build = Counting()
    with server.app_context():
        assert shared("page:a", build) == shared("page:a", build) == "drawn"
    assert build.calls == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_while_the_next_value_is_built_the_others_get_the_one_before(tmp_path, backend):
    """The drawing of a new interval takes 1 s: the viewers asking meanwhile get the interval before's at once;
    a viewer with nothing kept before waits for the build."""
    server = _app(tmp_path, backend)
    slow = Counting("drawn now", seconds=1.0)
    with server.app_context():
        shared("page:wall@1", Counting("drawn before"))

    def builder() -> None:
        with server.app_context():
            shared("page:wall@2", slow, before="page:wall@1")

    thread = threading.Thread(target=builder)
    thread.start()
    time.sleep(0.2)  # the builder holds the key now
    meanwhile = Counting("built by a second caller")
    with server.app_context():
        started = time.monotonic()
        served = shared("page:wall@2", meanwhile, before="page:wall@1")
        served_in = time.monotonic() - started
        waited_for = shared("page:wall@2", meanwhile, before="page:nothing-kept")
    thread.join(10)
    assert served == "drawn before" and served_in < 0.5
    assert waited_for == "drawn now"
    assert meanwhile.calls == 0 and slow.calls == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_value_is_kept_for_two_intervals(tmp_path, backend):
    server = Flask(__name__)
    url = REDIS_URL if backend == "redis" else None
    init_cache(server, Settings(var_dir=tmp_path, redis_url=url, refresh_seconds=2,
                                cache_key_prefix=f"test-shared-{uuid.uuid4().hex}:"))
    build = Counting()
    with server.app_context():
        shared("page:a", build)
        time.sleep(2.5)  # past one interval: still there
        shared("page:a", build)
        assert build.calls == 1
        time.sleep(2.0)  # past two: gone
        shared("page:a", build)
        assert build.calls == 2


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("lands_on_read", [1, 2], ids=["before-the-mark", "while-waiting"])
def test_a_build_that_lands_between_two_reads_is_not_built_again(tmp_path, backend, monkeypatch, lands_on_read):
    """Another worker's build of the key lands just after this caller read it missing: right before the caller
    marks the key as its own to build (it then holds the mark), or while it waits, between its read of the key
    and its check of the other's mark. Either way the caller serves that value, builds nothing and leaves no
    mark behind (seen as a second build under load: 2 builds of 8 concurrent callers)."""
    from dashboard import cache as module

    server = _app(tmp_path, backend)
    build = Counting("mine")
    with server.app_context():
        real_get, reads = module.cache.get, []

        def get(key):
            value = real_get(key)
            if key == "page:x":
                reads.append(value)
                if len(reads) == lands_on_read:  # the other worker sets the value, then drops its mark
                    module.cache.set("page:x", "theirs")
                    module.cache.delete("page:x:building")
            return value

        if lands_on_read == 2:
            module.cache.add("page:x:building", 1)  # the other worker is building
        monkeypatch.setattr(module.cache, "get", get)
        assert shared("page:x", build) == "theirs"
        assert not module.cache.has("page:x:building")
    assert build.calls == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_cached_query_runs_once_per_function_and_arguments_and_keeps_none(tmp_path, backend):
    """``cached``: a second call with the same arguments is served from the cache, a None result included; other
    arguments (positional or named) or another function with the same arguments run again; with Redis, a second
    app (another web worker) is served what the first one kept."""
    calls: list[tuple] = []

    @cached
    def rows(engine, start, kind=None):
        calls.append(("rows", engine, start, kind))
        return None if kind == "none" else [start, kind]

    @cached
    def other(engine, start, kind=None):
        calls.append(("other", engine, start, kind))
        return "other"

    prefix = f"test-cached-{uuid.uuid4().hex}:"
    apps = []
    for _ in range(2):
        server = Flask(__name__)
        init_cache(server, Settings(var_dir=tmp_path, redis_url=REDIS_URL if backend == "redis" else None,
                                    refresh_seconds=30, cache_key_prefix=prefix))
        apps.append(server)
    with apps[0].app_context():
        assert rows("engine-a", 1) == rows("engine-a", 1) == [1, None]
        assert rows("engine-a", 1, kind="none") is None and rows("engine-a", 1, kind="none") is None
        assert rows("engine-a", 2) == [2, None] and rows("engine-b", 1) == [1, None]
        assert rows("engine-a", 1, kind="x") == [1, "x"] == rows("engine-a", 1, "x")
        assert other("engine-a", 1) == "other"
    assert [c[0] for c in calls] == ["rows", "rows", "rows", "rows", "rows", "rows", "other"]
    with apps[1].app_context():
        rows("engine-a", 1)
    assert len(calls) == (7 if backend == "redis" else 8)
    rows("engine-a", 1)  # outside an app: called directly
    assert len(calls) == (8 if backend == "redis" else 9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_cached_query_is_kept_per_database(tmp_path, backend):
    """``cached`` keys a query by the database its engine names: two engines of one database share a value, an
    engine of another database does not; a password in the URL is not part of the key's text."""
    calls: list[str] = []

    @cached
    def count(engine):
        calls.append(engine.url.database)
        return f"{engine.url.database}:{len(calls)}"

    first, same, other = (make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "a.db", "b.db"))
    with _app(tmp_path, backend).app_context():
        assert count(first) == count(first) == count(same) == f"{tmp_path / 'a.db'}:1"
        assert count(other) == f"{tmp_path / 'b.db'}:2"
    with_password = create_engine("postgresql+psycopg://u:secret@db/city")
    assert repr((_named(with_password), 1)) == repr((with_password, 1))  # the key's text: the engine's own repr
    assert "secret" not in repr(_named(with_password))
    assert repr(_named(first)) != repr(str(first))  # a string argument does not name the engine
    for engine in (first, same, other):
        engine.dispose()
