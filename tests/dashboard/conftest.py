"""Fixtures of the dashboard tests: the synthetic city on every database of the ``engine`` fixture."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.dashboard.synthetic_city import populate


@pytest.fixture
def city(engine) -> Engine:
    """A migrated database (SQLite, and PostgreSQL when configured) holding the synthetic city at ``NOW``."""
    populate(engine)
    return engine
