"""One run of one feed, as DESIGN §5 prescribes.

1. read the cursor (closed start, minus the lag window; never past the run's start);
2. fetch through the feed's HTTP client (retries live there);
3. validate every record; invalid ones go to quarantine with feed, record and field;
4. in ONE transaction: upsert the rows, quarantine, advance the cursor, write the ``feed_run`` row —
   a crash anywhere leaves the previous state intact (tests crash runs at :data:`KILL_POINTS` through a
   fault hook to prove it);
5. log on transitions only (failing → recovered), not on every failed poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from pydantic import ValidationError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from tenacity import before_sleep_log, retry, retry_if_exception_type, wait_exponential

from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, Cursor, Rejected
from collectors.dialects import run_extras
from collectors.fields import reject_reason
from collectors.fields import rejected as quarantine_entry
from collectors.http import AuthError, FeedHttpClient, FetchError
from collectors.records import row_validator
from collectors.registry import collector_class, create_collector
from collectors.sinks import store
from dashboard import clock
from dashboard.db import feedops, partitions
from dashboard.db.upsert import UpsertCounts
from dashboard.geo.locator import DistrictLocator
from dashboard.settings import get_settings

log = logging.getLogger(__name__)

#: Points inside a run's transaction where the fault hook is called, in order.
KILL_POINTS = ("before_upsert", "after_upsert", "after_rollups", "before_commit")

#: Longest wait between attempts to reach a database that is down when the collector starts.
MIRROR_MAX_WAIT_S = 30


class BatchRefused(Exception):
    """The database refused to store a batch (a constraint, a value a column cannot hold): a failed run of the
    feed, not an outage. Its message is the database's first line, without the DETAIL that quotes the row."""

    def __init__(self, error: IntegrityError | DataError) -> None:
        reason = (str(error.orig).splitlines() or [""])[0]
        super().__init__(f"storing the batch failed: {type(error.orig).__name__}: {reason}")


@dataclass
class RunResult:
    """What a run did (also stored as its ``feed_run`` row)."""

    feed: str
    status: str  # ok | failed | auth_failed | skipped (the feed's lease is held by another process)
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error: str | None = None
    more: bool = False  # the run stopped at max_records_per_run: run again right away to catch up


def _validation_reason(feed: FeedConfig, ref: str, exc: ValidationError) -> tuple[str | None, str]:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(record)'}: {e['msg']}" for e in exc.errors())
    return field, reject_reason(feed, ref, problems)


def validate(feed: FeedConfig, batch: Batch) -> tuple[list[dict], list[Rejected]]:
    """Split the batch into valid rows (dicts of the domain's record fields) and rejects (the feed's own
    rejects included). The batch is validated in one call; only when it fails are records taken one by one."""
    validator = row_validator(feed.domain)
    items = [{"source_id": record.ref, **record.data} for record in batch.records]
    rejected = list(batch.rejected)
    try:
        return validator.many(items), rejected
    except ValidationError as exc:
        failed = {error["loc"][0] for error in exc.errors()}
    valid = []
    for index, (record, item) in enumerate(zip(batch.records, items, strict=True)):
        if index in failed:
            try:
                validator.one(item)
            except ValidationError as exc:
                field, reason = _validation_reason(feed, record.ref, exc)
                rejected.append(Rejected(record.ref, field, reason, record.raw))
                continue
        valid.append(item)
    return validator.many(valid), rejected


def beyond_retention(feed: FeedConfig, batch: Batch, valid: list[dict], horizon: datetime | None,
                     months: int | None) -> tuple[list[dict], list[Rejected]]:
    """Split off the observations older than the retention horizon (their month's raw facts are dropped and its
    rollups final: storing one would recompute an hour from a partial month); they go to quarantine, named."""
    table = partitions.DOMAINS.get(feed.domain)
    if horizon is None or table is None:
        return valid, []
    column = partitions.PARTITIONED[table]
    kept = [row for row in valid if row[column] >= horizon]
    if len(kept) == len(valid):
        return valid, []
    raws = {record.ref: record.raw for record in batch.records}
    why = (f"before the retention horizon {horizon:%Y-%m-%d} (CITYOPS_RETENTION_MONTHS={months}): that month's "
           "raw facts are dropped and its rollups are final")
    refused = [
        quarantine_entry(feed, row["source_id"], column, f"{row[column]:%Y-%m-%d %H:%M} UTC is {why}",
                         raws.get(row["source_id"]))
        for row in valid if row[column] < horizon
    ]
    return kept, refused


