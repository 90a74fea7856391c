"""The ticket tables' view model (the complaints and district pages): a page of tickets as the grid's rows, in
the viewer's language, and one ticket with its timeline."""

from __future__ import annotations

import pandas as pd

from dashboard.context import RequestContext
from dashboard.kpis.complaints import STATUS_KEYS
from dashboard.queries import complaints
from dashboard.queries.complaints import ComplaintFilter
from layouts.format import local_time, named
from layouts.i18n import t

#: The grid's columns (each sortable).
TICKET_COLUMNS = complaints.TICKET_COLUMNS


def ticket_rows(
    context: RequestContext, sel: ComplaintFilter, start: int, count: int, sort: str, descending: bool
) -> dict:
    """Rows ``start`` to ``start + count`` of the tickets ``sel`` chooses, sorted by ``sort``, as the grid's
    answer for the request ``context``: ``rowData`` (times local, names in its language) and ``rowCount``."""
    tz, lang = context.timezone, context.language
    tickets, total = complaints.tickets_page(context.engine, sel, start, count, sort, descending)
    data = [
        {
            "id": int(r.id),
            "ticket": r.ticket,
            "requested_at": local_time(r.requested_at, tz, lang=lang),
            "category": named(r._asdict(), "category", lang),
            "status": t(f"status.{r.status}", lang) if r.status in STATUS_KEYS else r.status,
            "district": named(r._asdict(), "district", lang),
            "department": named(r._asdict(), "department", lang),
            "due_at": local_time(r.due_at, tz, lang=lang),
            "closed_at": local_time(r.closed_at, tz, lang=lang),
        }
        for r in tickets.itertuples(index=False)
    ]
    return {"rowData": data, "rowCount": total}


def ticket(context: RequestContext, row_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One ticket (empty: none has that row id) and its events."""
    return complaints.ticket(context.engine, row_id)
