"""Delivering a kept report: by e-mail (SMTP, the report attached) to the configured addresses, and by a
generic webhook (a JSON notice with the summary and a link, for government messaging platforms' bots).

A delivery is tried once when the report is kept; a failed attempt is recorded (``report_delivery``) with its
error and the time of the next attempt, ``report_delivery_backoff_s`` later and then twice as long after each
failure, up to ``report_delivery_attempts`` in all. Nothing waits: the collector process's retry job
(:func:`retry_due`) makes the attempts that are due, from the kept file and the summary kept with it. A delivery
whose last attempt failed shows on the reports page and on /feeds instead of being lost silently.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

import httpx
from sqlalchemy import Engine

from dashboard import clock
from dashboard.db.reports import record_delivery
from dashboard.i18n import t
from dashboard.queries.reports import due_deliveries
from dashboard.queries.reports import report as kept_report
from dashboard.report import sentences
from dashboard.report.model import Report
from dashboard.report.store import MEDIA_TYPES, open_kept, reports_dir
from dashboard.settings import Settings

log = logging.getLogger(__name__)
#: Seconds an SMTP conversation or a webhook call may take.
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: its channel and target, ``ok``, ``retrying`` (failed, tried again at ``next_at``)
    or ``failed`` (the last attempt failed), and the attempt's number."""

    channel: str
    target: str
    status: str
    attempts: int
    error: str | None = None
    next_at: datetime | None = None


def title(report: Report, lang: str) -> str:
    """The report's title with its period, e.g. for a mail subject."""
    period = report.period
    city = report.city_zh if lang == "zh" else report.city_en
    dates = t(f"report.period.{period.kind}", lang, first=period.first.isoformat(), last=period.last.isoformat())
    return f"{t(f'report.title.{period.kind}', lang, city=city)} {dates}"


def summary(report: Report, lang: str) -> list[str]:
    """The report's sentences, section by section (the body of a mail, the text of a notice)."""
    return [
        sentences.score_sentence(report, lang),
        sentences.complaints_sentence(report, lang),
        sentences.traffic_sentence(report, lang),
        sentences.environment_sentence(report, lang),
        sentences.halls_sentence(report, lang),
        sentences.alerts_sentence(report, lang),
        *sentences.health_sentences(report, lang),
    ]


def notice(report: Report, lang: str) -> dict:
    """What every delivery of the report in ``lang`` sends: its title and sentences (kept with the file)."""
    return {"title": title(report, lang), "summary": summary(report, lang)}


def link(settings: Settings, report_id: int) -> str:
    """Where the kept report is opened in the web app."""
    return f"{settings.report_base_url.rstrip('/')}/reports/file/{report_id}"


@dataclass(frozen=True)
class Kept:
    """A kept report as its deliveries read it: its index row, file and summary."""

    row: dict

    @property
    def notice(self) -> dict:
        return json.loads(self.row["summary"] or '{"title": "", "summary": []}')

    def path(self, settings: Settings):
        return open_kept(reports_dir(settings.var_dir), self.row["path"])


def send_mail(settings: Settings, kept: Kept) -> None:
    """Mail the report, attached, to every configured address (one message)."""
    text, path = kept.notice, kept.path(settings)
    message = EmailMessage()
    message["Subject"] = text["title"]
    message["From"] = formataddr(("CityOps", settings.report_mail_from))
    message["To"] = ", ".join(settings.report_mail_to)
    message.set_content("\n".join(text["summary"]) + "\n")
    maintype, subtype = MEDIA_TYPES[kept.row["format"]].split(";")[0].split("/")
    message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    with smtplib.SMTP(settings.report_smtp_host, settings.report_smtp_port, timeout=TIMEOUT_S) as smtp:
        if settings.report_smtp_starttls:
            smtp.starttls()
        if settings.report_smtp_user:
            smtp.login(settings.report_smtp_user, settings.report_smtp_password.get_secret_value())
        smtp.send_message(message)


