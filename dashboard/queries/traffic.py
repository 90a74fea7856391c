"""Traffic queries: the latest observation interval per road segment, rated by TPI, the network TPI, and the
hourly trend and speeds by road class (with the observations at the period's edges) from the rollup."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select

from dashboard.cache import cached
from dashboard.db.models import (
    RoadSegment,
    TrafficHourly,
    TrafficObservation,
)
from dashboard.db.rollups import by_value
from dashboard.db.types import UTCDateTime
from dashboard.kpis.traffic import NetworkTpi, network_measures_by, network_tpi, segment_tpi, tpi_level
from dashboard.queries.base import plain_tuples, read_frame, read_rows
from dashboard.queries.edges import edge_sums
from dashboard.queries.reference import road_segments

#: Observation interval assumed when observations do not state theirs.
DEFAULT_PERIOD_S = 900


def _latest_interval(by_moment: bool):
    """The newest observation time (by the bound ``at`` when ``by_moment``) and the longest interval stated by the
    observations ending then (two index reads)."""
    newest = select(func.max(TrafficObservation.observed_at))
    if by_moment:
        newest = newest.where(TrafficObservation.observed_at <= bindparam("at"))
    return select(func.max(TrafficObservation.observed_at), func.max(TrafficObservation.period_s)).where(
        TrafficObservation.observed_at == newest.scalar_subquery()
    )


LATEST_INTERVAL = {by_moment: _latest_interval(by_moment) for by_moment in (False, True)}


#: The columns of each segment's newest observation (:func:`latest_observation_rows`).
OBSERVATION_COLUMNS = ["segment_code", "observed_at", "speed_kmh", "free_flow_kmh", "length_m", "road_class"]


@cached
def latest_observation_rows(engine: Engine, at: datetime | None = None) -> list[tuple]:
    """Each segment's newest observation within the last observation interval (the last by ``at``, when given:
    the city as it was then), by segment code: tuples of :data:`OBSERVATION_COLUMNS` (``observed_at`` UTC-aware,
    ``free_flow_kmh`` the segment's when the observation has none). Empty before any observation."""
    ((latest, period),) = read_rows(engine, LATEST_INTERVAL[at is not None], {"at": at})
    if latest is None:
        return []
    window_start = latest - timedelta(seconds=period or DEFAULT_PERIOD_S)
    return plain_tuples(read_rows(engine, NEWEST_EACH, {"window_start": window_start, "latest": latest}))


def latest_observations(engine: Engine, at: datetime | None = None) -> pd.DataFrame:
    """:func:`latest_observation_rows` as a frame of :data:`OBSERVATION_COLUMNS`; empty before any observation."""
    return pd.DataFrame(latest_observation_rows(engine, at), columns=OBSERVATION_COLUMNS)


def _newest_each():
    """Each segment's newest observation in (window_start, latest], with its road's free-flow speed (when the
    observation states none), length and class, by segment code."""
    o = TrafficObservation
    newest_first = func.row_number().over(partition_by=by_value(o.segment_code),
                                          order_by=(o.observed_at.desc(), o.id.desc()))
    window = (
        select(o.segment_code, o.observed_at, o.speed_kmh, o.free_flow_kmh, newest_first.label("rank"))
        .where(o.observed_at > bindparam("window_start", type_=UTCDateTime()),
               o.observed_at <= bindparam("latest", type_=UTCDateTime()))
        .subquery()
    )
    return (
        select(
            window.c.segment_code,
            window.c.observed_at,
            window.c.speed_kmh,
            func.coalesce(window.c.free_flow_kmh, RoadSegment.free_flow_kmh).label("free_flow_kmh"),
            RoadSegment.length_m,
            RoadSegment.road_class,
        )
        .join(RoadSegment, RoadSegment.code == window.c.segment_code)
        .where(window.c.rank == 1)
        .order_by(window.c.segment_code)
    )


NEWEST_EACH = _newest_each()


def rated_segments(engine: Engine, at: datetime | None = None) -> pd.DataFrame:
    """Road segments (with geometry) rated by their latest observation (by ``at``): TTI, TPI, level key and
    colour."""
    rated = segment_tpi(
        latest_observations(engine, at)[["segment_code", "observed_at", "speed_kmh", "free_flow_kmh"]]
    )
    frame = road_segments(engine).merge(
        rated.drop(columns="free_flow_kmh"), how="inner", left_on="code", right_on="segment_code"
    )
    frame = frame[frame["tpi"].notna()].drop(columns="segment_code")
    levels = [tpi_level(value) for value in frame["tpi"]]
    return frame.assign(level=[lv.key for lv in levels], color=[lv.color for lv in levels]).reset_index(
        drop=True
    )


def network(engine: Engine, at: datetime | None = None) -> NetworkTpi | None:
    """The network TPI of the latest observation interval (by ``at``); None without data."""
    frame = latest_observations(engine, at)
    return network_tpi(frame) if not frame.empty else None


@cached
def traffic_trend(engine: Engine, start: datetime, end: datetime, district: str | None = None) -> pd.DataFrame:
    """The network KPIs of each hour from the rollup (:func:`dashboard.kpis.traffic.network_measures_by`), the first
    and last hour from ``start`` and up to ``end`` only (see :mod:`dashboard.queries.edges`): hour, speed_kmh
    (space-mean), tti (length-weighted), tpi and congested_pct (the length graded moderate or heavy congestion by
    its road class, %), over the hours with a rated segment."""
    t, r = TrafficHourly, RoadSegment
    names = ("speeds", "inverse_speed_sum")
    rolled = read_frame(engine, select(t.hour, t.segment_code, *(t.__table__.c[n] for n in names))
                        .where(t.hour >= start, t.hour < end))
    both = pd.concat([rolled, edge_sums(engine, start, end, "traffic", names, ("hour", "segment_code"))])
    both["hour"] = pd.to_datetime(both["hour"], utc=True, format="ISO8601")
    sums = both.astype(dict.fromkeys(names, float)).groupby(["hour", "segment_code"], as_index=False)[list(names)].sum()
    roads = read_frame(engine, select(r.code.label("segment_code"), r.length_m, r.free_flow_kmh, r.road_class,
                                      r.district_code))
    rows = sums.merge(roads, on="segment_code")
    if district:
        rows = rows[rows["district_code"] == district]
    measures = network_measures_by(rows, "hour")
    hours = sorted(measures)
    return pd.DataFrame({
        "hour": pd.to_datetime(hours, utc=True),
        "speed_kmh": [measures[h]["traffic_network_speed"].value for h in hours],
        "tti": [measures[h]["traffic_tti"].value for h in hours],
        "tpi": [measures[h]["traffic_tpi"].value for h in hours],
        "congested_pct": [measures[h]["traffic_congested_share"].value * 100 for h in hours],
    }, columns=["hour", "speed_kmh", "tti", "tpi", "congested_pct"]).astype(
        dict.fromkeys(["speed_kmh", "tti", "tpi", "congested_pct"], float))


@cached
def road_class_speeds(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """The network speed of each road class over the period (total length over total travel time of its segments,
    as :func:`dashboard.kpis.traffic.network_measures_by` defines it), the observations at its edges included (see
    :mod:`dashboard.queries.edges`): road_class, speed_kmh, segments (those rated: a moving observation and a
    length)."""
    t, r = TrafficHourly, RoadSegment
    names = ("speeds", "inverse_speed_sum")
    stmt = (
        select(t.segment_code, *(func.sum(t.__table__.c[n]).label(n) for n in names))
        .where(t.hour >= start, t.hour < end)
        .group_by(t.segment_code)
    )
    rolled = read_frame(engine, stmt).astype(dict.fromkeys(names, float))
    parts = [p for p in (rolled, edge_sums(engine, start, end, "traffic", names, ("segment_code",))) if not p.empty]
    columns = ["road_class", "speed_kmh", "segments"]
    if not parts:
        return pd.DataFrame(columns=columns)
    sums = pd.concat(parts).groupby("segment_code", as_index=False)[list(names)].sum()
    roads = read_frame(engine, select(r.code.label("segment_code"), r.road_class, r.length_m, r.free_flow_kmh))
    rows = sums.merge(roads, on="segment_code")  # every road has a class (NOT NULL)
    measures = network_measures_by(rows, "road_class")
    classes = sorted(measures)
    speeds = [measures[c]["traffic_network_speed"] for c in classes]
    return pd.DataFrame(
        {"road_class": classes, "speed_kmh": [m.value for m in speeds],
         "segments": [int(m.denominator) for m in speeds]},
        columns=columns,
    )
