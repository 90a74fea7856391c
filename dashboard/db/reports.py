"""Writes of the report tables: the index of kept report files and the record of every delivery attempt."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from dashboard.db.models import ReportDelivery, ReportFile
from dashboard.db.upsert import dialect_insert

#: Columns that identify a kept report (one file per period, language and format).
REPORT_KEY = ("kind", "first_day", "lang", "format")


def index_report(conn: Connection, row: Mapping[str, Any]) -> int:
    """Insert or replace the index row of a report file; its id."""
    insert = dialect_insert(conn)(ReportFile.__table__)
    changed = [c for c in row if c not in REPORT_KEY]
    conn.execute(insert.values(**row).on_conflict_do_update(index_elements=list(REPORT_KEY),
                                                            set_={c: insert.excluded[c] for c in changed}))
    key = ReportFile.__table__.c
    stmt = select(key.id).where(*(key[c] == row[c] for c in REPORT_KEY))
    return int(conn.execute(stmt).scalar_one())


def record_delivery(
    conn: Connection, report_id: int, channel: str, target: str, attempt: int, status: str, error: str | None,
    at: datetime, next_attempt_at: datetime | None = None,
) -> None:
    """Keep one delivery attempt (status ``ok`` or ``failed`` with its error and, when it is to be tried again,
    when)."""
    conn.execute(
        ReportDelivery.__table__.insert().values(
            report_id=report_id, channel=channel, target=target[:255], attempt=attempt, status=status,
            error=error, attempted_at=at, next_attempt_at=next_attempt_at,
        )
    )
