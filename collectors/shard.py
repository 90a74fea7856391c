"""Which feeds one collector process runs: a list of names (``--feeds a,b``) and/or one shard of N
(``--shard 1/2``).

A feed's shard comes from a hash of its name alone (SHA-256, not Python's salted ``hash``), so every process of
every machine, started in any order, assigns it the same way, and adding or removing a feed never moves the
others. Processes configured by mistake with overlapping feeds are kept apart by a lease per feed on the
database (:func:`dashboard.db.feedops.feed_lease`).
"""

from __future__ import annotations

import hashlib
import re

from collectors.config import FeedConfig


def shard_of(name: str, count: int) -> int:
    """The shard (1 … ``count``) that runs the feed called ``name``."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"1/2"`` → ``(1, 2)``; the shard number runs from 1 to the count."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None:
        raise ValueError(f"shard {text!r}: expected K/N, e.g. 1/2")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise ValueError(f"shard {text!r}: K must be between 1 and N")
    return index, count


def select_feeds(feeds: list[FeedConfig], names: list[str] | None = None,
                 shard: tuple[int, int] | None = None) -> list[FeedConfig]:
    """The feeds named in ``names`` (all when None), then those of ``shard`` among them. A name that is not
    configured is an error, not a feed silently left out."""
    if names is not None:
        known = {feed.name for feed in feeds}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"unknown feeds {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
        feeds = [feed for feed in feeds if feed.name in set(names)]
    if shard is not None:
        index, count = shard
        feeds = [feed for feed in feeds if shard_of(feed.name, count) == index]
    return feeds
