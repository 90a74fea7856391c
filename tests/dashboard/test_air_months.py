"""HJ 663 monthly figures, checked by hand: the percentile rule (k = 1 + (n − 1)·p), the monthly mean, the
27-day (February: 25) validity and the days by AQI level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard.kpis.air_months import month_figure, monthly_evaluation, percentile

TZ = "Asia/Shanghai"


def test_percentile_by_hj_663():
    days = list(range(1, 31))  # 30 daily values 1 … 30
    assert percentile(days, 90) == pytest.approx(27.1)  # k = 1 + 29 × 0.9 = 27.1: 27 + 0.1 × (28 − 27)
    assert percentile(days, 95) == pytest.approx(28.55)  # k = 28.55
    assert percentile([5.0], 95) == 5.0
    shuffled = [0.7, 3.1, 2.2, 9.4, 4.0, 8.8, 1.5]
    assert percentile(shuffled, 90) == pytest.approx(np.percentile(shuffled, 90))  # numpy's linear rule


def test_monthly_figures_need_27_valid_days_or_25_in_february():
    assert month_figure("pm25", [40.0] * 26 + [None] * 4, 11) is None
    assert month_figure("pm25", [40.0] * 26 + [70.0], 11) == pytest.approx((26 * 40 + 70) / 27)
    assert month_figure("no2", [30.0] * 25, 2) == 30.0 and month_figure("no2", [30.0] * 24, 2) is None
    assert month_figure("o3", list(range(100, 128)), 1) == pytest.approx(100 + 24.3)  # k = 1 + 27 × 0.9 = 25.3


def test_monthly_evaluation_of_a_month_of_days():
    """November 2026: 30 days; PM2.5 10 µg/m³ on the 1st, 3rd, … 29th and 50 on the other days (mean 30),
    O3 8-hour maxima 101 … 130 (90th percentile: k = 27.1, 127.1), CO missing on four days (26 left: no
    figure); AQI 40 on the first 10 days, 80 on the next 14, 100 (still 良) on the 25th and 120 on the last 5
    (25 good days). Two days of December: AQI only."""
    start = datetime(2026, 11, 1, tzinfo=ZoneInfo(TZ))
    rows = [
        {
            "hour": (start + timedelta(days=i)).astimezone(UTC),
            "aqi": 40 if i < 10 else 80 if i < 24 else 100 if i == 24 else 120,
            "pm25": 10.0 if i % 2 == 0 else 50.0,
            "o3": 101.0 + i,
            "co": None if i < 4 else 0.8,
        }
        for i in range(32)
    ]
    months = monthly_evaluation(pd.DataFrame(rows), TZ)
    november, december = months.to_dict("records")
    assert november["hour"] == pd.Timestamp("2026-10-31 16:00", tz="UTC")
    assert november["pm25"] == pytest.approx((15 * 10 + 15 * 50) / 30)  # 15 days of each
    assert november["o3"] == pytest.approx(127.1) and pd.isna(november["co"])
    assert (november["days"], november["excellent"], november["good"], november["light"]) == (30, 10, 15, 5)
    assert november["good_days"] == 25
    assert december["days"] == 2 and december["light"] == 2 and pd.isna(december["pm25"])
