"""The one clock of the web app and the collectors: the real UTC time, unless a test sets it.

(The simulator imports nothing of ours: it takes its own clock, ``SimulatorConfig.clock``.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def _real() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _real


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _source()


@contextmanager
def set_to(source: Callable[[], datetime] | datetime) -> Iterator[None]:
    """Within the block, :func:`now` is ``source`` (a fixed time, or a callable giving the time)."""
    global _source
    previous = _source
    _source = source if callable(source) else (lambda: source)
    try:
        yield
    finally:
        _source = previous
