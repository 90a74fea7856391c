"""What the collector process runs on schedule: the report of the period that has just ended, in every
configured language and format, kept and delivered (see ``collectors.scheduler.add_report_jobs``)."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import Engine

from dashboard import clock
from dashboard.queries.reports import reports
from dashboard.report.delivery import Outcome, deliver, notice, retry_due
from dashboard.report.periods import latest_complete
from dashboard.report.service import generate
from dashboard.report.store import keep, reports_dir
from dashboard.settings import Settings

log = logging.getLogger(__name__)


def run_report(engine: Engine, settings: Settings, kind: str, day: date, *, deliver_it: bool = True) -> list[str]:
    """Generate, keep and (``deliver_it``) deliver the ``kind`` report of the period containing ``day``;
    one line per file kept and per delivery (a failed one is tried again by :func:`retry_deliveries`)."""
    lines = []
    for lang in settings.report_languages:
        for fmt in settings.report_formats:
            generated = generate(engine, settings, kind, day, lang, fmt)
            report, rendered = generated.report, generated.rendered
            if rendered.note:
                log.warning("report %s %s %s: %s", kind, day, lang, rendered.note)
            kept = keep(engine, reports_dir(settings.var_dir), report.period, lang, rendered, report.incomplete,
                        clock.now(), notice(report, lang))
            lines.append(f"kept {kept.path} ({len(rendered.content):,} bytes, sha256 {kept.sha256[:12]})")
            if deliver_it:
                lines += [f"  {_outcome(outcome)}" for outcome in deliver(engine, settings, kept.id)]
    return lines


def _outcome(outcome: Outcome) -> str:
    error = "" if outcome.error is None else f": {outcome.error}"
    retry = "" if outcome.next_at is None else f"; next attempt at {outcome.next_at:%Y-%m-%d %H:%M:%S} UTC"
    return (f"{outcome.channel} {outcome.target}: {outcome.status} at attempt {outcome.attempts}{error}{retry}")


def retry_deliveries(engine: Engine, settings: Settings) -> None:
    """The scheduled job: the failed deliveries whose next attempt is due."""
    for outcome in retry_due(engine, settings):
        log.info("report delivery retried: %s", _outcome(outcome))


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
