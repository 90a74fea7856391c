"""Fixtures of the collector tests."""

from __future__ import annotations

import pytest
from feedkit import Upstream


@pytest.fixture
def upstream() -> type[Upstream]:
    """The :class:`feedkit.Upstream` class: ``upstream(handler)`` serves a MockTransport."""
    return Upstream
