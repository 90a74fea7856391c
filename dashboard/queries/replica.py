"""How far the read replica is behind the primary (PostgreSQL streaming replication), for the feeds page.

Two views of the same lag, both live (never cached):

- the replica's own: ``pg_last_xact_replay_timestamp()`` is the commit time of the newest transaction it has
  replayed; when it has replayed everything it has received, it is caught up (lag 0), otherwise the lag is the
  time since that commit. (On an idle primary the replay time stops moving: "caught up" tells that apart from a
  replica that stopped replaying.)
- the primary's: ``pg_stat_replication`` lists each standby streaming from it, its state and how many bytes of
  WAL it has still to replay. (Its ``replay_lag`` is left out: it keeps its last value while replay is paused or
  the primary is idle, so it can say "0 s" of a standby that is behind, or seconds of one caught up.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from dashboard.db.types import UTCDateTime

REPLICA_SQL = text(
    "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', "
    "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), "
    "pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(), "
    "CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END"
)

SENDERS_SQL = text(
    "SELECT application_name, host(client_addr), state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
    "FROM pg_stat_replication ORDER BY application_name, client_addr"
)


@dataclass(frozen=True)
class Standby:
    """A standby as the primary sees it."""

    name: str
    address: str | None
    state: str
    behind_bytes: float | None  # WAL the primary has written that the standby has not replayed yet


@dataclass(frozen=True)
class ReplicaStatus:
    """The read replica's lag, as the replica and as the primary see it."""

    reachable: bool
    in_recovery: bool = False
    replayed_to: datetime | None = None  # commit time of the newest transaction replayed
    lag_s: float | None = None  # 0 when caught up; None when nothing was replayed yet or unreachable
    paused: bool = False
    error: str | None = None
    standbys: list[Standby] = field(default_factory=list)


def replica_status(read_engine: Engine, primary: Engine) -> ReplicaStatus | None:
    """The replica's status; None when reads go to the primary (no replica configured, or not PostgreSQL)."""
    if read_engine is primary or read_engine.dialect.name != "postgresql":
        return None
    standbys = _standbys(primary)
    try:
        with read_engine.connect() as conn:
            in_recovery, replayed_to, age_s, caught_up, paused = conn.execute(REPLICA_SQL).one()
    except SQLAlchemyError as exc:
        return ReplicaStatus(reachable=False, error=type(exc).__name__, standbys=standbys)
    if caught_up and not paused:
        lag = 0.0
    else:
        lag = None if age_s is None else max(float(age_s), 0.0)
    replayed = UTCDateTime().process_result_value(replayed_to, None) if replayed_to is not None else None
    return ReplicaStatus(True, bool(in_recovery), replayed, lag, bool(paused), standbys=standbys)


def _standbys(primary: Engine) -> list[Standby]:
    try:
        with primary.connect() as conn:
            rows = conn.execute(SENDERS_SQL).all()
    except SQLAlchemyError:
        return []
    return [Standby(name, address, state, None if behind is None else float(behind))
            for name, address, state, behind in rows]
