"""The reports page's view model: the kept daily and weekly reports, newest first, with their delivery state,
and the deliveries that failed (also shown on /feeds).

A report file is the same for every reader: it is mailed out, so personal data in it (alert texts) is always
masked (``dashboard.report.render``); the page and the files are for signed-in staff only (the gate's page rule:
never the wall or the public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from dashboard.context import RequestContext
from dashboard.queries import reports
from layouts.data import snapshot_time

#: How far back failed deliveries are listed.
FAILED_DAYS = 7


@dataclass(frozen=True)
class ReportsView:
    """Kept reports, failed deliveries of the last ``FAILED_DAYS``, and the zone times are shown in."""

    reports: pd.DataFrame
    failed: pd.DataFrame
    now: datetime
    timezone: str


def failed_deliveries(context: RequestContext, now: datetime) -> pd.DataFrame:
    """Deliveries whose last attempt failed, in the last ``FAILED_DAYS`` before ``now``."""
    return reports.failed_deliveries(context.engine, now - timedelta(days=FAILED_DAYS))


def reports_view(context: RequestContext) -> ReportsView:
    """The reports page's data, read in the request ``context``."""
    now = snapshot_time(context)
    return ReportsView(
        reports=reports.reports(context.engine),
        failed=failed_deliveries(context, now),
        now=now,
        timezone=context.timezone,
    )
