"""Tabular exports dropped in a folder: the citizen hotline's CSV work-order exports."""

from collectors.tabular.hotline import HotlineExportCollector

__all__ = ["HotlineExportCollector"]
