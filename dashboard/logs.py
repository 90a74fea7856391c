"""Logging set-up for every CityOps process."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from dashboard.privacy import PersonalDataFilter

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """One line per event: time, level, logger, message — as text, or as a JSON object (``fmt="json"``).

    Phone and ID numbers are masked in every line, whatever logged them.
    """
    logging.basicConfig(level=level.upper(), format=TEXT_FORMAT, force=True)
    for handler in logging.getLogger().handlers:
        if fmt == "json":
            handler.setFormatter(
                JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"})
            )
        handler.addFilter(PersonalDataFilter())
    for noisy in ("httpx", "httpcore", "apscheduler", "waitress.queue", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A run still going when its next turn comes is skipped by design (max_instances=1): not worth a warning.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
