"""Complaints per local day and month from the rollups, against the synthetic city's tickets counted by hand
(now: noon on Saturday 21 November 2026 in Shanghai) and the oracle's counts over the raw facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from dashboard.queries.kpis import complaint_series
from tests.dashboard.synthetic_city import NOW, populate
from tests.oracle import oracle

TZ = "Asia/Shanghai"


def test_days_and_months(engine):
    populate(engine)
    week = complaint_series(engine, NOW - timedelta(days=7), NOW, TZ, "day")
    counts = zip(week["received"], week["closed"], strict=True)
    days = dict(zip(week["hour"].dt.tz_convert(TZ).dt.strftime("%m-%d"), counts, strict=True))
    # 21 Nov: five received, one closed (C3); 20 Nov: three (21:00-23:00); 18 Nov: C24 received, C22 closed.
    assert days == {"11-14": (0, 0), "11-15": (0, 0), "11-16": (0, 0), "11-17": (0, 0), "11-18": (1, 1),
                    "11-19": (0, 0), "11-20": (3, 0), "11-21": (5, 1)}
    district = complaint_series(engine, NOW - timedelta(days=7), NOW, TZ, "day", "339902")
    assert list(district["received"]) == [0, 0, 0, 0, 0, 0, 3, 1]
    year = complaint_series(engine, datetime(2025, 12, 31, 16, tzinfo=UTC), NOW, TZ, "month")
    assert len(year) == 11 and year["hour"].iloc[-1] == pd.Timestamp("2026-10-31T16:00Z")
    # October: C25 received 7 October, closed 17 October; November: thirteen received, four closed.
    assert list(year["received"].iloc[-2:]) == [1, 13] and list(year["closed"].iloc[-2:]) == [1, 4]
    facts = oracle.Facts.read(engine)
    for start, received in zip(year["hour"], year["received"], strict=True):
        end = min(_month_end(start), pd.Timestamp(NOW))
        assert received == oracle.complaint_numbers(facts, start, end, NOW)["received"], start


def _month_end(start: pd.Timestamp) -> pd.Timestamp:
    local = start.tz_convert(TZ)
    return (local + pd.DateOffset(months=1)).tz_convert("UTC")
