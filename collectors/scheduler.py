"""APScheduler 3 jobs, one per feed, run in the collector process (never inside web workers).

Each job has ``max_instances=1`` (a slow run is never overlapped by the next), ``coalesce=True`` (missed
runs collapse into one), an explicit misfire grace time and a jitter so feeds do not poll in lockstep.
A feed still backfilling (its run stopped at ``max_records_per_run``) is run again as soon as the run ends.
A feed whose credentials are refused is paused until the process restarts.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from collectors.config import FeedConfig
from collectors.runner import FeedRunner
from dashboard import clock
from dashboard.alerts.evaluate import evaluate
from dashboard.db import partitions
from dashboard.db.engine import refresh_statistics
from dashboard.db.feedops import FeedLeases
from dashboard.report.schedule import missing_latest, retry_deliveries, run_report, scheduled_report
from dashboard.settings import Settings, get_settings

log = logging.getLogger(__name__)

MAX_JITTER_SECONDS = 5


class FeedJob:
    """The callable the scheduler runs for one feed; database outages are logged once, not raised."""

    def __init__(self, runner: FeedRunner, feed: FeedConfig, scheduler: BaseScheduler) -> None:
        self.runner = runner
        self.feed = feed
        self.scheduler = scheduler
        self._database_down = False

    def __call__(self) -> bool:
        """Run the feed once; returns whether it has more to read right away (a backfill in progress)."""
        try:
            result = self.runner.run(self.feed)
        except SQLAlchemyError as exc:
            if not self._database_down:
                log.error("feed %s: database unavailable, will retry next interval: %s", self.feed.name, exc)
            self._database_down = True
            return False
        if self._database_down:
            log.warning("feed %s: database reachable again", self.feed.name)
            self._database_down = False
        if result.status == "auth_failed":
            log.error("feed %s paused: %s", self.feed.name, result.error)
            self.scheduler.pause_job(self.feed.name)
        return result.more


def run_again_when_behind(scheduler: BaseScheduler) -> None:
    """A feed job that returns True (stopped at ``max_records_per_run``) runs again at once, not an interval
    later. The listener fires once the run has finished, so runs never overlap."""

    def run_now(job_id: str) -> None:
        if scheduler.get_job(job_id) is not None:
            scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    def listener(event: JobExecutionEvent) -> None:
        # From a thread of its own: a run that ends before the scheduler loop has set the job's next regular
        # run time notifies from inside that loop, which would then overwrite ours.
        if event.retval is True:
            threading.Thread(target=run_now, args=(event.job_id,), name=f"rerun-{event.job_id}").start()

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED)


def add_feed_jobs(scheduler: BaseScheduler, runner: FeedRunner, feeds: list[FeedConfig]) -> None:
    """Schedule every enabled feed, the first run right away."""
    now = datetime.now(UTC)
    for feed in feeds:
        if not feed.enabled:
            continue
        scheduler.add_job(
            FeedJob(runner, feed, scheduler),
            trigger=IntervalTrigger(
                seconds=feed.interval_seconds, jitter=min(MAX_JITTER_SECONDS, feed.interval_seconds // 10)
            ),
            id=feed.name,
            name=f"feed {feed.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(feed.interval_seconds, 30),
            next_run_time=now,
            replace_existing=True,
        )


ALERT_INTERVAL_SECONDS = 60


class HousekeepingJob:
    """A periodic job on the database (alert rules, planner statistics): a database outage never raises, and is
    logged once when it begins and once when it ends, not at every run."""

    def __init__(self, name: str, work) -> None:
        self.name = name
        self.work = work
        self.failing = False

    def __call__(self, engine, leases: FeedLeases | None = None) -> None:
        try:
            # Every collector process of a sharded deployment schedules this job; the lease holder does the work.
            lease = leases.lease(f"housekeeping: {self.name}") if leases is not None else nullcontext(True)
            with lease as granted:
                if granted:
                    self.work(engine)
        except SQLAlchemyError as exc:
            if not self.failing:
                log.warning("%s: database unavailable, retrying every run: %s", self.name, exc)
            self.failing = True
            return
        if self.failing:
            log.info("%s: database available again", self.name)
        self.failing = False


def _evaluate_alerts(engine) -> None:
    """Evaluate every alert rule now."""
    settings = get_settings()
    evaluate(engine, clock.now(), settings.city_timezone, settings.stale_after_intervals)


STATISTICS_INTERVAL_SECONDS = 600
PARTITIONS_INTERVAL_SECONDS = 3600


def maintain_partitions(engine) -> None:
    """PostgreSQL: create the coming months' partitions of the fact tables and drop those beyond retention."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        done = partitions.maintain(conn, datetime.now(UTC), get_settings().retention_months)
    if done["created"] or done["dropped"]:
        log.info("partitions created: %s; dropped (beyond retention): %s", ", ".join(done["created"]) or "none",
                 ", ".join(done["dropped"]) or "none")