def post_webhook(settings: Settings, url: str, kept: Kept) -> None:
    """Post the JSON notice of the report to ``url``; any answer but 2xx is a failure."""
    row, text = kept.row, kept.notice
    payload = {
        "type": "cityops.report",
        "kind": row["kind"],
        "first_day": row["first_day"],
        "last_day": row["last_day"],
        "lang": row["lang"],
        "format": row["format"],
        "title": text["title"],
        "summary": text["summary"],
        "incomplete": [part for part in (row["incomplete"] or "").split(",") if part],
        "url": link(settings, int(row["id"])),
        "sha256": row["sha256"],
    }
    response = httpx.post(url, json=payload, timeout=TIMEOUT_S)
    response.raise_for_status()


def shown_url(url: str) -> str:
    """A webhook URL as recorded and logged: without its query and user part, where platforms put tokens."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))


def _error(exc: Exception, secret: str = "") -> str:
    """An error as one line, with ``secret`` (the full webhook URL) replaced by its shown form."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return (text.replace(secret, shown_url(secret)) if secret else text)[:500]


class NotConfigured(LookupError):
    """A delivery's target is no longer among the configured ones."""


def _sender(settings: Settings, kept: Kept, channel: str, target: str) -> tuple[Callable[[], None], str]:
    """The call that sends ``kept`` to a recorded ``target`` of ``channel``, and the secret to keep out of errors
    (a webhook's full URL; only its shown form is recorded)."""
    if channel == "smtp":
        if not settings.report_smtp_host or target != ",".join(settings.report_mail_to)[:255]:
            raise NotConfigured(f"mail to {target} is no longer configured")
        return (lambda: send_mail(settings, kept)), ""
    url = next((u for u in settings.report_webhook_urls if shown_url(u) == target), None)
    if url is None:
        raise NotConfigured(f"webhook {target} is no longer configured")
    return (lambda: post_webhook(settings, url, kept)), url


def attempt(engine: Engine, settings: Settings, report_id: int, channel: str, target: str, number: int) -> Outcome:
    """Make attempt ``number`` of a delivery (``target`` as recorded: a webhook's shown URL) and record it; a
    failure before the last attempt is recorded with the time of the next."""
    now, secret = clock.now(), ""
    row = kept_report(engine, report_id)
    try:
        if row is None:
            raise NotConfigured(f"report {report_id} is no longer kept")
        send, secret = _sender(settings, Kept(row), channel, target)
        send()
    except Exception as exc:  # noqa: BLE001 - any failure of a delivery is recorded and retried
        error = _error(exc, secret)
        last = number >= settings.report_delivery_attempts or isinstance(exc, NotConfigured)
        wait = settings.report_delivery_backoff_s * 2 ** (number - 1)
        next_at = None if last else now + timedelta(seconds=wait)
        with engine.begin() as conn:
            record_delivery(conn, report_id, channel, target, number, "failed", error, now, next_at)
        if last:
            log.error("report %s not delivered by %s to %s after %d attempts: %s", report_id, channel, target,
                      number, error)
        return Outcome(channel, target, "failed" if last else "retrying", number, error, next_at)
    with engine.begin() as conn:
        record_delivery(conn, report_id, channel, target, number, "ok", None, now)
    return Outcome(channel, target, "ok", number)


def deliver(engine: Engine, settings: Settings, report_id: int) -> list[Outcome]:
    """The first attempt of the kept report's delivery by every configured channel; the outcome of each."""
    targets = []
    if settings.report_smtp_host and settings.report_mail_to:
        targets.append(("smtp", ",".join(settings.report_mail_to)))
    targets += [("webhook", shown_url(url)) for url in settings.report_webhook_urls]
    return [attempt(engine, settings, report_id, channel, target, 1) for channel, target in targets]


def retry_due(engine: Engine, settings: Settings) -> list[Outcome]:
    """The next attempt of every failed delivery that is due now (see :func:`attempt`)."""
    due = due_deliveries(engine, clock.now())
    return [attempt(engine, settings, int(r.report_id), r.channel, r.target, int(r.attempt) + 1)
            for r in due.itertuples(index=False)]
