"""What each feed has served: distinct records, distinct versions, and records served malformed."""

from __future__ import annotations

import threading

import numpy as np

FEED_NAMES = (
    "open311",
    "ngsi:TrafficFlowObserved",
    "ngsi:AirQualityObserved",
    "sta:Observations",
    "halls:tickets",
    "hotline:files",
)


class _FeedLedger:
    def __init__(self) -> None:
        self.served = np.zeros((0, 1), dtype=bool)
        self.malformed: set[str] = set()
        self.files = 0

    def mark(self, rows: np.ndarray, versions: np.ndarray, width: int) -> None:
        if len(rows) == 0:
            return
        need = int(rows.max()) + 1
        if need > self.served.shape[0] or width > self.served.shape[1]:
            grown = np.zeros((max(need, 2 * self.served.shape[0]), max(width, self.served.shape[1])), dtype=bool)
            grown[: self.served.shape[0], : self.served.shape[1]] = self.served
            self.served = grown
        self.served[rows, versions] = True


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
    ) -> None:
        """Record that ``rows`` (record indexes) were served at ``versions`` (version indexes < ``width``)."""
        rows = np.asarray(rows, dtype=np.int64)
        versions = np.zeros(len(rows), dtype=np.int64) if versions is None else np.asarray(versions, dtype=np.int64)
        with self._lock:
            ledger = self._feeds[feed]
            ledger.mark(rows, versions, width)
            ledger.malformed.update(malformed or [])
            ledger.files += files

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
