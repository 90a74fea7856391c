"""The collector contract (DESIGN §5): a feed implements only ``fetch(cursor) -> Batch``.

Everything else — retries, validation, quarantine, the single transaction that stores rows, advances the
cursor and records the run — is the runner's job (:mod:`collectors.runner`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from collectors.config import FeedConfig
from collectors.http import FeedHttpClient

#: Partition name of a feed that keeps a single cursor.
WHOLE_FEED = "*"


@dataclass
class SourceRecord:
    """One record as a feed understood it: canonical fields for its domain, plus what arrived."""

    ref: str  # the record's id in its source, for error messages
    data: dict[str, Any]  # fields of the domain's record model (collectors.records)
    raw: Any  # the payload as received, kept for quarantine


@dataclass
class Rejected:
    """A record the feed could not even parse; it goes to quarantine with the reason."""

    ref: str | None
    field: str | None
    reason: str
    raw: Any


@dataclass
class Batch:
    """What one fetch returned.

    ``cursor`` maps partitions to their new value: a datetime (the newest source time read, clamped by the
    runner to the run's start) or any string (e.g. a file checksum). ``after_commit`` callbacks run once
    the batch is stored (e.g. moving a processed file away). ``filtered`` counts source rows a ``where``
    condition left out (neither stored nor quarantined); ``unread`` counts, per source field no mapping
    reads, the values that arrived in it; ``notes`` are remarks for the run record (e.g. a file dropped twice).
    """

    records: list[SourceRecord] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cursor: dict[str, datetime | str] = field(default_factory=dict)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    filtered: int = 0
    unread: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Cursor:
    """Where a feed left off, per partition, and the run's time bounds.

    Reading is closed-start (``>=``) from the stored value minus the feed's lag window, so late data is
    read again (and deduplicated by the natural key). A run reads nothing newer than ``run_started_at``.
    """

    values: Mapping[str, str]
    run_started_at: datetime
    lag: timedelta
    default_start: datetime
    override_start: datetime | None = None

    def since(self, partition: str = WHOLE_FEED) -> datetime:
        """The start of the window to read for ``partition``."""
        if self.override_start is not None:
            return self.override_start
        stored = self.values.get(partition)
        if stored is None:
            return self.default_start
        try:
            return datetime.fromisoformat(stored) - self.lag
        except ValueError:
            return self.default_start

    def raw(self, partition: str) -> str | None:
        """The stored value of ``partition`` as it is (for non-time cursors)."""
        return self.values.get(partition)


class Collector(ABC):
    """Base class of every feed adapter; its records are validated against the model of ``feed.domain``.

    A collector is made afresh for every run, unless it is ``persistent`` (e.g. a live subscription): then
    one instance serves every run of its feed and is closed when the collector process stops.
    """

    persistent: ClassVar[bool] = False

    def __init__(self, feed: FeedConfig, http: FeedHttpClient) -> None:
        self.feed = feed
        self.http = http

    @abstractmethod
    def fetch(self, cursor: Cursor) -> Batch:
        """Read everything new since ``cursor`` (bounded by the feed's limits) and return it."""

    def close(self) -> None:  # noqa: B027 - a no-op by default: only persistent collectors hold anything
        """Release what a persistent collector holds (connections, threads)."""
