"""Where reports are kept: files in ``<var_dir>/reports/<kind>/`` (one per period, language and format,
replaced when regenerated), indexed in the ``report_file`` table."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from dashboard.db.reports import index_report
from dashboard.report.periods import ReportPeriod
from dashboard.report.render import Rendered

#: MIME types of the kept formats.
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def reports_dir(var_dir: Path) -> Path:
    """The folder reports are kept in."""
    return Path(var_dir) / "reports"


def file_name(period: ReportPeriod, lang: str, fmt: str) -> str:
    """``daily/daily-2026-11-16.zh.pdf``: the kept file's path, relative to the reports folder."""
    return f"{period.kind}/{period.key}.{lang}.{fmt}"


@dataclass(frozen=True)
class KeptReport:
    """A kept report: its index id, file and digest."""

    id: int
    path: Path
    sha256: str
    format: str


def keep(engine: Engine, folder: Path, period: ReportPeriod, lang: str, rendered: Rendered,
         incomplete: list[str], now: datetime, summary: dict | None = None) -> KeptReport:
    """Write the report's file (atomically: a reader never sees half a file) and index it, with the ``summary``
    (title and sentences) its deliveries send, so that a retry sends what the first attempt did."""
    relative = file_name(period, lang, rendered.format)
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(rendered.content)
    os.replace(partial, path)
    digest = hashlib.sha256(rendered.content).hexdigest()
    row = {
        "kind": period.kind, "first_day": period.first.isoformat(), "last_day": period.last.isoformat(),
        "lang": lang, "format": rendered.format, "path": relative, "sha256": digest, "size": len(rendered.content),
        "incomplete": ",".join(incomplete), "note": rendered.note, "generated_at": now,
        "summary": None if summary is None else json.dumps(summary, ensure_ascii=False),
    }
    with engine.begin() as conn:
        report_id = index_report(conn, row)
    return KeptReport(report_id, path, digest, rendered.format)


def open_kept(folder: Path, relative: str) -> Path:
    """The kept file at ``relative`` inside ``folder``; ValueError for a path that leaves it."""
    root = folder.resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"not a kept report: {relative!r}")
    return path
