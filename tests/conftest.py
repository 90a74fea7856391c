"""Shared fixtures: migrated databases on SQLite and, when CITYOPS_TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import logging
import os
import sqlite3
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The real third-party samples: beside the checkout, or where CITYOPS_REALDATA says.
REALDATA = Path(os.environ.get("CITYOPS_REALDATA") or PROJECT_ROOT.parent / "shared" / "realdata")
CITY_DIR = PROJECT_ROOT / "data" / "city"
POSTGRES_URL = os.environ.get("CITYOPS_TEST_DATABASE_URL")

#: ``make mutate`` runs the property tests under ``CITYOPS_HYPOTHESIS_PROFILE=mutate``: a few fixed examples
#: each (the same ones for every mutant), no example database, no shrinking of a failure.
settings.register_profile(
    "mutate", max_examples=6, derandomize=True, database=None, deadline=None,
    phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("CITYOPS_HYPOTHESIS_PROFILE", "default"))


def _mutation_judges(mutant: str) -> list[str]:
    """The test paths that judge ``mutant`` (``[tool.cityops.mutation_judges]``), none when all selected do."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    judges = config.get("tool", {}).get("cityops", {}).get("mutation_judges", {})
    return next((paths for module, paths in judges.items() if mutant.startswith(f"{module}.")), [])


def pytest_collection_modifyitems(config, items):
    """Under mutmut (``MUTANT_UNDER_TEST`` names a mutant), keep only the tests that judge its module; in
    mutmut's clean run (no mutant) too when ``CITYOPS_MUTATE_JUDGED`` names the modules whose mutants are run."""
    mutant = os.environ.get("MUTANT_UNDER_TEST")
    names = [mutant] if mutant else [f"{module}." for module in os.environ.get("CITYOPS_MUTATE_JUDGED", "").split()]
    judges = [path for name in names for path in _mutation_judges(name)]
    if judges:
        kept = [item for item in items if item.nodeid.startswith(tuple(judges))]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _no_logging_into_closed_streams() -> Iterator[None]:
    """A CLI test configures logging onto the stream its runner captured; once that stream is closed, later
    tests must not log into it."""
    yield
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if getattr(getattr(handler, "stream", None), "closed", False):
            root.removeHandler(handler)


@pytest.fixture
def realdata() -> Path:
    """The folder of real third-party samples (tests using it skip when it is absent)."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data samples not found at {REALDATA}")
    return REALDATA


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database migrated to head, once per test process: each :func:`sqlite_engine` is a copy of it."""
    path = tmp_path_factory.mktemp("migrated") / "cityops.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(tmp_path, _migrated_sqlite) -> Iterator[Engine]:
    """A migrated SQLite database in a temporary folder (a copy of one migrated once: the same schema)."""
    path = tmp_path / "cityops.db"
    with closing(sqlite3.connect(_migrated_sqlite)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


#: This process's template database: named by the process and its start, so that every copy of this module in
#: the process (the conftest, and ``tests.conftest`` as other conftests import it) names the same one and no
#: later process takes a template left behind by a killed one.
_TEMPLATE = f"cityops_template_{os.getpid()}_{int(psutil.Process().create_time() * 1000)}"


def _migrated_postgres_template(admin: Engine) -> str:
    """The name of a PostgreSQL database migrated to head, made once per test process (and dropped at its end,
    :func:`pytest_sessionfinish`): each test database is created from it, the same schema at a fraction of the
    cost of migrating."""
    name = _TEMPLATE
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
            return name
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
    except BaseException:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        raise
    finally:
        engine.dispose()
    return name


def pytest_sessionfinish(session) -> None:
    """Drop this process's migrated template database (:func:`_migrated_postgres_template`), if it made one."""
    if POSTGRES_URL:
        admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))
        except SQLAlchemyError:
            pass  # the server is gone: nothing left to drop
        finally:
            admin.dispose()


def _postgres_engine() -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need CITYOPS_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    server = make_url(POSTGRES_URL)
    name = f"cityops_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    template = _migrated_postgres_template(admin)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
    try:
        with engine.connect():  # its first connection tells the engine whether PostGIS is there (as a migration's did)
            pass
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A migrated, throw-away PostgreSQL database (skipped without a server)."""
    yield from _postgres_engine()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path) -> Iterator[Engine]:
    """A migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
    else:
        yield from _postgres_engine()
