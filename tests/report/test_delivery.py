"""Delivery on loopback: the report mailed (attached) to an aiosmtpd server, the JSON notice posted to a local
HTTP server; a failure recorded with the time of its next attempt, made by the retry job once that time has come
on the injected clock (nothing sleeps), every attempt recorded, an undelivered report listed."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from apscheduler.schedulers.background import BackgroundScheduler

from collectors.runner import FeedRunner
from collectors.scheduler import add_report_jobs
from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.queries.reports import deliveries, failed_deliveries, reports
from dashboard.report.delivery import deliver, notice, retry_due
from dashboard.report.schedule import run_report
from dashboard.report.service import generate
from dashboard.report.store import keep, reports_dir

DAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 17, 0, 0, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks that it is up by connecting to its port)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


class Hook(BaseHTTPRequestHandler):
    """Answers each POST with the next status of ``server.statuses`` (then 200), keeping the bodies."""

    def do_POST(self):  # noqa: N802 - http.server's hook name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, json.loads(body)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.received, server.statuses = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def city(demo_city, tmp_path):
    """A copy of the demo city's database for one test (its deliveries are its own), and the settings."""
    engine, _, settings = demo_city
    copy = tmp_path / "city.db"
    with closing(sqlite3.connect(engine.url.database)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)  # the write-ahead log's pages included
    engine = make_engine(f"sqlite:///{copy}")
    yield engine, settings
    engine.dispose()


def _kept(engine, settings, fmt="pdf", lang="zh"):
    generated = generate(engine, settings, "daily", DAY, lang, fmt)
    kept = keep(engine, reports_dir(settings.var_dir), generated.report.period, lang, generated.rendered,
                generated.report.incomplete, NOW, notice(generated.report, lang))
    return generated.report, kept


def _settings(base, tmp_path, **values):
    return base.model_copy(update={"var_dir": tmp_path, **values})


def test_the_report_is_mailed_with_the_pdf_attached(city, smtp_server, tmp_path):
    engine, base = city
    port, inbox = smtp_server
    settings = _settings(base, tmp_path, report_smtp_host="127.0.0.1", report_smtp_port=port,
                         report_mail_to=["leader@city.example", "office@city.example"],
                         report_mail_from="ioc@city.example")
    report, kept = _kept(engine, settings)
    with clock.set_to(NOW):
        outcomes = deliver(engine, settings, kept.id)
    assert [(o.channel, o.status, o.attempts) for o in outcomes] == [("smtp", "ok", 1)]
    (sender, recipients, raw), = inbox.messages
    assert (sender, recipients) == ("ioc@city.example", ["leader@city.example", "office@city.example"])
    message = message_from_bytes(raw, policy=default)
    assert message["Subject"] == "澄江市城市运行日报 2026-11-16"
    body = message.get_body(("plain",)).get_content()
    assert f"诉求受理 {report.received:,.0f} 件" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "daily-2026-11-16.zh.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == kept.path.read_bytes()
    assert deliveries(engine, report_id=kept.id)[["channel", "attempt", "status"]].values.tolist() == [
        ["smtp", 1, "ok"]]


def test_the_webhook_gets_the_summary_and_the_link(city, webhook_server, tmp_path):
    engine, base = city
    url = f"http://127.0.0.1:{webhook_server.server_port}/hook?access_token=s3cret"
    settings = _settings(base, tmp_path, report_webhook_urls=[url], report_base_url="https://ioc.example/")
    report, kept = _kept(engine, settings, fmt="html", lang="en")
    with clock.set_to(NOW):
        outcomes = deliver(engine, settings, kept.id)
    assert [(o.channel, o.status) for o in outcomes] == [("webhook", "ok")]
    ((path, payload),) = webhook_server.received
    assert path == "/hook?access_token=s3cret"
    assert payload["url"] == f"https://ioc.example/reports/file/{kept.id}"
    assert (payload["kind"], payload["first_day"], payload["lang"], payload["format"]) == ("daily", "2026-11-16",
                                                                                          "en", "html")
    assert payload["sha256"] == kept.sha256 and payload["incomplete"] == ["traffic"]
    assert payload["title"] == "Chengjiang city operations daily report 2026-11-16"
    assert any(line.startswith(f"{report.received:,.0f} complaints received") for line in payload["summary"])
    recorded = deliveries(engine, report_id=kept.id)
    assert recorded["target"].tolist() == [f"http://127.0.0.1:{webhook_server.server_port}/hook"]  # no token


