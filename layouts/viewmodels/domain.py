"""What every domain page reads besides its own data: the freshness of the feeds it follows and the districts
of its district choice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.queries import feeds, reference


def page_freshness(engine: Engine, domains: tuple[str, ...], as_of: datetime, stale_after: float) -> Freshness:
    """The "data as of" of the feeds of ``domains`` at ``as_of`` (stale after ``stale_after`` intervals)."""
    return domain_freshness(feeds.feed_status(engine), domains, as_of, stale_after)


def district_options(engine: Engine, name: str) -> list[dict]:
    """The city's districts as dropdown options, labelled by the column ``name``."""
    areas = reference.districts(engine)
    return [{"label": n, "value": c} for c, n in zip(areas["code"], areas[name], strict=True)]
