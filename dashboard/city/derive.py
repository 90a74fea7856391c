"""What a city does not publish, derived from what its feeds observe: a road segment's free-flow speed as the
85th percentile of its night-time speeds (the traffic engineers' free-flow speed: traffic is then light)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from dashboard.db.models import RoadSegment, TrafficObservation

#: Local hours counted as night (22:00 to 06:00), the percentile taken and the observations a segment needs.
NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5})
PERCENTILE = 0.85
MIN_NIGHT_OBSERVATIONS = 12
#: How far back the night speeds are read.
WINDOW = timedelta(days=28)


def night_free_flow(observations: pd.DataFrame, timezone: str) -> pd.Series:
    """Free-flow speed (km/h) per ``segment_code``: the 85th percentile of speeds observed at night (local time),
    for segments with at least :data:`MIN_NIGHT_OBSERVATIONS` such speeds."""
    speeds = observations.dropna(subset=["speed_kmh"])
    local_hour = pd.to_datetime(speeds["observed_at"], utc=True).dt.tz_convert(timezone).dt.hour
    night = speeds[local_hour.isin(NIGHT_HOURS)]
    counts = night.groupby("segment_code")["speed_kmh"].count()
    enough = counts[counts >= MIN_NIGHT_OBSERVATIONS].index
    night = night[night["segment_code"].isin(enough)]
    return night.groupby("segment_code")["speed_kmh"].quantile(PERCENTILE, interpolation="linear").round(1)


def derive_free_flow(conn: Connection, now: datetime, timezone: str) -> tuple[int, int]:
    """Set each segment's free-flow speed from its night speeds of the last :data:`WINDOW`; returns (segments
    derived, segments with too few night observations)."""
    stmt = select(TrafficObservation.segment_code, TrafficObservation.observed_at, TrafficObservation.speed_kmh).where(
        TrafficObservation.observed_at >= now - WINDOW
    )
    observations = pd.DataFrame(conn.execute(stmt).all(), columns=["segment_code", "observed_at", "speed_kmh"])
    speeds = night_free_flow(observations, timezone) if not observations.empty else pd.Series(dtype=float)
    segments = set(conn.execute(select(RoadSegment.code)).scalars())
    derived = [{"c": code, "v": float(v)} for code, v in speeds.items() if code in segments]
    if derived:
        conn.execute(
            update(RoadSegment).where(RoadSegment.code == bindparam("c")).values(free_flow_kmh=bindparam("v")),
            derived,
        )
    return len(derived), len(segments) - len(derived)
