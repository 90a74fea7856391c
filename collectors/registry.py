"""A collector for a feed: the class its protocol names (:mod:`collectors.protocols`), over the feed's HTTP client."""

from __future__ import annotations

from collectors.config import FeedConfig
from collectors.contract import Collector
from collectors.http import FeedHttpClient
from collectors.protocols import collector_class


def create_collector(feed: FeedConfig, http: FeedHttpClient | None) -> Collector:
    """A collector for ``feed`` that fetches through ``http`` (None for persistent collectors)."""
    return collector_class(feed.protocol)(feed, http)
