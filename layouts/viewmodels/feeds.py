"""The feeds page's view model: every feed's status, its quarantined records (masked for the viewer's role), the
last day's runs and the fields no mapping read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from dashboard.context import request_context
from dashboard.privacy import mask_text
from dashboard.queries import feed_dialects, feeds, identity, published
from dashboard.queries.replica import ReplicaStatus, replica_status
from layouts.components.ticket_text import may_see_personal_data
from layouts.data import snapshot_time
from layouts.format import local_time
from layouts.viewmodels.reports import failed_deliveries


@dataclass(frozen=True)
class FeedsView:
    """The feeds' status, quarantine grid rows, runs of the last 24 hours, unread fields by feed, the report
    deliveries that failed, and the time, staleness factor and time zone they are shown with."""

    status: pd.DataFrame
    quarantine: list[dict]
    runs: pd.DataFrame
    unread: dict[str, dict[str, int]]
    deliveries: pd.DataFrame
    now: datetime
    stale_factor: float
    timezone: str


def _quarantine_rows(held: pd.DataFrame, tz: str) -> list[dict]:
    """The quarantine grid's rows; reasons and payloads masked unless the viewer may see personal data."""
    unmasked = may_see_personal_data()
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


def feeds_view(feed: str | None) -> FeedsView:
    """The feeds page's data; quarantine and runs of the ``feed`` alone when one is chosen."""
    context = request_context()
    engine, settings = context.engine, context.settings
    tz = settings.city_timezone
    status = feeds.feed_status(engine)
    quarantine = _quarantine_rows(feeds.quarantine(engine, feed or None), tz)
    now = snapshot_time()
    return FeedsView(
        status=status,
        quarantine=quarantine,
        runs=feeds.feed_runs(engine, now - timedelta(hours=24), feed or None),
        unread=feed_dialects.unread_by_feed(engine),
        deliveries=failed_deliveries(now),
        now=now,
        stale_factor=settings.stale_after_intervals,
        timezone=tz,
    )


def feed_checks() -> tuple[pd.DataFrame, pd.DataFrame, ReplicaStatus]:
    """How often each feed's published figures agree with ours (per feed), the names feeds gave that resolve
    to no reference entity (per kind and name), and the read replica's state (lag) as it and the primary see it."""
    context = request_context()
    engine = context.engine
    return (
        published.aqi_agreement(engine, context.settings.city_timezone),
        identity.unresolved(engine),
        replica_status(engine, context.primary or engine),
    )
