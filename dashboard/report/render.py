"""The report as a self-contained HTML page (font and figures embedded) and as a PDF printed from that page.

Renderer: Chromium's own print-to-PDF (headless, through Playwright, with the system Chromium). It lays out the
very HTML the reader can open, with the same CSS and the same embedded font, so the two formats cannot drift; it
embeds the subset font in the PDF and needs no network. Pure-Python HTML-to-PDF libraries either lack CSS grid
and CJK line breaking or pull in a native stack of their own (Pango/Cairo). When Chromium is not there,
:func:`render` falls back to HTML and says why.

Both outputs are byte-for-byte reproducible: no generation time is written, the font subset is deterministic,
and the PDF's creation and modification dates are set to the end of the report's period.
"""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dashboard.i18n import t
from dashboard.kpis.registry import Registry
from dashboard.kpis.traffic import tpi_level
from dashboard.privacy import mask_text
from dashboard.report import figures
from dashboard.report import sentences as s
from dashboard.report.fonts import find_font, font_face
from dashboard.report.model import Report

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
)
#: Where the system Chromium is looked for (``CITYOPS_REPORT_CHROMIUM`` first).
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
#: Departments shown at the top and bottom of the ranking.
RANKED = 3


def _unit(kpi, value, lang: str) -> str:
    """The short unit after a KPI's value (hours, minutes, km/h); none for rates, counts, indices and long
    units that the table's column has no room for (the KPI's name says them)."""
    unit = kpi.unit_zh if lang == "zh" else kpi.unit_en
    shown = not kpi.percent and value is not None and 0 < len(unit) <= 4 and unit not in ("%", "件", "AQI")
    return f" {unit}" if shown else ""


def _kpi_rows(report: Report, registry: Registry, lang: str) -> list[dict]:
    rows = []
    for row in report.kpis:
        kpi = registry[row.id]
        rows.append(
            {
                "name": kpi.name_zh if lang == "zh" else kpi.name_en,
                "value": s.kpi_value(row.value, kpi.percent, lang) + _unit(kpi, row.value, lang),
                "target": s.kpi_value(row.target, kpi.percent, lang) if row.target is not None else "—",
                "rag": row.rag or "none",
                "rag_text": t(f"report.rag.{row.rag or 'none'}", lang),
                "previous": s.kpi_change(row.value, row.previous, kpi.percent, lang),
                "year": s.kpi_change(row.value, row.year_before, kpi.percent, lang),
            }
        )
    return rows


def _ranked(rows, lang: str, digits: int = 0) -> list[dict]:
    return [{"code": r.code, "name": s.name(r, lang), "value": s.number(r.value, digits),
             "rise": f"{r.rise:+,.{digits}f}"} for r in rows]


def _departments(report: Report, lang: str) -> list[dict]:
    frame = report.departments
    if frame.empty:
        return []
    shown = frame.head(RANKED) if len(frame) <= 2 * RANKED else pd.concat([frame.head(RANKED), frame.tail(RANKED)])
    return [
        {
            "rank": int(row["rank"]),
            "name": row["name_zh"] if lang == "zh" else row["name_en"],
            "score": s.number(row["score"] * 100 if pd.notna(row["score"]) else None, 1),
            "on_time": s.percent(row["on_time_rate"] if pd.notna(row["on_time_rate"]) else None),
        }
        for _, row in shown.iterrows()
    ]


def _hour_ticks(hours: pd.Series, timezone: str, weekly: bool) -> list[str]:
    local = pd.to_datetime(hours, utc=True).dt.tz_convert(ZoneInfo(timezone))
    return [f"{h:%m-%d}" if weekly and h.hour == 0 else ("" if weekly else f"{h.hour}") for h in local]


