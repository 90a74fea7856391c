"""What the collector process runs on schedule: the report of the period that has just ended, in every
configured language and format, kept and delivered (see ``collectors.scheduler.add_report_jobs``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from dashboard import clock
from dashboard.queries.reports import reports
from dashboard.report.delivery import deliver
from dashboard.report.periods import latest_complete
from dashboard.report.service import generate
from dashboard.report.store import keep, reports_dir
from dashboard.settings import Settings

log = logging.getLogger(__name__)


def run_report(engine: Engine, settings: Settings, kind: str, day: date, *, deliver_it: bool = True,
               sleep: Callable[[float], None] | None = None) -> list[str]:
    """Generate, keep and (``deliver_it``) deliver the ``kind`` report of the period containing ``day``;
    one line per file kept and per delivery."""
    lines = []
    for lang in settings.report_languages:
        for fmt in settings.report_formats:
            generated = generate(engine, settings, kind, day, lang, fmt)
            report, rendered = generated.report, generated.rendered
            if rendered.note:
                log.warning("report %s %s %s: %s", kind, day, lang, rendered.note)
            kept = keep(engine, reports_dir(settings.var_dir), report.period, lang, rendered, report.incomplete,
                        clock.now())
            lines.append(f"kept {kept.path} ({len(rendered.content):,} bytes, sha256 {kept.sha256[:12]})")
            if deliver_it:
                extra = {} if sleep is None else {"sleep": sleep}
                for outcome in deliver(engine, settings, report, lang, kept, **extra):
                    error = "" if outcome.error is None else f": {outcome.error}"
                    lines.append(f"  {outcome.channel} {outcome.target}: {outcome.status} after "
                                 f"{outcome.attempts} attempt(s){error}")
    return lines


def scheduled_report(engine: Engine, settings: Settings, kind: str) -> None:
    """The scheduled job: the report of the latest complete period of ``kind``."""
    day = latest_complete(kind, clock.now(), settings.city_timezone)
    for line in run_report(engine, settings, kind, day):
        log.info("%s report %s: %s", kind, day, line)


def missing_latest(engine: Engine, settings: Settings, kind: str) -> date | None:
    """The latest complete period's first day when it has not been kept yet (the collector was not running
    at its scheduled time), else None."""
    day = latest_complete(kind, clock.now(), settings.city_timezone)
    kept = reports(engine)
    done = kept[(kept["kind"] == kind) & (kept["first_day"] == day.isoformat())]
    return None if not done.empty else day
