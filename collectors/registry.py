"""Which collector class speaks which protocol (imported lazily, so a feed only loads what it uses)."""

from __future__ import annotations

from importlib import import_module

from collectors.config import FeedConfig
from collectors.contract import Collector
from collectors.http import FeedHttpClient

#: protocol name in feeds.toml -> "module:Class"
PROTOCOLS: dict[str, str] = {
    "open311": "collectors.open311:Open311Collector",
    "ngsi": "collectors.ngsi:NgsiCollector",
    "ngsi-ld": "collectors.ngsi:NgsiLdCollector",
    "sensorthings": "collectors.sensorthings:SensorThingsCollector",
    "hall-queue": "collectors.queue:HallQueueCollector",
    "hotline-csv": "collectors.tabular:HotlineExportCollector",
    "tabular": "collectors.tabular:TabularCollector",
    "mqtt": "collectors.mqtt:MqttCollector",
}


def collector_class(protocol: str) -> type[Collector]:
    """The collector class registered for ``protocol``."""
    module_name, _, class_name = PROTOCOLS[protocol].partition(":")
    return getattr(import_module(module_name), class_name)


def check_options(feed: FeedConfig) -> None:
    """Validate ``feed.options`` when its collector declares how (ValueError naming the option)."""
    check = getattr(collector_class(feed.protocol), "check_options", None)
    if check is not None:
        check(feed)


def create_collector(feed: FeedConfig, http: FeedHttpClient | None) -> Collector:
    """A collector for ``feed`` that fetches through ``http`` (None for persistent collectors)."""
    return collector_class(feed.protocol)(feed, http)
