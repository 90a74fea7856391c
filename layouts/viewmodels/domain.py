"""What every domain page reads besides its own data: the freshness of the feeds it follows, the districts
of its district choice and how far back each domain's data reaches (what a comparison span can show)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from dashboard.kpis.freshness import Freshness, domain_freshness, seen_at
from dashboard.queries import feeds, history, reference
from dashboard.queries.kpis import data_hours

#: The fact domain (``dashboard.queries.history``) of each feed domain.
FACT_DOMAINS = {"sensors": "environment"}


def freshness_of(
    engine: Engine, status: pd.DataFrame, domains: Iterable[str], moment: datetime, stale_after: float
) -> Freshness:
    """The "data as of" of the feeds of ``domains`` (``status``: ``feeds.feed_status``) at ``moment`` (stale after
    ``stale_after`` intervals); at a past moment, or without feed state, that of the newest fact by then."""
    domains = tuple(domains)
    newest = history.newest_facts_until(engine, moment)
    known = [t for t in (newest.get(FACT_DOMAINS.get(d, d)) for d in domains) if t is not None]
    fresh = domain_freshness(status, domains, moment, stale_after)
    return seen_at(fresh, max(known) if known else None, moment)


def page_freshness(engine: Engine, domains: tuple[str, ...], as_of: datetime, stale_after: float) -> Freshness:
    """The "data as of" of the feeds of ``domains`` at ``as_of`` (see :func:`freshness_of`)."""
    return freshness_of(engine, feeds.feed_status(engine), domains, as_of, stale_after)


def district_options(engine: Engine, lang: str) -> list[dict]:
    """The city's districts as dropdown options, labelled in ``lang``."""
    areas = reference.districts(engine)
    names = areas["name_en" if lang == "en" else "name_zh"]
    return [{"label": n, "value": c} for c, n in zip(areas["code"], names, strict=True)]


def data_spans(engine: Engine) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Each KPI domain's first and last hour of data (a comparison span before the first has no data)."""
    return data_hours(engine)
