"""Writes and reads of the feed-operations tables: cursors, runs, quarantine and the feed mirror."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from dashboard.db.locks import LOCK_CLASS, lock_key
from dashboard.db.models import Feed, FeedCursor, FeedRun, FeedState, Quarantine
from dashboard.db.upsert import dialect_insert

#: Version of the cursor value format written by this code.
CURSOR_FORMAT_VERSION = 1

#: Largest payload kept in quarantine (characters); bigger ones are truncated with a marker.
MAX_QUARANTINE_PAYLOAD = 100_000

#: What a run counts (its records fetched, and what became of them).
RUN_COUNTS = ("fetched", "new", "updated", "unchanged", "rejected")

class FeedLeases:
    """Leases on feeds (and on the collectors' housekeeping jobs), so that two collector processes never run
    the same feed — e.g. two processes misconfigured to the same shard.

    On PostgreSQL a lease is a session advisory lock (``pg_try_advisory_lock``) taken on one connection of its
    own, outside the engine's pool. With ``hold`` (the collector process) a lease once granted is kept until
    :meth:`close`, so a feed stays with the process that first ran it: another process asking for it is refused
    at every run, and takes it over only when the holder is gone (the server releases a session's locks when its
    connection ends, so a killed collector never leaves a feed locked). Without ``hold`` a lease lasts one run.

    SQLite has no lock that spans processes and outlives a transaction; there every lease is granted. What still
    holds there: runs in one process never overlap (one scheduler job per feed, ``max_instances=1``), each run's
    writes are one transaction behind SQLite's single writer lock, and the upsert on the natural key stores a
    record that two processes both fetched once (the second run counts it unchanged); the run log then shows
    both runs.
    """

    def __init__(self, engine: Engine, hold: bool = False) -> None:
        self.hold = hold
        self._engine = (
            create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )
        self._conn: Connection | None = None
        self._held: set[str] = set()
        self._mutex = threading.Lock()

    @contextmanager
    def lease(self, name: str) -> Iterator[bool]:
        """Try to take the lease called ``name`` for the block; yields whether it was granted."""
        if self._engine is None:
            yield True
            return
        granted = self._acquire(name)
        try:
            yield granted
        finally:
            if granted and not self.hold:
                self._release(name)

    def _connection(self) -> Connection:
        """The leases' connection; one found broken is replaced, and the locks it held are known lost."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return self._conn
            except DBAPIError:
                self._conn.invalidate()
                self._conn.close()
                self._conn, self._held = None, set()
        self._conn = self._engine.connect()
        return self._conn

    def _acquire(self, name: str) -> bool:
        with self._mutex:
            conn = self._connection()
            if name in self._held:
                return True
            key = {"cls": LOCK_CLASS, "key": lock_key(name)}
            granted = bool(conn.execute(text("SELECT pg_try_advisory_lock(:cls, :key)"), key).scalar())
            if granted:
                self._held.add(name)
            return granted

    def _release(self, name: str) -> None:
        """Give up one lease; the connection is closed once it holds none (leases for one run hold no
        connection between runs)."""
        with self._mutex:
            if name not in self._held or self._conn is None:
                return
            self._held.discard(name)
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:cls, :key)"),
                                   {"cls": LOCK_CLASS, "key": lock_key(name)})
            except DBAPIError:  # the connection is gone, and its locks with it
                self._conn.invalidate()
                self._conn.close()
                self._conn, self._held = None, set()
                return
            if not self._held:
                self._conn.close()
                self._conn = None

    def held(self) -> set[str]:
        """The leases this object holds now."""
        with self._mutex:
            return set(self._held)

    def close(self) -> None:
        """Release every lease (by ending the leases' session)."""
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._held = None, set()
            if self._engine is not None:
                self._engine.dispose()


def read_cursor(conn: Connection, feed: str) -> dict[str, str]:
    """Every partition's stored cursor value for ``feed``."""
    rows = conn.execute(select(FeedCursor.partition, FeedCursor.value).where(FeedCursor.feed == feed))
    return {partition: value for partition, value in rows}


def write_cursor(conn: Connection, feed: str, values: Mapping[str, str], now: datetime) -> None:
    """Store new cursor values (one row per partition)."""
    if not values:
        return
    insert = dialect_insert(conn)(FeedCursor.__table__)
    stmt = insert.on_conflict_do_update(
        index_elements=["feed", "partition"],
        set_={
            "value": insert.excluded.value,
            "format_version": insert.excluded.format_version,
            "updated_at": insert.excluded.updated_at,
        },
    )
    conn.execute(
        stmt,
        [
            {"feed": feed, "partition": p, "value": v, "format_version": CURSOR_FORMAT_VERSION, "updated_at": now}
            for p, v in values.items()
        ],
    )


