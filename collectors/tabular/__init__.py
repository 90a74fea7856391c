"""Tabular and JSON sources (drop folders or HTTP) read through a declarative mapping; the hotline's exports."""

from collectors.tabular.collector import TabularCollector
from collectors.tabular.hotline import HotlineExportCollector

__all__ = ["HotlineExportCollector", "TabularCollector"]
