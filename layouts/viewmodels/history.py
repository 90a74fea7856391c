"""What the time picker reads: the time of the newest fact the database holds (a city whose data is old opens on
its data's period)."""

from __future__ import annotations

from datetime import datetime

from dashboard.context import RequestContext
from dashboard.queries.history import newest_fact_time


def newest_data_time(context: RequestContext) -> datetime | None:
    """The newest fact's time over every domain (None: no facts) in the request ``context``'s database."""
    return newest_fact_time(context.engine)
