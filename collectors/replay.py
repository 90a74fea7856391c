"""Recovering after a fix: replay a feed's quarantine with the current configuration, or read a drop file again.

A replay maps the quarantined payloads again, stores what is now valid, quarantines anew what still fails and
releases the entries it replayed — all in one transaction, recorded as a ``replay`` run whose ``released``
count lets reconciliation account for them (quarantined = rejected − released).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from collectors.config import FeedConfig
from collectors.dialects import run_extras
from collectors.registry import collector_class, create_collector
from collectors.runner import FeedRunner, RunResult, validate
from collectors.sinks import store
from dashboard import clock
from dashboard.db import feedops, replays
from dashboard.db.upsert import UpsertCounts
from dashboard.geo.locator import DistrictLocator
from dashboard.settings import get_settings

log = logging.getLogger(__name__)


class ReplayError(ValueError):
    """The feed cannot replay or reprocess (its protocol, a missing file)."""


@dataclass
class ReplayResult:
    """What a replay did."""

    feed: str
    replayed: int = 0  # quarantined entries mapped again
    kept: int = 0  # entries left in quarantine that cannot be replayed (a whole unreadable file, a cut payload)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # still failing: quarantined anew with today's reason
    filtered: int = 0


def _payloads(entries: list[tuple[int, str | None, str]]) -> tuple[list[int], list, int]:
    ids, payloads, kept = [], [], 0
    for entry_id, _ref, payload in entries:
        try:
            value = json.loads(payload)
        except ValueError:
            kept += 1  # raw bytes of an unreadable file, or a payload cut to the quarantine's limit
            continue
        ids.append(entry_id)
        payloads.append(value)
    return ids, payloads, kept


def replay(
    engine: Engine, feed: FeedConfig, since: datetime | None = None, now: datetime | None = None
) -> ReplayResult:
    """Map the feed's quarantined entries (received since ``since``) again and store what is now valid."""
    if not hasattr(collector_class(feed.protocol), "remap"):
        raise ReplayError(f"feed {feed.name}: protocol {feed.protocol} cannot replay its quarantine")
    started = (now or clock.now()).astimezone(UTC)
    with engine.connect() as conn:
        ids, payloads, kept = _payloads(replays.quarantined(conn, feed.name, since))
    result = ReplayResult(feed.name, replayed=len(ids), kept=kept)
    if not ids:
        return result
    try:
        batch = create_collector(feed, None).remap(payloads)
    except ValueError as exc:
        raise ReplayError(f"feed {feed.name}: {exc}") from None
    valid, rejected = validate(feed, batch)
    with engine.begin() as conn:
        locator = DistrictLocator.from_connection(conn) if feed.domain == "complaints" else None
        counts = (
            store(conn, feed.domain, feed.source_name, valid, started, locator, timezone=get_settings().city_timezone)
            if valid
            else UpsertCounts()
        )
        extras = run_extras(batch)
        extras["note"] = f"replay of {len(ids)} quarantined records" + (f"; {extras['note']}" if extras["note"] else "")
        run_id = feedops.record_run(
            conn, feed=feed.name, kind="replay", started_at=started, finished_at=clock.now(), status="ok",
            fetched=len(batch.records) + len(batch.rejected), new=counts.new, updated=counts.updated,
            unchanged=counts.unchanged, rejected=len(rejected), released=len(ids), **extras,
        )
        replays.release(conn, ids)
        feedops.quarantine(conn, feed.name, run_id, started, rejected)
    log.info("feed %s: replayed %d quarantined records: %d new, %d updated, %d still quarantined",
             feed.name, len(ids), counts.new, counts.updated, len(rejected))
    result.new, result.updated, result.unchanged = counts.new, counts.updated, counts.unchanged
    result.rejected, result.filtered = len(rejected), batch.filtered
    return result


def _find(feed: FeedConfig, file: str) -> Path:
    folder = feed.folder
    given = Path(file)
    candidates = [given] if given.is_absolute() else [folder / sub / file for sub in ("processed", "rejected")]
    for path in candidates:
        if path.is_file():
            return path
    looked = ", ".join(map(str, candidates))
    raise ReplayError(f"feed {feed.name}: no processed or rejected file {file} (looked in {looked})")


def reprocess(engine: Engine, feed: FeedConfig, file: str, runner: FeedRunner | None = None) -> RunResult:
    """Read a processed or rejected drop file again: it goes back into the drop folder, its cursor and quarantined
    entries are released (recorded as a replay run), and the feed runs."""
    if feed.folder is None:
        raise ReplayError(f"feed {feed.name}: only drop-folder feeds have files to reprocess")
    path = _find(feed, file)
    target = feed.folder / path.name
    started = clock.now()
    with engine.begin() as conn:
        ids = replays.file_entries(conn, feed.name, path.name)
        replays.forget_cursor(conn, feed.name, path.name)
        feedops.record_run(
            conn, feed=feed.name, kind="replay", started_at=started, finished_at=started, status="ok",
            released=len(ids), note=f"reprocess {path.name}: {len(ids)} quarantined entries released, read again",
        )
        replays.release(conn, ids)
    os.replace(path, target)
    path.with_name(f"{path.name}.reason.txt").unlink(missing_ok=True)
    log.info("feed %s: %s moved back from %s/ to be read again", feed.name, path.name, path.parent.name)
    return (runner or FeedRunner(engine)).run(feed)
