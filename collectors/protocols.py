"""Which collector class speaks which protocol (imported by name when first used, so a feed only loads what it
uses). Imports nothing of the project: :mod:`collectors.config` validates a feed's protocol and options here."""

from __future__ import annotations

from importlib import import_module

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


def collector_class(protocol: str) -> type:
    """The collector class (a ``collectors.contract.Collector``) registered for ``protocol``."""
    module_name, _, class_name = PROTOCOLS[protocol].partition(":")
    return getattr(import_module(module_name), class_name)
