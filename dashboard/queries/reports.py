"""Reads of the kept reports and their deliveries (for the reports page, /feeds and the delivery retries)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, case, func, select

from dashboard.db.models import ReportDelivery, ReportFile
from dashboard.queries.base import read_frame

REPORT_COLUMNS = (
    ReportFile.id, ReportFile.kind, ReportFile.first_day, ReportFile.last_day, ReportFile.lang, ReportFile.format,
    ReportFile.path, ReportFile.sha256, ReportFile.size, ReportFile.incomplete, ReportFile.note,
    ReportFile.generated_at,
)


def reports(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """Kept reports, newest period first, with their last delivery's status (``delivery``: ok, retrying (failed,
    to be tried again), failed or empty) and the number of failed delivery attempts."""
    attempts = (
        select(
            ReportDelivery.report_id,
            func.max(ReportDelivery.id).label("last_attempt"),
            func.sum((ReportDelivery.status == "failed").cast(ReportDelivery.attempt.type)).label("failures"),
        )
        .group_by(ReportDelivery.report_id)
        .subquery()
    )
    last = ReportDelivery.__table__.alias("last_delivery")
    delivery = case((last.c.next_attempt_at.is_not(None), "retrying"), else_=last.c.status)
    stmt = (
        select(*REPORT_COLUMNS, delivery.label("delivery"), attempts.c.failures)
        .outerjoin(attempts, attempts.c.report_id == ReportFile.id)
        .outerjoin(last, last.c.id == attempts.c.last_attempt)
        .order_by(ReportFile.first_day.desc(), ReportFile.kind, ReportFile.lang, ReportFile.format)
        .limit(limit)
    )
    frame = read_frame(engine, stmt)
    frame["failures"] = pd.to_numeric(frame["failures"]).fillna(0).astype(int)
    return frame


def report(engine: Engine, report_id: int) -> dict | None:
    """One kept report's index row, with the summary its deliveries send."""
    frame = read_frame(engine, select(*REPORT_COLUMNS, ReportFile.summary).where(ReportFile.id == report_id))
    return None if frame.empty else frame.iloc[0].to_dict()


def deliveries(engine: Engine, since: datetime | None = None, report_id: int | None = None) -> pd.DataFrame:
    """Delivery attempts (newest first): report, channel, target, attempt, status, error, time, and when a failed
    one is tried again (none: it was the last)."""
    stmt = select(
        ReportDelivery.id, ReportDelivery.report_id, ReportFile.kind, ReportFile.first_day, ReportFile.lang,
        ReportFile.format, ReportDelivery.channel, ReportDelivery.target, ReportDelivery.attempt,
        ReportDelivery.status, ReportDelivery.error, ReportDelivery.attempted_at, ReportDelivery.next_attempt_at,
    ).join(ReportFile, ReportFile.id == ReportDelivery.report_id)
    if since is not None:
        stmt = stmt.where(ReportDelivery.attempted_at >= since)
    if report_id is not None:
        stmt = stmt.where(ReportDelivery.report_id == report_id)
    return read_frame(engine, stmt.order_by(ReportDelivery.attempted_at.desc(), ReportDelivery.id.desc()).limit(500))


def failed_deliveries(engine: Engine, since: datetime) -> pd.DataFrame:
    """Deliveries whose last attempt (per report, channel and target) since ``since`` failed: what /feeds shows
    as undelivered (``next_attempt_at``: when it is tried again; none: it will not be)."""
    frame = deliveries(engine, since)
    if frame.empty:
        return frame
    last = frame.drop_duplicates(["report_id", "channel", "target"], keep="first")
    return last[last["status"] != "ok"].reset_index(drop=True)


def due_deliveries(engine: Engine, now: datetime) -> pd.DataFrame:
    """Deliveries whose last attempt (per report, channel and target) failed and is due to be tried again by
    ``now``: report, channel, target, attempt (the last one's number), oldest first."""
    last = (
        select(func.max(ReportDelivery.id).label("id"))
        .group_by(ReportDelivery.report_id, ReportDelivery.channel, ReportDelivery.target)
        .subquery()
    )
    stmt = (
        select(ReportDelivery.report_id, ReportDelivery.channel, ReportDelivery.target, ReportDelivery.attempt)
        .join(last, last.c.id == ReportDelivery.id)
        .where(ReportDelivery.status == "failed", ReportDelivery.next_attempt_at <= now)
        .order_by(ReportDelivery.next_attempt_at, ReportDelivery.id)
    )
    return read_frame(engine, stmt)
