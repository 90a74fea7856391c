"""The collector process's periodic jobs on the database: an outage is logged when it begins and when it ends."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from collectors.scheduler import HousekeepingJob


def test_an_outage_is_logged_once_and_its_end_once(caplog):
    database_up = [False]

    def work(_engine):
        if not database_up[0]:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    job = HousekeepingJob("alert rules", work)
    with caplog.at_level(logging.INFO, logger="collectors.scheduler"):
        for _ in range(5):
            job(None)  # never raises
        database_up[0] = True
        job(None)
        job(None)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("alert rules: database unavailable") and "connection refused" in messages[0]
    assert messages[1] == "alert rules: database available again"
