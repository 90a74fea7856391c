"""Daily report generation on the one-year benchmark database (the KPI reads' year of the 3-million-people city):
the figures of a day, the HTML with its font subset, and the PDF printed by Chromium, timed apart, in zh.

The target is absolute (≤ 10 s for the daily report on 2 cores): the report has no baseline to be a ratio of,
so the row's ratio is target / time (≥ 1 meets it)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from datetime import timedelta
from zoneinfo import ZoneInfo

import shapely

from bench import kpi_reads
from bench.report import Result
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.registry import load_registry
from dashboard.report.model import build_report
from dashboard.report.periods import report_period
from dashboard.report.render import render, render_html

TARGET_SECONDS = 10.0
#: Where the benchmark year's areas and roads are drawn (it stores them without geometry; the report's map and
#: segment names read them).
ORIGIN = (120.0, 30.0)


def _with_geometry(path) -> None:
    """Give the year's districts (side by side squares) and roads (short lines) a geometry where they have none."""
    with closing(sqlite3.connect(path)) as conn, conn:
        codes = [code for (code,) in conn.execute("SELECT code FROM district WHERE geometry = '' ORDER BY code")]
        conn.executemany("UPDATE district SET geometry = ? WHERE code = ?", [
            (shapely.to_wkb(shapely.box(ORIGIN[0] + i * 0.1, ORIGIN[1], ORIGIN[0] + (i + 1) * 0.1, ORIGIN[1] + 0.1)),
             code) for i, code in enumerate(codes)])
        roads = [code for (code,) in conn.execute("SELECT code FROM road_segment WHERE geometry = ''")]
        conn.executemany("UPDATE road_segment SET geometry = ? WHERE code = ?", [
            (shapely.to_wkb(shapely.LineString([(ORIGIN[0], ORIGIN[1] + i * 1e-4), (ORIGIN[0] + 0.01,
                                                                                   ORIGIN[1] + i * 1e-4)])), code)
            for i, code in enumerate(roads)])


def run(scale: float = 1) -> Result:
    """Time one daily report (zh, PDF) of a day late in the benchmark year at ``scale`` of the city."""
    path = kpi_reads.DATA / ("kpi-year.sqlite" if scale == 1 else f"kpi-year-x{scale:g}.sqlite")
    kpi_reads.build(path, kpi_reads.Size.of(scale))
    _with_geometry(path)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    day = (kpi_reads.END - timedelta(days=30)).astimezone(ZoneInfo(kpi_reads.TZ)).date()
    registry = load_registry()
    started = time.perf_counter()
    report = build_report(engine, registry, report_period("daily", day, kpi_reads.TZ), city=("基准市", "Bench City"))
    figures = time.perf_counter()
    render_html(report, registry, "zh")
    html = time.perf_counter()
    rendered = render(report, registry, "zh", "pdf")
    total = time.perf_counter() - started
    engine.dispose()
    pdf_only = total - (html - started)
    detail = (f"{day}: figures {figures - started:.2f} s, HTML with font {html - figures:.2f} s, "
              f"{rendered.format.upper()} {pdf_only:.2f} s (HTML again + print), {len(rendered.content):,} bytes; "
              f"{scale:g}× of the city")
    return Result(name=f"daily report, {scale:g}×", ratio=TARGET_SECONDS / total,
                  target=f"≤ {TARGET_SECONDS:.0f} s", met=total <= TARGET_SECONDS if scale == 1 else None,
                  detail=f"{total:.2f} s — {detail}" + ("" if rendered.note is None else f"; {rendered.note}"))
