"""Open311 GeoReport v2 complaints (``requests.json`` / ``.xml`` with vendor ``extended_attributes``)."""

from collectors.open311.collector import Open311Collector

__all__ = ["Open311Collector"]
