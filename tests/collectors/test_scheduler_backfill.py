"""A feed whose run stopped at max_records_per_run runs again at once, never overlapping itself."""

from __future__ import annotations

import threading

from collectors.config import FeedConfig
from collectors.runner import RunResult
from collectors.scheduler import build_scheduler


class _BackfillingRunner:
    """Pretends to be behind for the first ``behind`` runs; records overlapping runs."""

    def __init__(self, behind: int) -> None:
        self.engine = None
        self.leases = None  # housekeeping jobs run without leases
        self.behind = behind
        self.runs = 0
        self.overlaps = 0
        self._running = threading.Lock()
        self.caught_up = threading.Event()

    def run(self, feed: FeedConfig) -> RunResult:
        if not self._running.acquire(blocking=False):
            self.overlaps += 1
            return RunResult(feed.name, "ok")
        try:
            self.runs += 1
            more = self.runs <= self.behind
            if not more:
                self.caught_up.set()
            return RunResult(feed.name, "ok", fetched=10, new=10, more=more)
        finally:
            self._running.release()


def test_a_feed_behind_runs_again_until_caught_up_without_waiting_an_interval():
    feed = FeedConfig(name="backfill", domain="traffic", protocol="ngsi", url="http://upstream/ngsi/v2",
                      interval_seconds=3600, options={"entity_type": "TrafficFlowObserved"})
    runner = _BackfillingRunner(behind=3)
    scheduler = build_scheduler(runner, [feed], blocking=False)
    scheduler.start()
    try:
        assert runner.caught_up.wait(timeout=30), f"only {runner.runs} runs within the hour's interval"
    finally:
        scheduler.shutdown(wait=True)
    assert runner.runs == 4
    assert runner.overlaps == 0
