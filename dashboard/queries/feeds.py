"""Feed-operations queries: the health of every feed (now, or at a past moment from the run history), recent
problems, the quarantine and the run history."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, exists, func, null, select, union_all
from sqlalchemy.orm import aliased

from dashboard.cache import cached
from dashboard.db.models import (
    Feed,
    FeedRun,
    FeedState,
    Quarantine,
)
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


#: The counts of a feed's state (0 for a feed that never ran).
COUNTS = ("fetched", "new", "updated", "unchanged", "rejected", "consecutive_failures")
FEED_COLUMNS = (Feed.name, Feed.domain, Feed.protocol, Feed.interval_s, Feed.max_data_age_s, Feed.enabled)
STATE_COLUMNS = tuple(  # in the order of STATUS_COLUMNS
    func.coalesce(FeedState.__table__.c[name], 0).label(name) if name in COUNTS else FeedState.__table__.c[name]
    for name in STATUS_COLUMNS[len(FEED_COLUMNS):]
)
#: Configured feeds with their state, then the feeds that ran without being configured (STATUS_COLUMNS).
FEED_STATUS = union_all(
    select(*FEED_COLUMNS, *STATE_COLUMNS).outerjoin(FeedState, FeedState.feed == Feed.name),
    select(FeedState.feed, *(null() for _ in FEED_COLUMNS[1:]), *STATE_COLUMNS).where(
        ~exists().where(Feed.name == FeedState.feed)
    ),
)


@cached
def feed_status(engine: Engine) -> pd.DataFrame:
    """One row per configured feed (and per feed that ran without being configured), see ``STATUS_COLUMNS``.

    The last run's counts, the last successful run's end, the newest source time over all runs and the number
    of failed runs since the last success, as ``feed_state`` keeps them.
    """
    return read_frame(engine, FEED_STATUS, integers=COUNTS).sort_values("name", ignore_index=True)


def _newest_run(feed, at: datetime, *conditions):
    """The id of ``feed``'s newest fetch run started by ``at`` that meets ``conditions`` (an index seek on
    ``ix_feed_run_feed_started_at``)."""
    return (
        select(FeedRun.id)
        .where(FeedRun.feed == feed, FeedRun.kind == "fetch", FeedRun.started_at <= at, *conditions)
        .order_by(FeedRun.started_at.desc(), FeedRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )


@cached
def feed_status_at(engine: Engine, at: datetime) -> pd.DataFrame:
    """:func:`feed_status` as it stood at the past moment ``at``, from the fetch runs started by then: the last
    of them (its end, outcome, counts and error), the end of the last successful one, the newest source time
    reported by the last run that reported one (a feed's source times move forward from run to run; the kept
    state takes their maximum) and the failed runs after the last success. A feed that had not run by then has
    no state. Each is an index seek per feed, however long the run history."""
    names = union_all(select(Feed.name), select(FeedState.feed)).subquery()
    ids = select(
        names.c.name,
        _newest_run(names.c.name, at).label("last_id"),
        _newest_run(names.c.name, at, FeedRun.status == "ok").label("ok_id"),
        _newest_run(names.c.name, at, FeedRun.max_source_time.is_not(None)).label("source_id"),
    ).distinct().subquery()
    last, ok, source = (aliased(FeedRun) for _ in range(3))
    failures = (
        select(func.count())
        .where(FeedRun.feed == ids.c.name, FeedRun.kind == "fetch", FeedRun.started_at <= at)
        .where(FeedRun.status != "ok", (ok.id.is_(None)) | (FeedRun.started_at > ok.started_at))
        .scalar_subquery()
    )
    state = (
        select(
            ids.c.name.label("feed"),
            func.coalesce(last.finished_at, last.started_at).label("last_run_at"),
            last.status.label("last_status"),
            last.error.label("last_error"),
            *(getattr(last, c) for c in COUNTS[:-1]),
            func.coalesce(ok.finished_at, ok.started_at).label("last_success_at"),
            source.max_source_time,
            failures.label("consecutive_failures"),
        )
        .join(last, last.id == ids.c.last_id)
        .outerjoin(ok, ok.id == ids.c.ok_id)
        .outerjoin(source, source.id == ids.c.source_id)
    )
    frame = read_frame(engine, state)
    configured = read_frame(engine, select(*FEED_COLUMNS))
    merged = configured.merge(frame.rename(columns={"feed": "name"}), how="outer", on="name")
    merged[list(COUNTS)] = merged[list(COUNTS)].fillna(0).astype(int)
    return merged[STATUS_COLUMNS].sort_values("name", ignore_index=True)


@cached
def quarantine(
    engine: Engine,
    feed: str | None = None,
    limit: int = MAX_QUARANTINE_ROWS,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """Newest quarantined records (received in [``start``, ``end``) when given): id, received_at, feed,
    record_ref, field, reason, payload (raw text)."""
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
    if start is not None:
        stmt = stmt.where(Quarantine.received_at >= start)
    if end is not None:
        stmt = stmt.where(Quarantine.received_at < end)
    return read_frame(engine, stmt.order_by(Quarantine.received_at.desc(), Quarantine.id.desc()).limit(limit))


@cached
def recent_problems(engine: Engine, since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """Failed runs and quarantined records per feed since ``since`` (before ``until`` when given): failed_runs,
    quarantined, last_at."""
    failed = select(
        FeedRun.feed, func.count().label("failed_runs"), func.max(FeedRun.started_at).label("failed_at")
    ).where(FeedRun.status != "ok", FeedRun.started_at >= since)
    held = select(
        Quarantine.feed,
        func.count().label("quarantined"),
        func.max(Quarantine.received_at).label("quarantined_at"),
    ).where(Quarantine.received_at >= since)
    if until is not None:
        failed = failed.where(FeedRun.started_at < until)
        held = held.where(Quarantine.received_at < until)
    failed = read_frame(engine, failed.group_by(FeedRun.feed))
    held = read_frame(engine, held.group_by(Quarantine.feed))
    frame = failed.merge(held, how="outer", on="feed")
    frame["failed_runs"] = frame["failed_runs"].fillna(0).astype(int)
    frame["quarantined"] = frame["quarantined"].fillna(0).astype(int)
    frame["last_at"] = frame[["failed_at", "quarantined_at"]].max(axis=1)
    columns = ["feed", "failed_runs", "quarantined", "last_at"]
    return frame[columns].sort_values("last_at", ascending=False, ignore_index=True)


@cached
def feed_runs(
    engine: Engine, since: datetime, feed: str | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Runs started since ``since`` (and before ``until`` when given): feed, started_at, seconds, status,
    fetched, new, updated, unchanged, rejected, error (newest first, at most 2,000)."""
    stmt = select(
        FeedRun.feed,
        FeedRun.started_at,
        FeedRun.finished_at,
        FeedRun.status,
        FeedRun.fetched,
        FeedRun.new,
        FeedRun.updated,
        FeedRun.unchanged,
        FeedRun.rejected,
        FeedRun.error,
    ).where(FeedRun.started_at >= since)
    if until is not None:
        stmt = stmt.where(FeedRun.started_at < until)
    if feed:
        stmt = stmt.where(FeedRun.feed == feed)
    frame = read_frame(engine, stmt.order_by(FeedRun.started_at.desc(), FeedRun.id.desc()).limit(2000))
    frame["seconds"] = (
        pd.to_datetime(frame["finished_at"], utc=True) - pd.to_datetime(frame["started_at"], utc=True)
    ).dt.total_seconds()
    return frame.drop(columns="finished_at")


@cached
def runs_between(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Every run started in [start, end): feed, started_at, finished_at, status, error (in order of start)."""
    stmt = (
        select(FeedRun.feed, FeedRun.started_at, FeedRun.finished_at, FeedRun.status, FeedRun.error)
        .where(FeedRun.started_at >= start, FeedRun.started_at < end)
        .order_by(FeedRun.started_at, FeedRun.id)
    )
    return read_frame(engine, stmt)