def _hours(report: Report, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` on every hour of the period (missing hours: no value), so that gaps show as gaps."""
    hours = pd.date_range(pd.Timestamp(report.period.start), pd.Timestamp(report.period.end), freq="h",
                          inclusive="left")
    if frame.empty:
        return pd.DataFrame({"hour": hours}).reindex(columns=frame.columns)
    indexed = frame.assign(hour=pd.to_datetime(frame["hour"], utc=True)).set_index("hour")
    return indexed.reindex(hours).rename_axis("hour").reset_index()


def _figures(report: Report, lang: str) -> dict[str, str]:
    weekly = report.period.kind == "weekly"
    empty = t("report.figure.empty", lang)
    out = {}
    traffic = _hours(report, report.tpi_by_hour[["hour", "tpi"]])
    if traffic["tpi"].notna().any():
        values = [None if pd.isna(v) else float(v) for v in traffic["tpi"]]
        out["tpi_figure"] = figures.bars(
            values, [tpi_level(v).color if v is not None else "#fff" for v in values],
            _hour_ticks(traffic["hour"], report.period.timezone, weekly), title=t("report.tpi_by_hour", lang),
            width=360, height=84,
        )
    else:
        out["tpi_figure"] = figures.empty(empty, 360, 36)
    air = _hours(report, report.aqi_by_hour[["hour", "aqi", "color"]])
    if air["aqi"].notna().any():
        values = [None if pd.isna(v) else float(v) for v in air["aqi"]]
        out["aqi_figure"] = figures.bars(
            values, [c if isinstance(c, str) else "#fff" for c in air["color"]],
            _hour_ticks(air["hour"], report.period.timezone, weekly), title=t("report.aqi_by_hour", lang),
            limit=100, width=360, height=84,
        )
    else:
        out["aqi_figure"] = figures.empty(empty, 360, 36)
    out["hot_spot_map"] = figures.hot_spot_map(
        list(report.districts["geometry"]), [r.code for r in report.hot_spots], title=t("report.hot_spots", lang),
        width=200, height=190,
    )
    return out


def _local(moment, timezone: str, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return pd.Timestamp(moment).tz_convert(ZoneInfo(timezone)).strftime(pattern)


def _episodes(report: Report, lang: str) -> list[str]:
    tz = report.period.timezone
    return [
        t("report.episode", lang, start=_local(e.start, tz), hours=e.hours, peak=e.peak,
          primary=", ".join(s.pollutant(p, lang) for p in str(e.primary).split(",") if p))
        for e in report.episodes.itertuples(index=False)
    ]


def _halls(report: Report, lang: str) -> list[dict]:
    frame = report.halls[report.halls["called"] > 0].sort_values(["wait_min", "code"], ascending=[False, True])
    return [
        {"name": row["name_zh"] if lang == "zh" else row["name_en"], "wait": s.number(row["wait_min"], 1),
         "one_visit": s.percent(row["single_visit_pct"] / 100 if pd.notna(row["single_visit_pct"]) else None)}
        for _, row in frame.head(RANKED).iterrows()
    ]


def _alerts(report: Report, lang: str) -> list[dict]:
    tz = report.period.timezone
    return [
        {"time": _local(row.opened_at, tz, "%m-%d %H:%M"), "severity": row.severity,
         "message": mask_text(row.message_zh if lang == "zh" else row.message_en)}
        for row in report.alert_rows.head(5).itertuples(index=False)
    ]


def context(report: Report, registry: Registry, lang: str) -> dict:
    """Everything the template shows, as text in ``lang``."""
    period, city = report.period, report.city_zh if lang == "zh" else report.city_en
    names = {k.id: (k.name_zh if lang == "zh" else k.name_en) for k in registry}
    return {
        "lang": lang,
        "t": lambda key, **values: t(key, lang, **values),
        "title": t(f"report.title.{period.kind}", lang, city=city),
        "period_text": t(f"report.period.{period.kind}", lang, first=period.first.isoformat(),
                         last=period.last.isoformat()),
        "as_of": t("report.as_of", lang, end=_local(period.end, period.timezone), timezone=period.timezone),
        "incomplete": report.incomplete,
        "incomplete_text": s.incomplete_notes(report, lang),
        "score_text": s.number(report.score, 2) if report.score is not None else "—",  # as the overview shows it
        "sentences": {
            "score": s.score_sentence(report, lang),
            "movers": s.movers_sentence(report, names, lang),
            "complaints": s.complaints_sentence(report, lang),
            "traffic": s.traffic_sentence(report, lang),
            "environment": s.environment_sentence(report, lang),
            "halls": s.halls_sentence(report, lang),
            "alerts": s.alerts_sentence(report, lang),
            "health": s.health_sentences(report, lang),
        },
        "kpi_rows": _kpi_rows(report, registry, lang),
        "rising_categories": _ranked(report.rising_categories, lang),
        "rising_districts": _ranked(report.rising_districts, lang),
        "hot_spots": _ranked(report.hot_spots, lang),
        "departments": _departments(report, lang),
        "episodes": _episodes(report, lang),
        "halls": _halls(report, lang),
        "alerts": _alerts(report, lang),
        "feeds": [
            {"name": f.name, "runs": f.runs, "failed": f.failed, "quarantined": f.quarantined,
             "state": t("report.feed.down" if f.down else "report.feed.ok", lang)}
            for f in report.feeds
        ],
        **_figures(report, lang),
    }


def render_html(report: Report, registry: Registry, lang: str, font_file: Path | None = None) -> str:
    """The report as one self-contained HTML page in ``lang``."""
    values = context(report, registry, lang)
    template = TEMPLATES.get_template("report.html.j2")
    page = template.render(**values, font_face="")
    face = font_face(find_font(font_file), _visible_text(page))
    return template.render(**values, font_face=face)


def _visible_text(page: str) -> str:
    """The characters a page can show (its markup's text, with tags and entities left as they are)."""
    return re.sub(r"<[^>]+>", "", page)


class PdfUnavailable(RuntimeError):
    """No Chromium (or no Playwright) to print the PDF with."""


def chromium_path() -> str:
    """The Chromium executable to print with; PdfUnavailable when there is none."""
    configured = os.environ.get("CITYOPS_REPORT_CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CHROMIUM):
        if candidate and (Path(candidate).is_file() or shutil.which(candidate)):
            return candidate
    raise PdfUnavailable("Chromium not found (install the chromium package or set CITYOPS_REPORT_CHROMIUM)")


#: The date fields Chromium's PDF writer (Skia) stamps with the time of printing.
_PDF_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9+\-Z']+\)")


def fix_dates(pdf: bytes, moment: datetime) -> bytes:
    """``pdf`` with its creation and modification dates set to ``moment``, padded to the original length so
    the cross-reference offsets stay right."""
    stamp = moment.strftime("D:%Y%m%d%H%M%S+00'00'").encode()

    def replace(match: re.Match) -> bytes:
        old = match.group(0)
        new = b"/" + match.group(1) + b" (" + stamp + b")"
        return new + b" " * (len(old) - len(new)) if len(new) <= len(old) else old

    return _PDF_DATES.sub(replace, pdf)


def render_pdf(html: str, moment: datetime) -> bytes:
    """The HTML page printed to an A4 PDF by headless Chromium (its dates set to ``moment``).

    Printing runs in a thread of its own: Playwright's synchronous API refuses a thread where an event loop is
    already running (another synchronous Playwright session, an asyncio server), which a scheduler job or a web
    request may be."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a pinned dependency
        raise PdfUnavailable(f"Playwright is not installed ({exc})") from exc
    executable = chromium_path()

    def print_pdf() -> bytes:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                page.evaluate("document.fonts.ready")
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf") as printer:
            pdf = printer.submit(print_pdf).result()
    except Error as exc:
        raise PdfUnavailable(f"Chromium could not print: {exc}") from exc
    return fix_dates(pdf, moment)


@dataclass(frozen=True)
class Rendered:
    """A rendered report: its bytes, their format (``pdf`` or ``html``) and, after a fallback, why."""

    content: bytes
    format: str
    note: str | None = None


def render(report: Report, registry: Registry, lang: str, fmt: str, font_file: Path | None = None) -> Rendered:
    """The report in ``fmt`` (``pdf`` or ``html``); a PDF that cannot be printed falls back to HTML with a note."""
    html = render_html(report, registry, lang, font_file)
    if fmt == "html":
        return Rendered(html.encode("utf-8"), "html")
    if fmt != "pdf":
        raise ValueError(f"unknown report format {fmt!r}; known: pdf, html")
    try:
        return Rendered(render_pdf(html, report.period.end), "pdf")
    except PdfUnavailable as exc:
        return Rendered(html.encode("utf-8"), "html", t("report.pdf_unavailable", lang, reason=str(exc)))
