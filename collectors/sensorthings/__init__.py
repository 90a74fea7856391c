"""OGC SensorThings API v1.1: Datastreams and their Observations (noise, water quality, …)."""

from collectors.sensorthings.collector import SensorThingsCollector

__all__ = ["SensorThingsCollector"]
