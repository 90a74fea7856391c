"""Our AQI against the one a source publishes (CNEMC's per station-hour): agreement on the value and on the
primary pollutant (HJ 633: the pollutants whose IAQI is the AQI, when it is above 50)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.kpis.aqi import breakpoints_for, hourly_aqi

#: HJ 633's names of the primary pollutants as CNEMC publishes them -> our pollutant codes.
PRIMARY_NAMES = {
    "细颗粒物(PM2.5)": "pm25",
    "颗粒物(PM10)": "pm10",
    "臭氧1小时": "o3",
    "臭氧8小时": "o3",
    "二氧化氮": "no2",
    "二氧化硫": "so2",
    "一氧化碳": "co",
}
COLUMNS = [
    "source",
    "station_code",
    "observed_at",
    "published_aqi",
    "published_primary",
    "aqi",
    "primary",
    "difference",
    "agrees",
]


def primary_of(label: str | None) -> str:
    """The published primary pollutants as our codes, comma-separated in HJ 633 order ("" for none)."""
    names = [n.strip() for n in label.split(",")] if isinstance(label, str) else []
    codes = {PRIMARY_NAMES.get(n, n) for n in names if n}
    return ",".join(p for p in ("pm25", "pm10", "o3", "no2", "so2", "co") if p in codes)


def compare(figures: pd.DataFrame, readings: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Per published station-hour (``figures``: source, station_code, observed_at, value, label), our AQI from
    the 1-hour readings of that station and time (``readings``: same keys, quantity, value), see ``COLUMNS``."""
    zone = ZoneInfo(timezone)
    keys = ["source", "station_code", "observed_at"]
    grouped = {k: dict(zip(g["quantity"], g["value"], strict=True)) for k, g in readings.groupby(keys)}
    rows = []
    for f in figures.itertuples(index=False):
        if f.value is None or f.value != f.value:
            continue
        at = pd.Timestamp(f.observed_at).to_pydatetime()
        ours = hourly_aqi(
            grouped.get((f.source, f.station_code, f.observed_at), {}), breakpoints_for(at.astimezone(zone).date())
        )
        published = (int(f.value), primary_of(f.label))
        mine = (ours.aqi, ",".join(ours.primary)) if ours else (None, "")
        difference = abs(published[0] - mine[0]) if mine[0] is not None else None
        rows.append([f.source, f.station_code, at, *published, *mine, difference, published == mine])
    return pd.DataFrame(rows, columns=COLUMNS)


def agreement(compared: pd.DataFrame) -> pd.DataFrame:
    """Per source: station-hours compared, those agreeing on AQI and primary pollutant, and the rate (0–1)."""
    frame = compared.groupby("source")["agrees"].agg(compared="count", agreeing="sum").reset_index()
    frame["agreeing"] = frame["agreeing"].astype(int)
    frame["rate"] = frame["agreeing"] / frame["compared"]
    return frame
