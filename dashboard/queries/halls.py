"""Service-hall queries: waiting times (called − issued) and long waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.cache import cached
from dashboard.db.models import HallTicket
from dashboard.queries.base import read_frame
from dashboard.queries.reference import halls


@dataclass(frozen=True)
class HallWait:
    """Mean wait in minutes over ``called`` tickets (None when none was called yet)."""

    mean_minutes: float | None
    called: int


def _tickets(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    stmt = select(HallTicket.hall_code, HallTicket.issued_at, HallTicket.called_at).where(
        HallTicket.issued_at >= start, HallTicket.issued_at < end
    )
    return read_frame(engine, stmt)


def _minutes_waited(issued: pd.Series, called: pd.Series) -> pd.Series:
    """Minutes from issue to call; both parsed as UTC times (a column of only None comes back as objects)."""
    return (pd.to_datetime(called, utc=True) - pd.to_datetime(issued, utc=True)).dt.total_seconds() / 60


@cached
def wait_stats(engine: Engine, start: datetime, end: datetime) -> HallWait:
    """Mean wait of tickets issued in [start, end) that have been called."""
    tickets = _tickets(engine, start, end).dropna(subset=["called_at"])
    if tickets.empty:
        return HallWait(None, 0)
    minutes = _minutes_waited(tickets["issued_at"], tickets["called_at"])
    return HallWait(float(minutes.clip(lower=0).mean()), len(tickets))


@cached
def long_waits(engine: Engine, start: datetime, now: datetime, threshold_minutes: float = 30) -> pd.DataFrame:
    """Per hall, tickets issued in [start, now) that waited (or still wait) longer than the threshold.

    Columns: hall_code, name_zh, name_en, tickets, max_wait_minutes; halls without long waits are left out.
    """
    tickets = _tickets(engine, start, now)
    columns = ["hall_code", "name_zh", "name_en", "tickets", "max_wait_minutes"]
    if tickets.empty:
        return pd.DataFrame(columns=columns)
    called = pd.to_datetime(tickets["called_at"], utc=True).fillna(pd.Timestamp(now))
    tickets["wait"] = _minutes_waited(tickets["issued_at"], called)
    long = tickets[tickets["wait"] > threshold_minutes]
    grouped = long.groupby("hall_code")["wait"].agg(tickets="count", max_wait_minutes="max").reset_index()
    names = halls(engine)[["code", "name_zh", "name_en"]].rename(columns={"code": "hall_code"})
    merged = grouped.merge(names, how="left", on="hall_code")
    merged["name_zh"] = merged["name_zh"].fillna(merged["hall_code"])
    merged["name_en"] = merged["name_en"].fillna(merged["hall_code"])
    return merged[columns].sort_values("max_wait_minutes", ascending=False, ignore_index=True)
