"""Delivering a kept report: by e-mail (SMTP, the report attached) to the configured addresses, and by a
generic webhook (a JSON notice with the summary and a link, for government messaging platforms' bots).

Each delivery is tried up to ``report_delivery_attempts`` times, waiting ``report_delivery_backoff_s`` and then
twice as long after each failure; every attempt is recorded (``report_delivery``) with its error, so a report
that could not be delivered shows on the reports page and on /feeds instead of being lost silently.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

import httpx
from sqlalchemy import Engine

from dashboard import clock
from dashboard.db.reports import record_delivery
from dashboard.i18n import t
from dashboard.report import sentences
from dashboard.report.model import Report
from dashboard.report.store import MEDIA_TYPES, KeptReport
from dashboard.settings import Settings

log = logging.getLogger(__name__)
#: Seconds an SMTP conversation or a webhook call may take.
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Outcome:
    """How one delivery ended: its channel and target, ``ok`` or ``failed``, after how many attempts."""

    channel: str
    target: str
    status: str
    attempts: int
    error: str | None = None


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


def link(settings: Settings, kept: KeptReport) -> str:
    """Where the kept report is opened in the web app."""
    return f"{settings.report_base_url.rstrip('/')}/reports/file/{kept.id}"


def send_mail(settings: Settings, report: Report, lang: str, kept: KeptReport) -> None:
    """Mail the report, attached, to every configured address (one message)."""
    message = EmailMessage()
    message["Subject"] = title(report, lang)
    message["From"] = formataddr(("CityOps", settings.report_mail_from))
    message["To"] = ", ".join(settings.report_mail_to)
    message.set_content("\n".join(summary(report, lang)) + "\n")
    maintype, subtype = MEDIA_TYPES[kept.format].split(";")[0].split("/")
    message.add_attachment(kept.path.read_bytes(), maintype=maintype, subtype=subtype, filename=kept.path.name)
    with smtplib.SMTP(settings.report_smtp_host, settings.report_smtp_port, timeout=TIMEOUT_S) as smtp:
        if settings.report_smtp_starttls:
            smtp.starttls()
        if settings.report_smtp_user:
            smtp.login(settings.report_smtp_user, settings.report_smtp_password.get_secret_value())
        smtp.send_message(message)


def post_webhook(settings: Settings, url: str, report: Report, lang: str, kept: KeptReport) -> None:
    """Post the JSON notice of the report to ``url``; any answer but 2xx is a failure."""
    period = report.period
    payload = {
        "type": "cityops.report",
        "kind": period.kind,
        "first_day": period.first.isoformat(),
        "last_day": period.last.isoformat(),
        "lang": lang,
        "format": kept.format,
        "title": title(report, lang),
        "summary": summary(report, lang),
        "incomplete": report.incomplete,
        "url": link(settings, kept),
        "sha256": kept.sha256,
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


def attempt(
    engine: Engine, settings: Settings, kept: KeptReport, channel: str, target: str, send: Callable[[], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Try ``send`` up to the configured attempts with exponential backoff, recording each attempt."""
    wait = settings.report_delivery_backoff_s
    shown = shown_url(target) if channel == "webhook" else target
    error = None
    for number in range(1, settings.report_delivery_attempts + 1):
        try:
            send()
        except Exception as exc:  # noqa: BLE001 - any failure of a delivery is recorded and retried
            error = _error(exc, target if channel == "webhook" else "")
            with engine.begin() as conn:
                record_delivery(conn, kept.id, channel, shown, number, "failed", error, clock.now())
            if number < settings.report_delivery_attempts:
                sleep(wait)
                wait *= 2
            continue
        with engine.begin() as conn:
            record_delivery(conn, kept.id, channel, shown, number, "ok", None, clock.now())
        return Outcome(channel, shown, "ok", number)
    log.error("report %s not delivered by %s to %s after %d attempts: %s", kept.path.name, channel, shown,
              settings.report_delivery_attempts, error)
    return Outcome(channel, shown, "failed", settings.report_delivery_attempts, error)


def deliver(
    engine: Engine, settings: Settings, report: Report, lang: str, kept: KeptReport,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Deliver a kept report by every configured channel; the outcome of each."""
    outcomes = []
    if settings.report_smtp_host and settings.report_mail_to:
        target = ",".join(settings.report_mail_to)
        outcomes.append(attempt(engine, settings, kept, "smtp", target,
                                lambda: send_mail(settings, report, lang, kept), sleep))
    for url in settings.report_webhook_urls:
        outcomes.append(attempt(engine, settings, kept, "webhook", url,
                                lambda url=url: post_webhook(settings, url, report, lang, kept), sleep))
    return outcomes
