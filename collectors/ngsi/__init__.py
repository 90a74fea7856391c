"""FIWARE NGSI v2 entities: TrafficFlowObserved (traffic) and AirQualityObserved (sensors)."""

from collectors.ngsi.collector import NgsiCollector

__all__ = ["NgsiCollector"]