def _add_housekeeping(scheduler: BaseScheduler, job: HousekeepingJob, runner: FeedRunner, seconds: int,
                      first_run: datetime | None = None) -> None:
    extra = {"next_run_time": first_run} if first_run is not None else {}
    scheduler.add_job(job, args=[runner.engine, runner.leases], trigger=IntervalTrigger(seconds=seconds), id=job.name,
                      name=job.name, max_instances=1, coalesce=True, misfire_grace_time=seconds, replace_existing=True,
                      **extra)


#: How late a report job may still run after its time (the collector was busy or restarting).
REPORT_GRACE_SECONDS = 6 * 3600
#: Delay before the catch-up of a report whose time passed while the collector was not running.
REPORT_CATCH_UP_SECONDS = 120
#: How often the failed report deliveries that are due are tried again.
REPORT_RETRY_SECONDS = 30


def report_triggers(settings: Settings) -> dict[str, CronTrigger]:
    """The daily report at ``report_daily_time`` and the weekly on ``report_weekly_day`` at that time, local."""
    hour, minute = (int(part) for part in settings.report_daily_time.split(":"))
    zone = settings.city_timezone
    return {
        "daily": CronTrigger(hour=hour, minute=minute, timezone=zone),
        "weekly": CronTrigger(day_of_week=settings.report_weekly_day, hour=hour, minute=minute, timezone=zone),
    }


def _catch_up(engine, settings: Settings) -> None:
    """At start: the latest daily and weekly reports, if their time passed while the collector was down."""
    for kind in ("daily", "weekly"):
        if (day := missing_latest(engine, settings, kind)) is not None:
            for line in run_report(engine, settings, kind, day):
                log.info("%s report %s (catch-up): %s", kind, day, line)


def add_report_jobs(scheduler: BaseScheduler, runner: FeedRunner, settings: Settings) -> None:
    """The report jobs (when ``report_enabled``): one per kind on its trigger, and one catch-up soon after start;
    leased like the other housekeeping, so one collector process of a sharded deployment writes each report.
    A failing report is logged and tried again at its next time; a failed delivery is recorded and tried again
    by the retry job when due (never by waiting inside a report job)."""
    if not settings.report_enabled:
        return
    args = [runner.engine, runner.leases]
    for kind, trigger in report_triggers(settings).items():
        job = HousekeepingJob(f"{kind} report", lambda engine, kind=kind: scheduled_report(engine, settings, kind))
        scheduler.add_job(job, args=args, trigger=trigger, id=job.name, name=job.name, max_instances=1,
                          coalesce=True, misfire_grace_time=REPORT_GRACE_SECONDS, replace_existing=True)
    retries = HousekeepingJob("report deliveries", lambda engine: retry_deliveries(engine, settings))
    _add_housekeeping(scheduler, retries, runner, REPORT_RETRY_SECONDS)
    catch_up = HousekeepingJob("report catch-up", lambda engine: _catch_up(engine, settings))
    scheduler.add_job(catch_up, args=args, id=catch_up.name, name=catch_up.name, replace_existing=True,
                      next_run_time=datetime.now(UTC) + timedelta(seconds=REPORT_CATCH_UP_SECONDS))


def build_scheduler(
    runner: FeedRunner, feeds: list[FeedConfig], blocking: bool, reports: Settings | None = None
) -> BaseScheduler:
    """A scheduler with one job per feed and the alert job; blocking for the collector process, background
    for the demo; with the report jobs of :func:`add_report_jobs` when given the ``reports`` settings."""
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=UTC, job_defaults={"max_instances": 1, "coalesce": True})
    add_feed_jobs(scheduler, runner, feeds)
    run_again_when_behind(scheduler)
    _add_housekeeping(scheduler, HousekeepingJob("alert rules", _evaluate_alerts), runner,
                      ALERT_INTERVAL_SECONDS)
    _add_housekeeping(scheduler, HousekeepingJob("planner statistics", refresh_statistics), runner,
                      STATISTICS_INTERVAL_SECONDS)
    _add_housekeeping(scheduler, HousekeepingJob("partitions", maintain_partitions), runner,
                      PARTITIONS_INTERVAL_SECONDS, first_run=datetime.now(UTC))
    if reports is not None:
        add_report_jobs(scheduler, runner, reports)
    return scheduler
