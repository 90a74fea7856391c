"""Engine creation: SQLite in WAL mode for the embedded default, PostgreSQL from a URL in production."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from dashboard.db.types import set_postgis
from dashboard.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Page cache per SQLite connection (KiB, as a negative ``cache_size``): the default 2 MB makes inserts into
#: a table of a million observations re-read its unique index from the OS on every batch (2.5× slower).
SQLITE_CACHE_KIB = 32_768
#: Rows sampled per index by ``ANALYZE`` (bounded, so statistics of a large table take milliseconds).
SQLITE_ANALYSIS_LIMIT = 1000

#: PostGIS is used when the extension is installed and the geometry columns (if made yet) are PostGIS columns.
POSTGIS_PROBE = """
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')
   AND COALESCE((SELECT udt_name = 'geometry' FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'district' AND column_name = 'geometry'),
                true)
"""


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
    cursor.close()


def refresh_statistics(engine: Engine) -> None:
    """Refresh the query planner's statistics (SQLite's ``ANALYZE``, sampled, so milliseconds even on millions
    of rows; PostgreSQL's autovacuum does this itself). Without them SQLite never reads the map's cells from
    their covering index alone."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def make_engine(url: str) -> Engine:
    """A new engine for ``url``; SQLite files get WAL mode, a busy timeout and their folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    event.listen(engine, "first_connect", lambda dbapi_connection, _record: _detect_postgis(engine, dbapi_connection))
    return engine


def _detect_postgis(engine: Engine, dbapi_connection) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(POSTGIS_PROBE)
    enabled = bool(cursor.fetchone()[0])
    cursor.close()
    dbapi_connection.rollback()
    set_postgis(engine.dialect, enabled)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    if url is None:
        url = get_settings().resolved_database_url
    return make_engine(url)
