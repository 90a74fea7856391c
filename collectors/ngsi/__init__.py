"""FIWARE NGSI v2 and NGSI-LD entities: traffic flow, air quality, noise, queues and service requests."""

from collectors.ngsi.collector import NgsiCollector
from collectors.ngsi.ld import NgsiLdCollector

__all__ = ["NgsiCollector", "NgsiLdCollector"]
