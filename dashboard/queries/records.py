"""Complaint records with their free text, for the API and its CSV export (masked per role by the caller)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.db.models import Complaint
from dashboard.queries.base import read_frame

#: Most records one request returns.
MAX_RECORDS = 1000


def recent_complaints(
    engine: Engine, start: datetime, end: datetime, district: str | None = None, limit: int = 100
) -> pd.DataFrame:
    """Complaints received in [start, end), newest first, with description and address (never cached)."""
    stmt = select(
        Complaint.source,
        Complaint.source_id,
        Complaint.category,
        Complaint.category_name,
        Complaint.status,
        Complaint.district_code,
        Complaint.requested_at,
        Complaint.closed_at,
        Complaint.description,
        Complaint.address,
    ).where(Complaint.requested_at >= start, Complaint.requested_at < end)
    if district:
        stmt = stmt.where(Complaint.district_code == district)
    return read_frame(engine, stmt.order_by(Complaint.requested_at.desc()).limit(min(limit, MAX_RECORDS)))
