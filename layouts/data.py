"""The moment a page is drawn for (the read side is reached through the pages' view models, layouts/viewmodels)."""

from __future__ import annotations

from datetime import datetime

from dashboard import clock
from dashboard.context import RequestContext
from dashboard.kpis.periods import floor_time


def snapshot_time(context: RequestContext) -> datetime:
    """Now, rounded down to the request's refresh interval so that concurrent viewers share cached queries."""
    return floor_time(clock.now(), context.settings.refresh_seconds)
