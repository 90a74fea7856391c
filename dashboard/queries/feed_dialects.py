"""What each feed's newest run read past: source fields no mapping reads (and note kinds no table knows),
and the rows its filters left out — for the feeds page."""

from __future__ import annotations

import json

from sqlalchemy import Engine, func, select

from dashboard.cache import cached
from dashboard.db.models import FeedRun


@cached
def unread_by_feed(engine: Engine) -> dict[str, dict[str, int]]:
    """Feed -> {source field: values that arrived in it unread} of its newest fetch run that recorded any."""
    newest = (
        select(func.max(FeedRun.id))
        .where(FeedRun.kind == "fetch", FeedRun.unread_json.is_not(None))
        .group_by(FeedRun.feed)
    )
    stmt = select(FeedRun.feed, FeedRun.unread_json).where(FeedRun.id.in_(newest))
    with engine.connect() as conn:
        return {feed: json.loads(unread) for feed, unread in conn.execute(stmt)}
