"""What the alert rules watch, per subject (stations, segments, halls, category × district, feeds), and the
open alerts. Each observation reads an index range or a rollup window, never a whole fact table."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Integer, bindparam, case, func, null, or_, select

from dashboard.cache import cached
from dashboard.db.models import Alert, ComplaintHourly, HallTicket, RoadSegment, TrafficObservation
from dashboard.db.rollups import seconds_between
from dashboard.kpis.freshness import row_freshness
from dashboard.kpis.traffic import tpi_from_tti
from dashboard.queries import environment, feeds, published, reference
from dashboard.queries.base import read_frame, read_rows

COLUMNS = ["subject", "value", "name_zh", "name_en"]
#: TPI must hold for this long on a segment.
TPI_WINDOW = timedelta(minutes=15)
#: Complaint spikes: the last 24 h against the same 24 h windows of the previous 28 days.
SPIKE_HISTORY_DAYS = 28
SPIKE_MIN_COUNT = 10
SPIKE_SIGMAS = 3.0
SPIKE_MIN_HISTORY_DAYS = 7


def _named(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    out = frame.merge(names.rename(columns={"code": "subject"}), how="left", on="subject")
    out["name_zh"] = out["name_zh"].fillna(out["subject"])
    out["name_en"] = out["name_en"].fillna(out["subject"])
    return out[COLUMNS]


def station_aqi(engine: Engine, now: datetime, timezone: str) -> pd.DataFrame:
    """Each air station's hourly AQI of its latest full hour by ``now`` (the map's station value)."""
    rated = environment.station_hour_aqi(engine, timezone, now)
    frame = pd.DataFrame({"subject": rated["station_code"], "value": rated["aqi"].astype(float)})
    return _named(frame, reference.stations(engine, "air"))


def segment_tpi(engine: Engine, now: datetime) -> pd.DataFrame:
    """Per segment observed in the last 15 minutes, the lowest TPI of that window (≥ 8 means it held)."""
    stmt = (
        select(
            TrafficObservation.segment_code.label("subject"),
            func.max(TrafficObservation.speed_kmh).label("speed"),
            func.coalesce(func.max(TrafficObservation.free_flow_kmh), RoadSegment.free_flow_kmh).label("free"),
        )
        .join(RoadSegment, RoadSegment.code == TrafficObservation.segment_code)
        .where(
            TrafficObservation.observed_at > now - TPI_WINDOW,
            TrafficObservation.observed_at <= now,
            TrafficObservation.speed_kmh > 0,
        )
        .group_by(TrafficObservation.segment_code, RoadSegment.free_flow_kmh)
    )
    frame = read_frame(engine, stmt)
    frame["value"] = tpi_from_tti(frame["free"].astype(float) / frame["speed"].astype(float)) if len(frame) else []
    return _named(frame[["subject", "value"]], reference.road_segments(engine)[["code", "name_zh", "name_en"]])


def hall_wait(engine: Engine, now: datetime) -> pd.DataFrame:
    """Per hall, the longest wait in minutes of the tickets issued in the last 12 hours: still waiting (to
    ``now``) or called in the last hour; 0 for a hall with neither (an empty queue is a recovery)."""
    called_or_now = func.coalesce(HallTicket.called_at, now)
    stmt = (
        select(
            HallTicket.hall_code.label("subject"),
            (func.max(seconds_between(HallTicket.issued_at, called_or_now)) / 60).label("value"),
        )
        .where(
            HallTicket.issued_at >= now - timedelta(hours=12),
            HallTicket.issued_at <= now,
            (HallTicket.called_at.is_(None)) | (HallTicket.called_at >= now - timedelta(hours=1)),
        )
        .group_by(HallTicket.hall_code)
    )
    halls = reference.halls(engine)[["code", "name_zh", "name_en"]]
    waits = read_frame(engine, stmt)
    every = halls[["code"]].rename(columns={"code": "subject"}).merge(waits, how="outer", on="subject")
    return _named(every.fillna({"value": 0.0}), halls)


def complaint_spike(engine: Engine, now: datetime) -> pd.DataFrame:
    """Per category × district: received in the last 24 h / max(mean + 3σ of its previous 28 days, 10)."""
    t = ComplaintHourly.__table__
    hour = now.replace(minute=0, second=0, microsecond=0)
    start = hour - timedelta(days=SPIKE_HISTORY_DAYS + 1)
    day = func.floor(seconds_between(start, t.c.hour) / 86400).label("day")
    stmt = (
        select(t.c.category, t.c.district_code, day, func.sum(t.c.received).label("received"))
        .where(t.c.hour >= start + timedelta(hours=1), t.c.hour <= hour, t.c.category != "")
        .group_by(t.c.category, t.c.district_code, day)
    )
    frame = read_frame(engine, stmt)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    counts = frame.pivot_table(index=["category", "district_code"], columns="day", values="received", aggfunc="sum")
    counts = counts.reindex(columns=range(SPIKE_HISTORY_DAYS + 1), fill_value=0).fillna(0)
    history = counts.iloc[:, :SPIKE_HISTORY_DAYS].to_numpy(dtype=float)
    threshold = np.maximum(history.mean(axis=1) + SPIKE_SIGMAS * history.std(axis=1), SPIKE_MIN_COUNT)
    result = counts.index.to_frame(index=False)
    result["value"] = counts.iloc[:, SPIKE_HISTORY_DAYS].to_numpy(dtype=float) / threshold
    result = result[(history > 0).sum(axis=1) >= SPIKE_MIN_HISTORY_DAYS]  # too young a series has no history
    result["subject"] = result["category"] + "@" + result["district_code"]
    categories = reference.categories(engine).set_index("code")
    areas = reference.districts(engine).set_index("code")

    def name(row, lang):
        cat = categories[f"name_{lang}"].get(row.category, row.category)
        area = areas[f"name_{lang}"].get(row.district_code, row.district_code or "—")
        return f"{area} · {cat}"

    result["name_zh"] = [name(r, "zh") for r in result.itertuples()]
    result["name_en"] = [name(r, "en") for r in result.itertuples()]
    return result[COLUMNS]


def feed_stale(engine: Engine, now: datetime, stale_factor: float) -> pd.DataFrame:
    """1 for each enabled feed whose data is stale (late runs or old data), 0 for a fresh one."""
    status = feeds.feed_status(engine)
    status = status[status["enabled"].fillna(False).astype(bool)]
    rows = [
        {
            "subject": row.name,
            "value": float(row_freshness(row, now, stale_factor).stale_since is not None),
            "name_zh": row.name,
            "name_en": row.name,
        }
        for row in status.itertuples(index=False)
        if row.max_source_time is not None and not pd.isna(row.max_source_time)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def observe(engine: Engine, rule_id: str, now: datetime, timezone: str, stale_factor: float) -> pd.DataFrame:
    """The current value of every subject the rule ``rule_id`` watches."""
    if rule_id == "station_aqi":
        return station_aqi(engine, now, timezone)
    if rule_id == "segment_tpi":
        return segment_tpi(engine, now)
    if rule_id == "hall_wait":
        return hall_wait(engine, now)
    if rule_id == "complaint_spike":
        return complaint_spike(engine, now)
    if rule_id == "feed_stale":
        return feed_stale(engine, now, stale_factor)
    if rule_id == "published_aqi":
        return published.disagreements(engine, now, timezone)
    raise KeyError(rule_id)


def _open_alerts(past: bool):
    """The open alerts in the order of :func:`open_alerts`, up to the bound ``limit``: now, or (``past``) at the
    bound moment ``at``."""
    at = bindparam("at")
    severity = func.coalesce(func.nullif(Alert.severity, "critical"), "")  # '' sorts first
    open_then = (Alert.opened_at <= at) & (Alert.closed_at.is_(None) | (Alert.closed_at > at)) if past else (
        Alert.closed_at.is_(None)
    )
    acknowledged = (Alert.acknowledged_at <= at) if past else Alert.acknowledged_at.is_not(None)
    return (
        select(
            Alert.id,
            Alert.rule,
            Alert.severity,
            Alert.subject,
            Alert.message_zh,
            Alert.message_en,
            Alert.value,
            Alert.opened_at,
            case((acknowledged, Alert.acknowledged_at), else_=null()).label("acknowledged_at"),
            case((acknowledged, Alert.acknowledged_by), else_=null()).label("acknowledged_by"),
        )
        .where(open_then)
        .order_by(case((acknowledged, 1), else_=0), severity, Alert.opened_at.desc())
        .limit(bindparam("limit", type_=Integer))
    )


OPEN_ALERTS = {past: _open_alerts(past) for past in (False, True)}


@cached
def open_alerts(engine: Engine, limit: int = 50, at: datetime | None = None) -> pd.DataFrame:
    """Open alerts, unacknowledged first, then critical before warning, newest first. With ``at``: those open at
    that moment (opened by then, not closed by then), acknowledged only if acknowledged by then."""
    return read_frame(engine, OPEN_ALERTS[at is not None], {"limit": limit, "at": at})


def alerts_between(engine: Engine, start: datetime, end: datetime) -> tuple[dict[str, int], pd.DataFrame]:
    """The alerts of [start, end): counts of those ``opened`` in it, of them ``acknowledged`` by its end, and
    of every alert ``still_open`` at its end (opened before it, not closed by then); and the rows opened in it
    (rule, severity, subject, messages, value, opened_at, closed_at, acknowledged_at), critical first."""
    columns = (Alert.rule, Alert.severity, Alert.subject, Alert.message_zh, Alert.message_en, Alert.value,
               Alert.opened_at, Alert.closed_at, Alert.acknowledged_at)
    opened = read_frame(
        engine,
        select(*columns)
        .where(Alert.opened_at >= start, Alert.opened_at < end)
        .order_by(Alert.severity != "critical", Alert.opened_at, Alert.id),
    )
    acknowledged = pd.to_datetime(opened["acknowledged_at"], utc=True) < pd.Timestamp(end)
    still_open = select(func.count()).where(
        Alert.opened_at < end, or_(Alert.closed_at.is_(None), Alert.closed_at >= end)
    )
    counts = {
        "opened": len(opened),
        "acknowledged": int(acknowledged.sum()),
        "still_open": int(read_rows(engine, still_open)[0][0]),
    }
    return counts, opened
