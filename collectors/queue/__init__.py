"""The service halls' queue system (REST): halls and their tickets."""

from collectors.queue.collector import HallQueueCollector

__all__ = ["HallQueueCollector"]