def _clamped_cursor(batch: Batch, started: datetime) -> dict[str, str]:
    """Cursor values to store: times never beyond the run's start (the signpost rule)."""
    values = {}
    for partition, value in batch.cursor.items():
        if isinstance(value, datetime):
            value = min(value.astimezone(UTC), started).isoformat()
        values[partition] = value
    return values


def _max_source_time(rows: list[dict]) -> datetime | None:
    times = [t for t in (r.get("updated_at") or r.get("observed_at") for r in rows) if t is not None]
    return max(times) if times else None


class FeedRunner:
    """Runs feeds against one database; keeps the district locator and last outcome per feed.

    ``timezone`` is the city's, in which daily rollups are cut (default: the ``city_timezone`` setting).
    """

    def __init__(
        self,
        engine: Engine,
        http_factory=FeedHttpClient,
        timezone: str | None = None,
        fault: Callable[[str, Connection], None] | None = None,
        hold_leases: bool = False,
    ) -> None:
        """``fault`` (tests only) is called with each of :data:`KILL_POINTS` and the run's connection as its
        transaction reaches the point; an exception it raises crashes the run there. ``hold_leases`` (the
        collector process) keeps each feed's lease from its first run until :meth:`close`
        (:class:`dashboard.db.feedops.FeedLeases`)."""
        self.leases = feedops.FeedLeases(engine, hold=hold_leases)
        self.retention_months = get_settings().retention_months
        self.engine = engine
        self.timezone = timezone or get_settings().city_timezone
        self._http_factory = http_factory
        self._fault = fault or (lambda point, conn: None)
        self._locator: DistrictLocator | None = None
        self._persistent: dict[str, Collector] = {}
        self._skipping: set[str] = set()  # feeds whose last run was skipped (logged once, on the transition)
        # SQLite has one writer: feeds of this process take turns here instead of failing on its busy timeout
        # behind another feed's long backfill transaction.
        self._writing = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()

    def _fetch(self, feed: FeedConfig, cursor: Cursor) -> Batch:
        if collector_class(feed.protocol).persistent:
            if feed.name not in self._persistent:
                self._persistent[feed.name] = create_collector(feed, None)
            return self._persistent[feed.name].fetch(cursor)
        with self._http_factory(feed) as http:
            return create_collector(feed, http).fetch(cursor)

    def close(self) -> None:
        """Close persistent collectors (live subscriptions) and give up the feeds' leases."""
        for collector in self._persistent.values():
            collector.close()
        self._persistent.clear()
        self.leases.close()

    def _district_locator(self) -> DistrictLocator:
        if self._locator is None or self._locator.empty:
            with self.engine.connect() as conn:
                self._locator = DistrictLocator.from_connection(conn)
        return self._locator

    @retry(retry=retry_if_exception_type(OperationalError), wait=wait_exponential(multiplier=1, max=MIRROR_MAX_WAIT_S),
           before_sleep=before_sleep_log(log, logging.WARNING, exc_info=False), reraise=True)
    def mirror(self, feeds: list[FeedConfig]) -> None:
        """Mirror the configured feeds into the ``feed`` table (for the feeds page and freshness); a database that
        is not up yet is waited for (the collector process starts with the database, in any order)."""
        rows = [
            {
                "name": f.name,
                "domain": f.domain,
                "protocol": f.protocol,
                "interval_s": f.interval_seconds,
                "max_data_age_s": f.max_data_age_seconds,
                "enabled": f.enabled,
                "config_json": f.model_dump_json(),
            }
            for f in feeds
        ]
        with self.engine.begin() as conn:
            feedops.mirror_feeds(conn, rows, clock.now())

    def run(self, feed: FeedConfig, now: datetime | None = None, since: datetime | None = None) -> RunResult:
        """Run ``feed`` once; never raises for upstream or data problems (they are recorded).

        The run holds the feed's lease (:func:`dashboard.db.feedops.feed_lease`) throughout: when another
        collector process is running the same feed, this run is skipped (status ``skipped``, no ``feed_run``
        row: the other process's run is the one recorded)."""
        with self.leases.lease(feed.name) as granted:
            if granted:
                self._skipping.discard(feed.name)
                return self._run(feed, now, since)
        if feed.name not in self._skipping:
            log.warning("feed %s: leased by another collector process; skipped here while it is", feed.name)
            self._skipping.add(feed.name)
        return RunResult(feed.name, "skipped")

    def _run(self, feed: FeedConfig, now: datetime | None, since: datetime | None) -> RunResult:
        started = (now or clock.now()).astimezone(UTC)
        with self.engine.connect() as conn:
            stored = feedops.read_cursor(conn, feed.name)
            previous_status = feedops.last_run_status(conn, feed.name)
            horizon = self._retention_horizon(conn, feed, started)
        cursor = Cursor(
            values=stored,
            run_started_at=started,
            lag=timedelta(seconds=feed.lag_seconds),
            default_start=started - timedelta(days=feed.backfill_days),
            override_start=since,
        )
        try:
            batch = self._fetch(feed, cursor)
        except AuthError as exc:
            return self._failed(feed, started, "auth_failed", str(exc), previous_status)
        except FetchError as exc:
            return self._failed(feed, started, "failed", str(exc), previous_status)
        except Exception as exc:  # a defect in a collector: recorded as a failed run, never raised to the scheduler
            if previous_status != "failed":
                log.exception("feed %s: unexpected error while fetching", feed.name)
            error = f"feed {feed.name}: unexpected {type(exc).__name__}: {exc}"
            return self._failed(feed, started, "failed", error[:1000], previous_status)

        valid, rejected = validate(feed, batch)
        valid, too_old = beyond_retention(feed, batch, valid, horizon, self.retention_months)
        rejected += too_old
        locator = self._district_locator() if feed.domain == "complaints" else None
        try:
            with self._writing, self.engine.begin() as conn:
                self._fault("before_upsert", conn)
                after_upsert = partial(self._fault, "after_upsert", conn)
                try:
                    counts = (
                        store(
                            conn, feed.domain, feed.source_name, valid, started, locator,
                            timezone=self.timezone, checkpoint=after_upsert,
                        )
                        if valid
                        else UpsertCounts()
                    )
                except (IntegrityError, DataError) as exc:
                    raise BatchRefused(exc) from exc
                self._fault("after_rollups", conn)
                run_id = feedops.record_run(
                    conn,
                    feed=feed.name,
                    started_at=started,
                    finished_at=clock.now(),
                    status="ok",
                    fetched=len(batch.records) + len(batch.rejected),
                    new=counts.new,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    rejected=len(rejected),
                    max_source_time=_max_source_time(valid),
                    **run_extras(batch),
                )
                feedops.quarantine(conn, feed.name, run_id, started, rejected)
                feedops.write_cursor(conn, feed.name, _clamped_cursor(batch, started), started)
                self._fault("before_commit", conn)
        except BatchRefused as exc:  # nothing of the batch kept; the next run fetches it again
            return self._failed(feed, started, "failed", f"feed {feed.name}: {exc}"[:1000], previous_status)
        for callback in batch.after_commit:
            callback()
        if previous_status not in (None, "ok"):
            log.warning("feed %s recovered: %d new, %d updated", feed.name, counts.new, counts.updated)
        if rejected:
            log.info("feed %s: %d records quarantined (first: %s)", feed.name, len(rejected), rejected[0].reason)
        for note in batch.notes:
            log.info("feed %s: %s", feed.name, note)
        fetched = len(batch.records) + len(batch.rejected)
        return RunResult(
            feed.name, "ok", fetched, counts.new, counts.updated, counts.unchanged, len(rejected),
            more=fetched >= feed.max_records_per_run,
        )

    def _retention_horizon(self, conn: Connection, feed: FeedConfig, now: datetime) -> datetime | None:
        """Where the raw facts of ``feed``'s table begin to be kept (None: all are kept, as on SQLite)."""
        table = partitions.DOMAINS.get(feed.domain)
        if table is None or not self.retention_months or not partitions.is_partitioned(conn, table):
            return None
        return partitions.retention_horizon(now, self.retention_months)

    def _failed(self, feed: FeedConfig, started: datetime, status: str, error: str, previous: str | None) -> RunResult:
        with self._writing, self.engine.begin() as conn:
            feedops.record_run(
                conn, feed=feed.name, started_at=started, finished_at=clock.now(), status=status, error=error
            )
        if previous != status:
            log.error("feed %s is failing (%s): %s", feed.name, status, error)
        return RunResult(feed.name, status, error=error)
