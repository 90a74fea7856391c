"""Freshness: how new the data of a feed (or of a KPI fed by several feeds) is, and since when it is stale.

A feed is stale when its collector is late — no successful run for ``factor`` × its interval (upstream
down, credentials refused, collector stopped) — or, for a feed that declares ``max_data_age_s``, when its
newest source time is older than that (the upstream answers but has stopped producing). Feeds whose data
legitimately pauses (service halls at night) declare no data age and are judged by their runs alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd


@dataclass(frozen=True)
class Freshness:
    """``as_of`` is the newest source time (None: never received); ``stale_since`` is None while fresh."""

    as_of: datetime | None
    stale_since: datetime | None

    @property
    def stale(self) -> bool:
        return self.as_of is None or self.stale_since is not None


def _moment(value) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def feed_freshness(
    as_of: datetime | None,
    last_success_at: datetime | None,
    interval_s: float,
    max_data_age_s: float | None,
    now: datetime,
    factor: float,
) -> Freshness:
    """Freshness of one feed (see the module's rule). Seen at a past moment (``now`` before the newest source
    time: an as-of view), the data reaches that moment and counts as fresh then."""
    if as_of is None:
        return Freshness(None, None)
    if as_of > now:
        return Freshness(now, None)
    limits = []
    if last_success_at is not None:
        limits.append(last_success_at + timedelta(seconds=factor * interval_s))
    if max_data_age_s is not None:
        limits.append(as_of + timedelta(seconds=max_data_age_s))
    passed = [limit for limit in limits if now > limit]
    return Freshness(as_of, min(passed) if passed else None)


def row_freshness(row, now: datetime, factor: float) -> Freshness:
    """Freshness of a row of ``dashboard.queries.feeds.feed_status``."""
    return feed_freshness(
        _moment(row.max_source_time),
        _moment(row.last_success_at),
        _number(row.interval_s) or 0.0,
        _number(row.max_data_age_s),
        now,
        factor,
    )


def _judged(feeds: pd.DataFrame, domains: Iterable[str], now: datetime, factor: float) -> list[Freshness]:
    """Freshness of each enabled feed of ``domains`` (plain column lists: no row objects per call)."""
    wanted = set(domains)
    columns = ("domain", "enabled", "max_source_time", "last_success_at", "interval_s", "max_data_age_s")
    return [
        feed_freshness(_moment(as_of), _moment(success), _number(interval) or 0.0, _number(age), now, factor)
        for domain, enabled, as_of, success, interval, age in zip(*(feeds[c].tolist() for c in columns), strict=True)
        if domain in wanted and _number(enabled)
    ]


def domain_freshness(feeds: pd.DataFrame, domains: Iterable[str], now: datetime, factor: float) -> Freshness:
    """Freshness of data fed by the enabled feeds of ``domains`` (rows of ``feed_status``).

    The data time is the newest among those feeds; the data is stale as soon as any of them is, since then.
    """
    judged = _judged(feeds, domains, now, factor)
    received = [f for f in judged if f.as_of is not None]
    if not received:
        return Freshness(None, None)
    stale = [f.stale_since for f in judged if f.stale_since is not None]
    return Freshness(max(f.as_of for f in received), min(stale) if stale else None)


def seen_at(freshness: Freshness, newest: datetime | None, moment: datetime) -> Freshness:
    """``freshness`` (judged by the feeds' state) seen at ``moment``, given the newest fact at or before it.

    The feeds' state tells of their latest runs only: when it has nothing (a database of imported facts) or its
    data reaches past ``moment`` (an as-of view), the data time at ``moment`` is that of the newest fact by then,
    and no run was late then as far as the facts tell (no fact by then: no data yet)."""
    if freshness.as_of is not None and freshness.as_of < moment:
        return freshness
    return Freshness(newest, None)