def record_run(conn: Connection, **fields: Any) -> int:
    """Insert a ``feed_run`` row and, for a fetch (not a quarantine replay, which says nothing of the upstream),
    bring the feed's ``feed_state`` up to it (the run is the feed's newest); returns its id."""
    result = conn.execute(FeedRun.__table__.insert().returning(FeedRun.id), [fields])
    if fields.get("kind", "fetch") == "fetch":
        _advance_state(conn, fields)
    return result.scalar_one()


def _advance_state(conn: Connection, run: Mapping[str, Any]) -> None:
    """Upsert the feed's state with ``run``: its outcome and counts replace the previous run's; the last success
    and the newest source time only move forward; the failures since the last success count up or reset."""
    ended = run.get("finished_at") or run["started_at"]
    ok = run["status"] == "ok"
    state = FeedState.__table__
    insert = dialect_insert(conn)(state)
    row = {
        "feed": run["feed"],
        "last_run_at": ended,
        "last_status": run["status"],
        "last_error": run.get("error"),
        **{count: run.get(count) or 0 for count in RUN_COUNTS},
        "last_success_at": ended if ok else None,
        "max_source_time": run.get("max_source_time"),
        "consecutive_failures": 0 if ok else 1,
    }

    def later(column: str):
        new, old = insert.excluded[column], state.c[column]
        return case((old.is_(None) | (new > old), new), else_=old)

    stmt = insert.on_conflict_do_update(
        index_elements=["feed"],
        set_={
            **{c: insert.excluded[c] for c in ("last_run_at", "last_status", "last_error", *RUN_COUNTS)},
            "last_success_at": later("last_success_at"),
            "max_source_time": later("max_source_time"),
            "consecutive_failures": case((insert.excluded.last_status == "ok", 0),
                                         else_=state.c.consecutive_failures + 1),
        },
    )
    conn.execute(stmt, [row])


def last_run_status(conn: Connection, feed: str) -> str | None:
    """Status of the feed's most recent run, or None if it never ran."""
    stmt = select(FeedRun.status).where(FeedRun.feed == feed).order_by(FeedRun.id.desc()).limit(1)
    return conn.execute(stmt).scalar_one_or_none()


def _without_nul(text: str) -> str:
    """PostgreSQL text refuses NUL: keep it visible as ``\\x00``."""
    return text.replace("\x00", "\\x00")


def _payload_text(raw: Any) -> str:
    if isinstance(raw, bytes):
        text = raw[: MAX_QUARANTINE_PAYLOAD * 4].decode("utf-8", "backslashreplace")
        size = len(raw)
    elif isinstance(raw, str):
        text, size = raw, len(raw)
    else:
        text = json.dumps(raw, ensure_ascii=False, default=str)
        size = len(text)
    text = _without_nul(text)
    if len(text) > MAX_QUARANTINE_PAYLOAD:
        unit = "bytes" if isinstance(raw, bytes) else "characters"
        text = text[:MAX_QUARANTINE_PAYLOAD] + f"…[truncated, {size} {unit}]"
    return text


def quarantine(conn: Connection, feed: str, run_id: int | None, received_at: datetime, entries: Iterable) -> int:
    """Keep records that could not be stored; each entry has ``ref``, ``field``, ``reason`` and ``raw``."""
    rows = [
        {
            "feed": feed,
            "feed_run_id": run_id,
            "received_at": received_at,
            "record_ref": None if e.ref is None else _without_nul(str(e.ref))[:256],
            "field": None if e.field is None else _without_nul(e.field)[:128],
            "reason": _without_nul(e.reason),
            "payload": _payload_text(e.raw),
        }
        for e in entries
    ]
    if rows:
        conn.execute(Quarantine.__table__.insert(), rows)
    return len(rows)


def mirror_feeds(conn: Connection, feeds: Iterable[Mapping[str, Any]], now: datetime) -> None:
    """Make the ``feed`` table mirror the configuration (name, domain, protocol, interval, data age, JSON)."""
    insert = dialect_insert(conn)(Feed.__table__)
    rows = [{**f, "updated_at": now} for f in feeds]
    if not rows:
        return
    stmt = insert.on_conflict_do_update(
        index_elements=["name"],
        set_={
            c: insert.excluded[c]
            for c in ("domain", "protocol", "interval_s", "max_data_age_s", "enabled", "config_json", "updated_at")
        },
    )
    conn.execute(stmt, rows)
