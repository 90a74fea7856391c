"""Trying a feed without writing anything: which required fields have no mapping, and what a sample would become
(stored, quarantined with the top reasons, filtered) with the source fields no mapping reads."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from collectors.config import FeedConfig
from collectors.contract import Cursor, Rejected
from collectors.http import FeedHttpClient
from collectors.records import RECORD_MODELS
from collectors.registry import collector_class, create_collector
from collectors.runner import validate
from collectors.tabular.mapping import LIFECYCLE_TIMES, UNMAPPED
from dashboard import clock

#: A quoted value in a reason ("got 'abc'"): what differs between records of one cause.
_QUOTED = re.compile(r"'[^']*'")


@dataclass
class DryRun:
    """What a sample of a feed would become."""

    feed: str
    read: int = 0
    stored: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    filtered: int = 0
    unread: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def top_reasons(self, limit: int = 5) -> list[tuple[str, int, str]]:
        """``(cause, how many, an example)`` of the quarantined, the most frequent first; a cause is a reason with
        its quoted values elided, the example one record's full reason."""
        counts: Counter = Counter()
        examples: dict[str, str] = {}
        for entry in self.rejected:
            marker = f"record {entry.ref}: " if entry.ref else None
            reason = entry.reason.split(marker, 1)[1] if marker and marker in entry.reason else entry.reason
            cause = _QUOTED.sub("'…'", reason)
            counts[cause] += 1
            examples.setdefault(cause, f"record {entry.ref or '(unknown)'}: {reason}")
        return [(cause, n, examples[cause]) for cause, n in counts.most_common(limit)]


def unmapped_required(feed: FeedConfig) -> list[str]:
    """Required fields of the feed's records that its mapping does not give (tabular feeds; the other protocols
    map every field themselves): every record would be quarantined."""
    mapping_of = getattr(collector_class(feed.protocol), "mapping", None)
    if mapping_of is None:
        return []
    mapping = mapping_of(feed)
    given = set(mapping.fields) | UNMAPPED
    if mapping.melt is not None:
        given |= {"quantity", "value", "unit"}
    if feed.domain in LIFECYCLE_TIMES:
        given.add("updated_at")  # derived from the lifecycle times
    model = RECORD_MODELS[feed.domain]
    return [name for name, info in model.model_fields.items() if info.is_required() and name not in given]


def dry_run(feed: FeedConfig, sample: int, now: datetime | None = None, http_factory=FeedHttpClient) -> DryRun:
    """Fetch (or read) up to about ``sample`` records of ``feed`` from its backfill window, map and validate them;
    nothing is written (no cursor, no rows, drop files stay where they are)."""
    if collector_class(feed.protocol).persistent:
        raise ValueError(f"feed {feed.name}: a {feed.protocol} subscription has no sample to read; run it instead")
    if feed.folder is None:  # HTTP: ask for one page of the sample's size (a drop file is read whole)
        feed = feed.model_copy(update={"max_records_per_run": sample, "page_size": min(feed.page_size, sample)})
    started = (now or clock.now()).astimezone(UTC)
    cursor = Cursor({}, started, timedelta(seconds=feed.lag_seconds), started - timedelta(days=feed.backfill_days))
    with http_factory(feed) as http:
        batch = create_collector(feed, http).fetch(cursor)
    valid, rejected = validate(feed, batch)
    return DryRun(feed.name, len(batch.records) + len(batch.rejected), len(valid), rejected, batch.filtered,
                  batch.unread, batch.notes)
