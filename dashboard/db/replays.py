"""Reads and writes of quarantine replays and file reprocessing: the quarantined entries of a feed, releasing
them once replayed, and forgetting a file's cursor so that it is read again."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select

from dashboard.db.models import FeedCursor, Quarantine


def quarantined(conn: Connection, feed: str, since: datetime | None = None) -> list[tuple[int, str | None, str]]:
    """``(id, record_ref, payload)`` of the feed's quarantined entries (received since ``since``), oldest first."""
    stmt = select(Quarantine.id, Quarantine.record_ref, Quarantine.payload).where(Quarantine.feed == feed)
    if since is not None:
        stmt = stmt.where(Quarantine.received_at >= since)
    return [tuple(row) for row in conn.execute(stmt.order_by(Quarantine.id))]


def release(conn: Connection, ids: Iterable[int]) -> int:
    """Remove quarantined entries that a replay has dealt with (stored, filtered or quarantined anew)."""
    ids = list(ids)
    for start in range(0, len(ids), 500):
        conn.execute(delete(Quarantine).where(Quarantine.id.in_(ids[start : start + 500])))
    return len(ids)


def file_entries(conn: Connection, feed: str, file_name: str) -> list[int]:
    """Ids of the feed's quarantined entries that came from the drop file ``file_name`` (its rows, or the file)."""
    prefix = '{"file": ' + json.dumps(file_name, ensure_ascii=False) + ", "
    stmt = select(Quarantine.id).where(
        Quarantine.feed == feed,
        or_(Quarantine.payload.startswith(prefix, autoescape=True),
            (Quarantine.record_ref == file_name) & Quarantine.field.is_(None)),
    )
    return list(conn.execute(stmt).scalars())


def forget_cursor(conn: Connection, feed: str, partition: str) -> None:
    """Drop one partition of a feed's cursor (a drop file's checksum), so that it is read again."""
    conn.execute(delete(FeedCursor).where(FeedCursor.feed == feed, FeedCursor.partition == partition))
