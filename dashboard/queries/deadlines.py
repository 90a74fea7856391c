"""Deadlines not yet reached in the hour a period ends in.

The rollups count a ticket as due in the hour of its deadline, and a period ending now reads the current hour
whole: a deadline later in that hour has not fallen yet (DESIGN §6: on-time closure is over the tickets whose
deadline fell in the period). These tickets, read from the deadline index, are taken out of ``due`` and
``due_met``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, case, func, select

from dashboard.cache import cached
from dashboard.db.models import Complaint
from dashboard.queries.base import read_frame


def _hour_end(moment: datetime) -> datetime:
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start if start == moment else start + timedelta(hours=1)


@cached
def not_yet_due(engine: Engine, end: datetime) -> pd.DataFrame:
    """Per district (``code``, '' when unknown): tickets due in [end, the end of its hour), as ``due`` and
    ``due_met`` (those already closed); empty when ``end`` is on the hour."""
    met = case((Complaint.closed_at.is_not(None) & (Complaint.closed_at <= Complaint.due_at), 1), else_=0)
    code = func.coalesce(Complaint.district_code, "")
    stmt = (
        select(code.label("code"), func.count().label("due"), func.sum(met).label("due_met"))
        .where(Complaint.due_at >= end, Complaint.due_at < _hour_end(end))
        .group_by(code)
    )
    frame = read_frame(engine, stmt)
    return frame.astype({"due": int, "due_met": int})


def subtract(sums: dict, ahead: pd.DataFrame, code: str | None = None) -> dict:
    """``sums`` (holding ``due`` and ``due_met``) without the tickets of ``ahead`` (of district ``code`` only,
    when given)."""
    rows = ahead if code is None else ahead[ahead["code"] == code]
    return sums | {k: sums[k] - float(rows[k].sum()) for k in ("due", "due_met") if k in sums}
