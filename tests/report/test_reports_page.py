"""The /reports page lists the kept reports and opens them, for staff only; a failed delivery shows there and on
/feeds; the collector process schedules the reports."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import SecretStr

from collectors.runner import FeedRunner
from collectors.scheduler import add_report_jobs, build_scheduler
from dashboard.auth.store import create_token
from dashboard.db.engine import make_engine
from dashboard.db.reports import record_delivery
from dashboard.report.service import generate
from dashboard.report.store import keep, reports_dir
from dashboard.web.app import create_app
from tests.reliability.dashpages import open_page, page_callbacks, page_layout, post_callback

DAY = date(2026, 11, 16)
FAILED_AT = datetime(2026, 11, 17, 0, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def kept_city(demo_city, tmp_path_factory):
    """A copy of the demo city with the day's report kept in both formats, its mail delivery failed for good and
    its webhook delivery failed once, to be tried again a minute later."""
    engine, _, settings = demo_city
    folder = tmp_path_factory.mktemp("reports-page")
    with closing(sqlite3.connect(engine.url.database)) as source, closing(sqlite3.connect(folder / "c.db")) as copy:
        source.backup(copy)
    engine = make_engine(f"sqlite:///{folder / 'c.db'}")
    settings = settings.model_copy(update={"var_dir": folder, "database_url": str(engine.url)})
    kept = {}
    for fmt in ("pdf", "html"):
        generated = generate(engine, settings, "daily", DAY, "zh", fmt)
        kept[fmt] = keep(engine, reports_dir(folder), generated.report.period, "zh", generated.rendered,
                         generated.report.incomplete, FAILED_AT)
    with engine.begin() as conn:
        record_delivery(conn, kept["pdf"].id, "smtp", "leader@city.example", 4, "failed",
                        "ConnectionRefusedError: [Errno 111] Connection refused", FAILED_AT)
        record_delivery(conn, kept["html"].id, "webhook", "https://im.example/hook", 1, "failed",
                        "HTTPStatusError: 503", FAILED_AT, FAILED_AT + timedelta(minutes=1))  # to be tried again
    yield engine, settings, kept
    engine.dispose()


def _answer(app, client, path: str, lang: str, output: str) -> dict:
    routed = open_page(app, client, path, f"?lang={lang}")
    (body,) = [body for key, body in page_callbacks(client, page_layout(routed)) if output in key]
    return post_callback(client, body).get_json()["response"]


def test_reports_page_lists_and_opens_the_kept_reports(kept_city, monkeypatch):
    engine, settings, kept = kept_city
    monkeypatch.setattr("layouts.viewmodels.reports.snapshot_time", lambda _context: FAILED_AT)
    app = create_app(engine, settings.model_copy(update={"auth_mode": "open"}))
    client = app.server.test_client()
    client.get("/reports")
    for lang, words in (("zh", ["2026-11-16", "日报", "投递失败", "交通", "leader@city.example", "待重试",
                                "无（已放弃）", "11-17 08:06"]),
                        ("en", ["2026-11-16", "daily", "failed", "traffic", "ConnectionRefusedError", "retrying",
                                "none (gave up)", "Next attempt", "11-17 08:06"])):
        answer = _answer(app, client, "/reports", lang, "reports-table")
        assert answer["reports-banner"]["children"] is None
        text = json.dumps(answer, ensure_ascii=False)
        for word in words:
            assert word in text, (lang, word)
        assert f"/reports/file/{kept['pdf'].id}" in text and f"/reports/file/{kept['html'].id}" in text
    pdf = client.get(f"/reports/file/{kept['pdf'].id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == kept["pdf"].path.read_bytes()
    html = client.get(f"/reports/file/{kept['html'].id}")
    assert html.mimetype == "text/html" and "default-src 'none'" in html.headers["Content-Security-Policy"]
    assert client.get("/reports/file/999999").status_code == 404


def test_a_failed_delivery_shows_on_feeds(kept_city, monkeypatch):
    engine, settings, _ = kept_city
    monkeypatch.setattr("layouts.viewmodels.reports.snapshot_time", lambda _context: FAILED_AT)
    monkeypatch.setattr("layouts.components.timepicker.snapshot_time", lambda _context: FAILED_AT)  # the page's span
    app = create_app(engine, settings.model_copy(update={"auth_mode": "open"}))
    client = app.server.test_client()
    client.get("/feeds")
    answer = _answer(app, client, "/feeds", "en", "feeds-deliveries")
    text = json.dumps(answer["feeds-deliveries"], ensure_ascii=False)
    assert "daily 2026-11-16 zh pdf" in text and "leader@city.example" in text and "Connection refused" in text


def test_a_wall_token_may_not_open_reports(kept_city):
    engine, settings, kept = kept_city
    app = create_app(engine, settings.model_copy(update={"auth_mode": "login", "secret_key": SecretStr("k" * 40)}))
    token = create_token(engine, "lobby screen", "wall")
    client = app.server.test_client()
    assert client.get(f"/reports/file/{kept['pdf'].id}").status_code in (302, 401)
    refused = client.get(f"/reports/file/{kept['pdf'].id}?token={token}")
    assert refused.status_code == 403
    assert client.get(f"/reports?token={token}").status_code == 403


def test_the_collector_process_schedules_the_reports(demo_city):
    engine, _, settings = demo_city
    scheduler = BackgroundScheduler(timezone=UTC)
    runner = FeedRunner(engine)
    add_report_jobs(scheduler, runner, settings.model_copy(update={"report_daily_time": "06:30",
                                                                  "report_weekly_day": "tue"}))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"daily report", "weekly report", "report catch-up", "report deliveries"}
    retries = jobs["report deliveries"]
    assert (retries.trigger.interval, retries.max_instances) == (timedelta(seconds=30), 1)
    daily, weekly = jobs["daily report"].trigger, jobs["weekly report"].trigger
    after = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)  # 07:00 local on Tuesday 17 November
    assert daily.get_next_fire_time(None, after) == datetime(2026, 11, 17, 22, 30, tzinfo=UTC)
    assert weekly.get_next_fire_time(None, after) == datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    assert jobs["daily report"].misfire_grace_time == 6 * 3600
    scheduler.remove_all_jobs()
    add_report_jobs(scheduler, runner, settings.model_copy(update={"report_enabled": False}))
    assert scheduler.get_jobs() == []
    try:  # the collector process (and the demo) pass their settings; a scheduler built without has no reports
        with_reports = {job.id for job in build_scheduler(runner, [], blocking=False, reports=settings).get_jobs()}
        without = {job.id for job in build_scheduler(runner, [], blocking=False).get_jobs()}
    finally:
        runner.close()
    assert set(jobs) <= with_reports and not set(jobs) & without
