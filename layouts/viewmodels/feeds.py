"""The feeds page's view model over the selected span: every feed's status at its as-of moment, the records
quarantined and the runs started in it (masked for the viewer's role), the fields no mapping read, and how often
published figures agreed with ours in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from dashboard.context import RequestContext
from dashboard.kpis.timespan import Span
from dashboard.privacy import mask_text
from dashboard.queries import feed_dialects, feeds, identity, published
from dashboard.queries.replica import ReplicaStatus, replica_status
from layouts.components.ticket_text import may_see_personal_data
from layouts.format import local_time
from layouts.viewmodels.reports import failed_deliveries


@dataclass(frozen=True)
class FeedsView:
    """The feeds' status at ``now`` (the span's as-of moment), quarantine grid rows and runs of the span, unread
    fields by feed, the report deliveries that failed, and the staleness factor and time zone they are shown
    with."""

    status: pd.DataFrame
    quarantine: list[dict]
    runs: pd.DataFrame
    unread: dict[str, dict[str, int]]
    deliveries: pd.DataFrame
    now: datetime
    stale_factor: float
    timezone: str


def _quarantine_rows(context: RequestContext, held: pd.DataFrame) -> list[dict]:
    """The quarantine grid's rows; reasons and payloads masked unless the request's viewer may see personal
    data."""
    unmasked, tz = may_see_personal_data(context), context.timezone
    return [
        {
            "time": local_time(r.received_at, tz),
            "feed": r.feed,
            "record": r.record_ref or "",
            "field": r.field or "",
            "reason": r.reason if unmasked else mask_text(r.reason),
            "payload": r.payload if unmasked else mask_text(r.payload),
        }
        for r in held.itertuples(index=False)
    ]


def status_at(engine, span: Span, past: bool) -> pd.DataFrame:
    """Every feed's status: as it stood at the span's as-of moment when the selection names a ``past`` one (from
    the run history), else as it stands now."""
    return feeds.feed_status_at(engine, span.as_of) if past else feeds.feed_status(engine)


def feeds_view(context: RequestContext, feed: str | None, span: Span, past: bool) -> FeedsView:
    """The feeds page's data, read in the request ``context``, over ``span`` (statuses at its as-of moment, see
    :func:`status_at`); quarantine and runs of the ``feed`` alone when one is chosen."""
    engine, settings = context.engine, context.settings
    held = feeds.quarantine(engine, feed or None, start=span.start, end=span.end)
    return FeedsView(
        status=status_at(engine, span, past),
        quarantine=_quarantine_rows(context, held),
        runs=feeds.feed_runs(engine, span.start, feed or None, until=span.end),
        unread=feed_dialects.unread_by_feed(engine),
        deliveries=failed_deliveries(context, span.as_of),
        now=span.as_of,
        stale_factor=settings.stale_after_intervals,
        timezone=context.timezone,
    )


def feed_checks(context: RequestContext, span: Span) -> tuple[pd.DataFrame, pd.DataFrame, ReplicaStatus]:
    """How often each feed's published figures of ``span`` agree with ours (per feed), the names feeds gave that
    resolve to no reference entity (per kind and name), and the read replica's state (lag) as it and the primary
    see it, all read in the request ``context``."""
    engine = context.engine
    return (
        published.aqi_agreement(engine, context.timezone, span.start, span.end),
        identity.unresolved(engine),
        replica_status(engine, context.primary or engine),
    )
