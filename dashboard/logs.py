"""Logging set-up for every CityOps process."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """One line per event: time, level, logger, message."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "waitress.queue", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A run still going when its next turn comes is skipped by design (max_instances=1): not worth a warning.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
