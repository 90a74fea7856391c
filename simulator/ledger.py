"""What each feed has served: distinct records, distinct versions, records served malformed — and, by natural
key, each record served with the time of the newest version served (for reconciling by identity)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

FEED_NAMES = (
    "open311",
    "ngsi:TrafficFlowObserved",
    "ngsi:AirQualityObserved",
    "sta:Observations",
    "halls:tickets",
    "hotline:files",
)


#: The newest-version time of a record served without one (an observation: it has a single version).
NO_TIME = -1


class _FeedLedger:
    def __init__(self) -> None:
        self.served = np.zeros((0, 1), dtype=bool)
        self.newest = np.full(0, NO_TIME, dtype=np.int64)
        self.malformed: set[str] = set()
        self.files = 0
        self.keys: Callable[[np.ndarray], list[str]] | None = None

    def mark(self, rows: np.ndarray, versions: np.ndarray, width: int, times: np.ndarray | None) -> None:
        if len(rows) == 0:
            return
        need = int(rows.max()) + 1
        if need > self.served.shape[0] or width > self.served.shape[1]:
            grown = np.zeros((max(need, 2 * self.served.shape[0]), max(width, self.served.shape[1])), dtype=bool)
            grown[: self.served.shape[0], : self.served.shape[1]] = self.served
            self.served = grown
            newest = np.full(grown.shape[0], NO_TIME, dtype=np.int64)
            newest[: len(self.newest)] = self.newest
            self.newest = newest
        self.served[rows, versions] = True
        if times is not None:
            np.maximum.at(self.newest, rows, times)


class Ledger:
    """Thread-safe accounting of everything served, per feed."""

    def __init__(self) -> None:
        self._feeds = {name: _FeedLedger() for name in FEED_NAMES}
        self._lock = threading.Lock()

    def mark(
        self,
        feed: str,
        rows: np.ndarray,
        versions: np.ndarray | None = None,
        width: int = 1,
        malformed: list[str] | None = None,
        files: int = 0,
        times: np.ndarray | None = None,
    ) -> None:
        """Record that ``rows`` (record indexes) were served at ``versions`` (version indexes < ``width``),
        versions that changed at ``times`` (epoch seconds; none for observations)."""
        rows = np.asarray(rows, dtype=np.int64)
        versions = np.zeros(len(rows), dtype=np.int64) if versions is None else np.asarray(versions, dtype=np.int64)
        times = None if times is None else np.asarray(times, dtype=np.int64)
        with self._lock:
            ledger = self._feeds[feed]
            ledger.mark(rows, versions, width, times)
            ledger.malformed.update(malformed or [])
            ledger.files += files

    def identify(self, feed: str, keys: Callable[[np.ndarray], list[str]]) -> None:
        """Name the records of ``feed``: ``keys`` gives the natural key (the upstream id) of record indexes."""
        with self._lock:
            self._feeds[feed].keys = keys

    def served_keys(self) -> dict[str, dict[str, int | None]]:
        """Per identified feed: the natural key of every record served -> the time of the newest version served
        (epoch seconds; ``None`` for observations)."""
        with self._lock:
            out = {}
            for name, ledger in self._feeds.items():
                if ledger.keys is None:
                    continue
                rows = np.flatnonzero(ledger.served.any(axis=1))
                newest = ledger.newest[rows].tolist()
                out[name] = {
                    key: None if time == NO_TIME else time
                    for key, time in zip(ledger.keys(rows), newest, strict=True)
                }
            return out

    def report(self) -> dict[str, dict[str, object]]:
        """Per feed: distinct ids, distinct versions, malformed ids (and files for the hotline)."""
        with self._lock:
            out: dict[str, dict[str, object]] = {}
            for name, ledger in self._feeds.items():
                entry: dict[str, object] = {
                    "ids": int(ledger.served.any(axis=1).sum()),
                    "versions": int(ledger.served.sum()),
                    "malformed_ids": sorted(ledger.malformed),
                }
                if name == "hotline:files":
                    entry["files"] = ledger.files
                out[name] = entry
            return out
