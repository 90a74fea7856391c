"""What every domain page reads besides its own data: the freshness of the feeds it follows, the districts
of its district choice, how far back each domain's data reaches (what a comparison span can show) and the change of
a latest-reading tile (the traffic index, the AQI) as the overview's card compares it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from dashboard.context import RequestContext
from dashboard.kpis.compare import LATEST_WINDOWS, Change, latest_change, same_moment
from dashboard.kpis.freshness import Freshness, domain_freshness, seen_at
from dashboard.queries import feeds, history, reference
from dashboard.queries.kpis import data_hours, kpi_registry, latest_reading

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


def latest_tile_change(context: RequestContext, kpi_id: str, at: datetime, compare: str | None) -> Change | None:
    """The change of the headline KPI ``kpi_id``'s latest reading at ``at`` from its reading at the same moment
    the day before or a year before (``compare``; None: no comparison), the overview card's comparison."""
    if compare is None:
        return None
    engine, timezone = context.engine, context.timezone
    registry = kpi_registry(engine, context.settings.kpi_targets_file)
    kpi = registry[kpi_id]
    readings = (latest_reading(engine, kpi, m, timezone) for m in (at, same_moment(at, timezone, compare)))
    return latest_change(*readings, LATEST_WINDOWS[kpi.window], registry[kpi.measure].direction)
