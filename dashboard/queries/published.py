"""Figures sources publish (``published_figure``) and the readings of the same station-hours, compared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, and_, select

from dashboard.cache import cached
from dashboard.db.models import PublishedFigure, SensorReading
from dashboard.kpis.published import agreement, compare
from dashboard.queries import reference
from dashboard.queries.base import read_frame

AQI = "aqi_published"


@cached
def aqi_comparison(
    engine: Engine, timezone: str, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Every published station-hour AQI (observed in [``since``, ``until``) when given) beside ours (see
    ``kpis.published.COLUMNS``)."""
    f = PublishedFigure
    window = [f.observed_at >= since] if since is not None else []
    window += [f.observed_at < until] if until is not None else []
    figures = select(f.source, f.station_code, f.observed_at, f.value, f.label).where(f.quantity == AQI, *window)
    same_hour = and_(
        SensorReading.source == f.source,
        SensorReading.station_code == f.station_code,
        SensorReading.observed_at == f.observed_at,
    )
    readings = select(
        SensorReading.source,
        SensorReading.station_code,
        SensorReading.observed_at,
        SensorReading.quantity,
        SensorReading.value,
    ).join(f, and_(same_hour, f.quantity == AQI)).where(*window)
    return compare(
        read_frame(engine, figures), read_frame(engine, readings.where(SensorReading.value.is_not(None))), timezone
    )


@cached
def aqi_agreement(
    engine: Engine, timezone: str, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Per feed (source): published station-hours (observed in [``since``, ``until``) when given) compared,
    agreeing, and the agreement rate (0–1)."""
    return agreement(aqi_comparison(engine, timezone, since, until))


def disagreements(engine: Engine, now: datetime, timezone: str, hours: int = 24) -> pd.DataFrame:
    """Published station-hours of the last ``hours`` before ``now``: subject ``station@hour`` (UTC), value the
    AQI points between theirs and ours, names "station local-hour" in both languages."""
    compared = aqi_comparison(engine, timezone, now - timedelta(hours=hours))
    compared = compared[compared["observed_at"] <= now].dropna(subset=["difference"])
    names = reference.stations(engine, "air").set_index("code")
    zone = ZoneInfo(timezone)
    rows = []
    for row in compared.itertuples(index=False):
        local = row.observed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        known = row.station_code in names.index
        rows.append(
            {
                "subject": f"{row.station_code}@{row.observed_at.astimezone(UTC):%Y-%m-%dT%H:%MZ}",
                "value": float(row.difference),
                "name_zh": f"{names.at[row.station_code, 'name_zh'] if known else row.station_code} {local}",
                "name_en": f"{names.at[row.station_code, 'name_en'] if known else row.station_code} {local}",
            }
        )
    return pd.DataFrame(rows, columns=["subject", "value", "name_zh", "name_en"])
