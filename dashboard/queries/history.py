"""How recent the facts are: the newest event time of each domain (one index look-up each), so that a page over an
imported archive can open on the data's own period instead of an empty "now"."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, func, select

from dashboard.cache import cached
from dashboard.db.models import Complaint, HallTicket, SensorReading, TrafficObservation
from dashboard.queries.base import read_rows

#: The event time of each domain's facts (each column indexed: its maximum is one index look-up).
EVENT_TIMES = {
    "complaints": Complaint.requested_at,
    "halls": HallTicket.issued_at,
    "traffic": TrafficObservation.observed_at,
    "environment": SensorReading.observed_at,
}

NEWEST = select(*(select(func.max(column)).scalar_subquery().label(name) for name, column in EVENT_TIMES.items()))
OLDEST = select(*(select(func.min(column)).scalar_subquery().label(name) for name, column in EVENT_TIMES.items()))
#: :data:`NEWEST` at or before the bound ``moment``.
NEWEST_UNTIL = select(
    *(select(func.max(column)).where(column <= bindparam("moment")).scalar_subquery().label(name)
      for name, column in EVENT_TIMES.items())
)


def _utc(value) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@cached
def newest_facts(engine: Engine) -> dict[str, datetime | None]:
    """The newest event time of each domain's facts (None: no facts), in one statement."""
    (row,) = read_rows(engine, NEWEST)
    return {name: _utc(value) for name, value in row._mapping.items()}


@cached
def oldest_facts(engine: Engine) -> dict[str, datetime | None]:
    """The oldest event time of each domain's facts (None: no facts), in one statement."""
    (row,) = read_rows(engine, OLDEST)
    return {name: _utc(value) for name, value in row._mapping.items()}


@cached
def newest_facts_until(engine: Engine, moment: datetime) -> dict[str, datetime | None]:
    """The newest event time of each domain's facts at or before ``moment`` (None: none by then)."""
    (row,) = read_rows(engine, NEWEST_UNTIL, {"moment": moment})
    return {name: _utc(value) for name, value in row._mapping.items()}


def has_facts_before(engine: Engine, moment: datetime) -> bool:
    """Whether any domain holds a fact older than ``moment`` (a span ending by then has data, if only zeros)."""
    return any(oldest is not None and oldest < moment for oldest in oldest_facts(engine).values())


def newest_fact_time(engine: Engine) -> datetime | None:
    """The newest event time over every domain (None: no facts at all)."""
    times = [moment for moment in newest_facts(engine).values() if moment is not None]
    return max(times) if times else None
