"""Generating a report: the figures of a period, rendered in a language and format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from dashboard.queries.kpis import kpi_registry
from dashboard.report.model import Report, build_report
from dashboard.report.periods import report_period
from dashboard.report.render import Rendered, render
from dashboard.settings import Settings


@dataclass(frozen=True)
class Generated:
    """A generated report: its figures and what it was rendered to."""

    report: Report
    rendered: Rendered


def generate(engine: Engine, settings: Settings, kind: str, day: date, lang: str, fmt: str) -> Generated:
    """The ``kind`` report of the period containing ``day`` in ``lang`` and ``fmt`` (not kept)."""
    registry = kpi_registry(engine, settings.kpi_targets_file)
    period = report_period(kind, day, settings.city_timezone)
    report = build_report(engine, registry, period, city=(settings.city_name_zh, settings.city_name_en))
    return Generated(report, render(report, registry, lang, fmt, settings.report_font_file))