def test_a_failing_webhook_is_retried_later_by_the_retry_job_without_waiting(city, webhook_server, tmp_path):
    """The first attempt fails and returns at once; the retry job sends nothing before the backoff has passed
    on the clock, then the second attempt (5 s on), the third (another 10 s on), which is delivered."""
    engine, base = city
    webhook_server.statuses = [503, 500]
    url = f"http://127.0.0.1:{webhook_server.server_port}/hook?access_token=s3cret"
    settings = _settings(base, tmp_path, report_webhook_urls=[url], report_delivery_backoff_s=5.0)
    report, kept = _kept(engine, settings, fmt="html")
    with clock.set_to(NOW):
        (first,) = deliver(engine, settings, kept.id)
    assert (first.status, first.attempts, first.next_at) == ("retrying", 1, NOW + timedelta(seconds=5))
    assert reports(engine).set_index("id").at[kept.id, "delivery"] == "retrying"
    steps = [(4.9, 1), (5.0, 2), (14.9, 2), (15.0, 3), (600.0, 3)]  # seconds after NOW, attempts made by then
    for seconds, made in steps:
        with clock.set_to(NOW + timedelta(seconds=seconds)):
            retry_due(engine, settings)
        assert len(webhook_server.received) == made, seconds
    rows = deliveries(engine, report_id=kept.id).sort_values("attempt")
    assert rows["status"].tolist() == ["failed", "failed", "ok"]
    assert rows["attempted_at"].tolist() == [NOW + timedelta(seconds=s) for s in (0, 5, 15)]
    assert rows["next_attempt_at"].tolist()[:2] == [NOW + timedelta(seconds=s) for s in (5, 15)]
    assert "503" in rows["error"].iloc[0] and "500" in rows["error"].iloc[1]
    assert "s3cret" not in "".join(rows["error"].iloc[:2])
    assert {body["sha256"] for _, body in webhook_server.received} == {kept.sha256}
    assert failed_deliveries(engine, NOW.replace(year=2000)).query(f"report_id == {kept.id}").empty
    assert reports(engine).set_index("id").at[kept.id, "delivery"] == "ok"


def test_an_undelivered_report_is_recorded_and_listed(city, tmp_path):
    """Mail to a closed port: three attempts, 30 s and then 60 s apart on the clock; the last one is final."""
    engine, base = city
    settings = _settings(base, tmp_path, report_smtp_host="127.0.0.1", report_smtp_port=9,
                         report_mail_to=["leader@city.example"], report_delivery_attempts=3)
    report, kept = _kept(engine, settings, fmt="html", lang="en")
    with clock.set_to(NOW):
        (outcome,) = deliver(engine, settings, kept.id)
    for seconds in (29, 30, 89, 90, 3600):
        with clock.set_to(NOW + timedelta(seconds=seconds)):
            outcomes = retry_due(engine, settings)
        outcome = outcomes[0] if outcomes else outcome
    assert (outcome.status, outcome.attempts, outcome.next_at) == ("failed", 3, None)
    rows = deliveries(engine, report_id=kept.id).sort_values("attempt")
    assert rows["status"].tolist() == ["failed"] * 3
    assert rows["attempted_at"].tolist() == [NOW + timedelta(seconds=s) for s in (0, 30, 90)]
    assert rows["error"].str.contains("ConnectionRefusedError").all()
    failed = failed_deliveries(engine, datetime(2026, 11, 16, tzinfo=UTC))
    assert failed.query(f"report_id == {kept.id}")[["channel", "target", "attempt"]].values.tolist() == [
        ["smtp", "leader@city.example", 3]]
    assert pd.isna(failed.query(f"report_id == {kept.id}")["next_attempt_at"].iloc[0])  # final: shown as failed
    listed = reports(engine).set_index("id").loc[kept.id]
    assert (listed["delivery"], listed["failures"]) == ("failed", 3)


def test_a_kept_report_is_delivered_without_the_job_waiting(city, webhook_server, tmp_path):
    """The scheduled run keeps the report and makes one attempt; its failure leaves a retry due, not a wait."""
    engine, base = city
    webhook_server.statuses = [503]
    url = f"http://127.0.0.1:{webhook_server.server_port}/hook"
    settings = _settings(base, tmp_path, report_webhook_urls=[url], report_delivery_backoff_s=3600.0)
    with clock.set_to(NOW):
        lines = run_report(engine, settings, "daily", DAY)
    assert len(webhook_server.received) == 1
    assert lines[1] == (f"  webhook {url}: retrying at attempt 1: HTTPStatusError: Server error '503 Service "
                        f"Unavailable' for url '{url}'; next attempt at 2026-11-17 01:00:00 UTC")
    with clock.set_to(NOW + timedelta(hours=1)):
        (retried,) = retry_due(engine, settings)
    assert (retried.status, retried.attempts, len(webhook_server.received)) == ("ok", 2, 2)


def test_the_collector_process_retry_job_makes_the_due_attempts(city, webhook_server, tmp_path):
    """The scheduler's ``report deliveries`` job, run as the scheduler runs it (through its lease)."""
    engine, base = city
    webhook_server.statuses = [503]
    url = f"http://127.0.0.1:{webhook_server.server_port}/hook"
    settings = _settings(base, tmp_path, report_webhook_urls=[url], report_delivery_backoff_s=60.0)
    _, kept = _kept(engine, settings, fmt="html")
    with clock.set_to(NOW):
        deliver(engine, settings, kept.id)
    scheduler = BackgroundScheduler(timezone=UTC)
    runner = FeedRunner(engine)
    try:
        add_report_jobs(scheduler, runner, settings)
        job = scheduler.get_job("report deliveries")
        with clock.set_to(NOW + timedelta(seconds=59)):
            job.func(*job.args)
        assert len(webhook_server.received) == 1
        with clock.set_to(NOW + timedelta(seconds=60)):
            job.func(*job.args)
    finally:
        runner.close()
    assert len(webhook_server.received) == 2
    assert deliveries(engine, report_id=kept.id)["status"].tolist() == ["ok", "failed"]  # newest first
