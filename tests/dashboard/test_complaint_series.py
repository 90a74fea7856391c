"""Complaints per local day and month from the rollups, against the synthetic city's tickets counted by hand
(now: noon on Saturday 21 November 2026 in Shanghai) and the oracle's counts over the raw facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

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


def test_hall_days_equal_the_oracle(engine):
    from dashboard.queries.halls import hall_series

    populate(engine, background=True)
    facts = oracle.Facts.read(engine)
    start = NOW - timedelta(days=3)
    days = hall_series(engine, start, NOW, TZ, "day")
    assert len(days) == 4 and days["issued"].sum() > 0
    assert days["issued"].sum() == len(facts.halls[facts.halls["issued_at"] >= start])
    for first, issued, wait in zip(days["hour"], days["issued"], days["wait_min"], strict=True):
        begin, end = max(first, pd.Timestamp(start)), min(first + pd.Timedelta(days=1), pd.Timestamp(NOW))
        expected = oracle.hall_numbers(facts, begin, end, NOW)
        tickets = facts.halls[(facts.halls["issued_at"] >= begin) & (facts.halls["issued_at"] < end)]
        assert issued == len(tickets), first
        assert (pd.isna(wait) and expected["wait_minutes"] is None) or wait == pytest.approx(expected["wait_minutes"])


def test_network_days_and_months_equal_the_period_kpi(engine):
    from dashboard.queries.kpis import network_series, period_measures

    populate(engine)
    day_start = datetime(2026, 11, 20, 16, tzinfo=UTC)  # the synthetic city's traffic: its last 20 minutes
    days = network_series(engine, NOW - timedelta(days=7), NOW, TZ, "day")
    assert list(days["hour"]) == [pd.Timestamp(day_start)]
    expected = period_measures(engine, day_start, NOW, TZ)["traffic_tpi"].value
    assert days["tpi"].iloc[0] == pytest.approx(expected) and expected > 0
    months = network_series(engine, datetime(2025, 12, 31, 16, tzinfo=UTC), NOW, TZ, "month")
    assert list(months["hour"]) == [pd.Timestamp("2026-10-31T16:00Z")]
    assert months["tpi"].iloc[0] == pytest.approx(expected)
