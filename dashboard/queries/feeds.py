"""Feed-operations queries: the health of every feed, recent problems and the quarantine."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.cache import cached
from dashboard.db.models import Feed, FeedRun, Quarantine
from dashboard.queries.base import read_frame

#: Most quarantine rows sent to the browser at once (newest first).
MAX_QUARANTINE_ROWS = 1000

STATUS_COLUMNS = [
    "name",
    "domain",
    "protocol",
    "interval_s",
    "max_data_age_s",
    "enabled",
    "last_run_at",
    "last_status",
    "last_error",
    "fetched",
    "new",
    "updated",
    "unchanged",
    "rejected",
    "last_success_at",
    "max_source_time",
    "consecutive_failures",
]


@cached
def feed_status(engine: Engine) -> pd.DataFrame:
    """One row per configured feed (and per feed that ran without being configured), see ``STATUS_COLUMNS``.

    The last run's counts, the last successful run's end, the newest source time over all runs and the number
    of failed runs since the last success.
    """
    feeds = read_frame(engine, select(Feed.name, Feed.domain, Feed.protocol, Feed.interval_s, Feed.max_data_age_s, Feed.enabled))
    last_ids = select(func.max(FeedRun.id)).group_by(FeedRun.feed)
    last = read_frame(
        engine,
        select(
            FeedRun.feed.label("name"),
            func.coalesce(FeedRun.finished_at, FeedRun.started_at).label("last_run_at"),
            FeedRun.status.label("last_status"),
            FeedRun.error.label("last_error"),
            FeedRun.fetched,
            FeedRun.new,
            FeedRun.updated,
            FeedRun.unchanged,
            FeedRun.rejected,
        ).where(FeedRun.id.in_(last_ids)),
    )
    summary = read_frame(
        engine,
        select(
            FeedRun.feed.label("name"),
            func.max(FeedRun.max_source_time).label("max_source_time"),
        ).group_by(FeedRun.feed),
    )
    success = read_frame(
        engine,
        select(
            FeedRun.feed.label("name"),
            func.max(FeedRun.id).label("last_ok_id"),
            func.max(func.coalesce(FeedRun.finished_at, FeedRun.started_at)).label("last_success_at"),
        )
        .where(FeedRun.status == "ok")
        .group_by(FeedRun.feed),
    )
    runs = read_frame(
        engine, select(FeedRun.feed.label("name"), FeedRun.id, FeedRun.status).where(FeedRun.status != "ok")
    )
    frame = feeds.merge(last, how="outer", on="name").merge(summary, how="left", on="name")
    frame = frame.merge(success, how="left", on="name")
    failures = runs.merge(success[["name", "last_ok_id"]], how="left", on="name")
    failures = failures[failures["last_ok_id"].isna() | (failures["id"] > failures["last_ok_id"])]
    frame["consecutive_failures"] = frame["name"].map(failures.groupby("name").size()).fillna(0).astype(int)
    for column in ("fetched", "new", "updated", "unchanged", "rejected"):
        frame[column] = frame[column].fillna(0).astype(int)
    return frame[STATUS_COLUMNS].sort_values("name", ignore_index=True)


@cached
def quarantine(engine: Engine, feed: str | None = None, limit: int = MAX_QUARANTINE_ROWS) -> pd.DataFrame:
    """Newest quarantined records: id, received_at, feed, record_ref, field, reason, payload (raw text)."""
    stmt = select(
        Quarantine.id,
        Quarantine.received_at,
        Quarantine.feed,
        Quarantine.record_ref,
        Quarantine.field,
        Quarantine.reason,
        Quarantine.payload,
    )
    if feed:
        stmt = stmt.where(Quarantine.feed == feed)
    return read_frame(engine, stmt.order_by(Quarantine.received_at.desc(), Quarantine.id.desc()).limit(limit))


@cached
def recent_problems(engine: Engine, since: datetime) -> pd.DataFrame:
    """Failed runs and quarantined records per feed since ``since``: failed_runs, quarantined, last_at."""
    failed = read_frame(
        engine,
        select(
            FeedRun.feed, func.count().label("failed_runs"), func.max(FeedRun.started_at).label("failed_at")
        )
        .where(FeedRun.status != "ok", FeedRun.started_at >= since)
        .group_by(FeedRun.feed),
    )
    held = read_frame(
        engine,
        select(
            Quarantine.feed,
            func.count().label("quarantined"),
            func.max(Quarantine.received_at).label("quarantined_at"),
        )
        .where(Quarantine.received_at >= since)
        .group_by(Quarantine.feed),
    )
    frame = failed.merge(held, how="outer", on="feed")
    frame["failed_runs"] = frame["failed_runs"].fillna(0).astype(int)
    frame["quarantined"] = frame["quarantined"].fillna(0).astype(int)
    frame["last_at"] = frame[["failed_at", "quarantined_at"]].max(axis=1)
    columns = ["feed", "failed_runs", "quarantined", "last_at"]
    return frame[columns].sort_values("last_at", ascending=False, ignore_index=True)
