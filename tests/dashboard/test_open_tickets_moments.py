"""The backlog and overdue counts at moments around a handful of tickets, each moment an event time of one of them
or a second either side (requested, closed or due exactly at the moment included), equal a count over the
tickets themselves: requested by the moment, not closed by it, and (overdue) due before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collectors.records import ComplaintRecord
from collectors.sinks import store
from dashboard.queries.kpis import open_tickets

TZ = "Asia/Shanghai"
T = datetime(2026, 11, 10, 2, 20, tzinfo=UTC)  # 10:20 local, inside an hour
HOUR = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
M, D = timedelta(minutes=1), timedelta(days=1)

#: (id, district, requested, closed, due) of each ticket, in its first pull.
TICKETS = [
    ("requested-at-t", "A", T, None, T + D),
    ("closed-at-t", "A", T - 3 * D, T, T - D),
    ("due-at-t", "B", T - 2 * D, None, T),
    ("requested-after-t", "A", T + M, None, T + 2 * D),
    ("closed-after-t", "B", T - 5 * D, T + M, T - 4 * D),
    ("in-the-hour", "A", HOUR + 5 * M, HOUR + 9 * M, HOUR + 7 * M),
    ("due-before-requested", "B", T - 10 * M, None, T - D),
    ("closed-in-the-hour", "A", T - 4 * D, HOUR + 3 * M, T + D),
    ("closed-late-in-the-hour", "B", T - 4 * D, HOUR + 1 * M, T - 2 * D),
    ("closed-on-the-hour", "A", T - 6 * D, HOUR, T - 6 * D + M),
    ("requested-on-the-hour", "B", HOUR, None, HOUR + 10 * M),
    ("no-deadline", "A", T - 30 * D, None, None),
    ("long-overdue", "B", T - 40 * D, None, T - 35 * D),
    ("closed-days-later", "A", T - 3 * D, T + 3 * D, T - 2 * D),
    ("closed-on-time-before", "B", T - 9 * D, T - 8 * D, T - 7 * D),
    ("closed-before-its-hour", "A", HOUR - 20 * M, HOUR - 10 * M, HOUR - 15 * M),
]
#: The second pull: one ticket closed after all, one reopened (its closure gone).
LATER = {"requested-at-t": T + 2 * D, "closed-days-later": None}


def _record(source_id: str, district: str, requested, closed, due) -> ComplaintRecord:
    return ComplaintRecord(
        source_id=source_id, category="road", status="closed" if closed else "accepted", district_code=district,
        requested_at=requested, closed_at=closed, due_at=due, updated_at=max(t for t in (requested, closed) if t),
    )


def _counted(tickets, moment: datetime, district: str | None = None) -> tuple[int, int]:
    """(backlog, overdue) at ``moment`` by going through the tickets."""
    backlog = overdue = 0
    for _, where, requested, closed, due in tickets:
        if district not in (None, where) or requested > moment or (closed is not None and closed <= moment):
            continue
        backlog += 1
        overdue += due is not None and due < moment
    return backlog, overdue


def _moments(tickets) -> list[datetime]:
    times = {t for _, _, *events in tickets for t in events if t is not None} | {T, HOUR, HOUR + 60 * M}
    return sorted({t + s for t in times for s in (-timedelta(seconds=1), timedelta(0), timedelta(seconds=1))})


def _check(engine, tickets) -> set[tuple[int, int]]:
    seen = set()
    for moment in _moments(tickets):
        assert open_tickets(engine, moment) == _counted(tickets, moment), moment
        for district in ("A", "B"):
            assert open_tickets(engine, moment, district) == _counted(tickets, moment, district), (moment, district)
        seen.add(open_tickets(engine, moment))
    return seen


def test_open_tickets_at_moments_around_their_events(engine):
    with engine.begin() as conn:
        store(conn, "complaints", "hotline", [_record(*t) for t in TICKETS], T + 5 * D, timezone=TZ)
    seen = _check(engine, TICKETS)
    assert (0, 0) in seen and len(seen) > 10, seen
    later = [(i, w, r, LATER.get(i, c), d) for i, w, r, c, d in TICKETS]
    with engine.begin() as conn:
        store(conn, "complaints", "hotline", [_record(*t) for t in later if t[0] in LATER], T + 6 * D, timezone=TZ)
    _check(engine, later)
