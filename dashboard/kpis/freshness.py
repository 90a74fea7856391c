"""Freshness of a KPI: the newest source time of the feeds it depends on, and since when it is stale."""

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


def feed_freshness(as_of: datetime | None, interval_s: float, now: datetime, factor: float) -> Freshness:
    """A feed is stale once its newest source time is older than ``factor`` × its interval."""
    if as_of is None:
        return Freshness(None, None)
    limit = as_of + timedelta(seconds=factor * interval_s)
    return Freshness(as_of, limit if now > limit else None)


def domain_freshness(feeds: pd.DataFrame, domains: Iterable[str], now: datetime, factor: float) -> Freshness:
    """Freshness of data fed by the feeds of ``domains`` (rows: domain, interval_s, max_source_time).

    The newest source time among those feeds counts, judged against the interval of the feed that has it.
    """
    rows = feeds[feeds["domain"].isin(list(domains)) & feeds["max_source_time"].notna()]
    if rows.empty:
        return Freshness(None, None)
    newest = rows.loc[rows["max_source_time"].idxmax()]
    return feed_freshness(newest["max_source_time"].to_pydatetime(), float(newest["interval_s"]), now, factor)
