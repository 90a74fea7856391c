"""A month's air quality after HJ 663-2013 (环境空气质量评价技术规范): there is no monthly AQI. HJ 633's AQI is
hourly or daily; a month is evaluated by each pollutant's monthly figure, computed from the month's valid daily
values (:func:`dashboard.kpis.aqi.daily_values`):

- SO2, NO2, PM10, PM2.5: the monthly mean, the arithmetic mean of the daily 24-hour means;
- CO: the 95th percentile of the daily 24-hour means;
- O3: the 90th percentile of the daily maximum 8-hour means;

each valid with at least 27 valid daily values in the month (25 in February, GB 3095-2012 Table 4), else None.
Percentiles follow HJ 663: the values in ascending order X(1) ≤ … ≤ X(n), k = 1 + (n − 1) × p,
s = the integer part of k, percentile = X(s) + (X(s+1) − X(s)) × (k − s).

Beside them, the month's days by the level of their daily AQI (HJ 633), and its good days (优良天数, AQI ≤ 100).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from dashboard.kpis.aqi import LEVELS, level_of

#: Pollutants evaluated by their monthly mean of daily 24-hour means.
MEANS = ("pm25", "pm10", "no2", "so2")
#: Pollutants evaluated by a percentile of their daily values (CO: 24-hour means; O3: maximum 8-hour means).
PERCENTILES = {"co": 95, "o3": 90}
#: Valid daily values a month needs (February: fewer), GB 3095-2012 Table 4.
MIN_DAYS, MIN_DAYS_FEBRUARY = 27, 25
#: The highest daily AQI of a good day (优良天数: levels 优 and 良).
GOOD_AQI = 100
#: Columns of :func:`monthly_evaluation`.
COLUMNS = ("hour", *MEANS, *PERCENTILES, "days", *(level.key for level in LEVELS), "good_days")


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) of ``values`` by HJ 663's rule (see the module)."""
    ordered = sorted(values)
    k = 1 + (len(ordered) - 1) * p / 100
    s = math.floor(k)
    if s >= len(ordered):
        return ordered[-1]
    return ordered[s - 1] + (ordered[s] - ordered[s - 1]) * (k - s)


def min_days(month: int) -> int:
    """Valid daily values a monthly figure needs in ``month`` (1–12)."""
    return MIN_DAYS_FEBRUARY if month == 2 else MIN_DAYS


def month_figure(pollutant: str, daily: Sequence[float | None], month: int) -> float | None:
    """The monthly figure of ``pollutant`` from its daily values in ``month`` (None: missing); None when fewer
    than :func:`min_days` are valid."""
    valid = [float(v) for v in daily if v is not None and not math.isnan(v)]
    if len(valid) < min_days(month):
        return None
    if pollutant in PERCENTILES:
        return percentile(valid, PERCENTILES[pollutant])
    return sum(valid) / len(valid)


def monthly_evaluation(daily: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Per local month of ``daily`` (rows of ``hour``: the local day's start in UTC, ``aqi`` and each pollutant's
    daily value, as :func:`dashboard.queries.environment.air_daily_trend` gives them): ``hour`` (the month's local
    start in UTC), each pollutant's monthly figure, ``days`` with a daily AQI, the days of each AQI level and
    ``good_days``."""
    if daily.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    local = pd.to_datetime(daily["hour"], utc=True).dt.tz_convert(timezone)
    rows = []
    for month, group in daily.groupby(local.dt.tz_localize(None).dt.to_period("M")):
        aqi = pd.to_numeric(group["aqi"]).dropna()
        levels = [level_of(value).key for value in aqi]
        rows.append(
            {
                "hour": pd.Timestamp(month.start_time).tz_localize(timezone).tz_convert("UTC"),
                **{
                    p: month_figure(p, [None if pd.isna(v) else v for v in group[p]], month.month)
                    for p in (*MEANS, *PERCENTILES)
                    if p in group
                },
                "days": len(aqi),
                **{level.key: levels.count(level.key) for level in LEVELS},
                "good_days": int((aqi <= GOOD_AQI).sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
