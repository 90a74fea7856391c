"""Service-hall queries: long waits (called − issued, or still waiting), and per-hall, hourly and per-item
measures from the rollup (per hall and per item with the tickets at the period's edges, see
:mod:`dashboard.queries.edges`)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from dashboard.cache import cached
from dashboard.db.models import (
    HallHourly,
    HallTicket,
    ServiceHall,
    ServiceItem,
)
from dashboard.kpis import halls as hall_kpis
from dashboard.queries.base import read_frame
from dashboard.queries.edges import edge_sums
from dashboard.queries.kpis import domain_series
from dashboard.queries.reference import HALL_COLUMNS, halls


def _tickets(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    stmt = select(HallTicket.hall_code, HallTicket.issued_at, HallTicket.called_at).where(
        HallTicket.issued_at >= start, HallTicket.issued_at < end
    )
    return read_frame(engine, stmt)


def _minutes_waited(issued: pd.Series, called: pd.Series) -> pd.Series:
    """Minutes from issue to call; both parsed as UTC times (a column of only None comes back as objects)."""
    return (pd.to_datetime(called, utc=True) - pd.to_datetime(issued, utc=True)).dt.total_seconds() / 60


@cached
def long_waits(engine: Engine, start: datetime, now: datetime, threshold_minutes: float = 30) -> pd.DataFrame:
    """Per hall, tickets issued in [start, now) that waited (or still wait) longer than the threshold.

    Columns: hall_code, name_zh, name_en, tickets, max_wait_minutes; halls without long waits are left out.
    """
    tickets = _tickets(engine, start, now)
    columns = ["hall_code", "name_zh", "name_en", "tickets", "max_wait_minutes"]
    if tickets.empty:
        return pd.DataFrame(columns=columns)
    called = pd.to_datetime(tickets["called_at"], utc=True).fillna(pd.Timestamp(now))
    tickets["wait"] = _minutes_waited(tickets["issued_at"], called)
    long = tickets[tickets["wait"] > threshold_minutes]
    grouped = long.groupby("hall_code")["wait"].agg(tickets="count", max_wait_minutes="max").reset_index()
    names = halls(engine)[["code", "name_zh", "name_en"]].rename(columns={"code": "hall_code"})
    merged = grouped.merge(names, how="left", on="hall_code")
    merged["name_zh"] = merged["name_zh"].fillna(merged["hall_code"])
    merged["name_en"] = merged["name_en"].fillna(merged["hall_code"])
    return merged[columns].sort_values("max_wait_minutes", ascending=False, ignore_index=True)


def _hall_measures(h):
    """The hall rollup's sums (:data:`dashboard.kpis.halls.SUMS`), each labelled by its column."""
    return tuple(func.sum(getattr(h, column)).label(column) for column in hall_kpis.SUMS)


#: The per-hall and per-item sums that count tickets (the others sum seconds).
COUNTS = tuple(column for column in hall_kpis.SUMS if not column.endswith("_seconds"))


def _edges(engine: Engine, start: datetime, end: datetime, key: str) -> pd.DataFrame:
    """The signed sums of the hall tickets at the edges of [start, end) per ``key`` (hall_code or service_item, ''
    when none), named as :func:`_hall_measures` names them."""
    return edge_sums(engine, start, end, "halls", hall_kpis.SUMS, (key,))


@cached
def hall_stats(engine: Engine, start: datetime, end: datetime, district: str | None = None) -> pd.DataFrame:
    """Per hall over tickets issued in the period: names, lon, lat, issued, called and the rates
    wait_min, over_30_pct, handling_min, online_pct, single_visit_pct, good_pct."""
    h = HallHourly
    stmt = (
        select(*HALL_COLUMNS, *_hall_measures(h))
        .join(h, and_(h.hall_code == ServiceHall.code, h.hour >= start, h.hour < end), isouter=True)
        .group_by(*HALL_COLUMNS)
        .order_by(ServiceHall.code)
    )
    if district:
        stmt = stmt.where(ServiceHall.district_code == district)
    frame = read_frame(engine, stmt)
    numeric = [c for c in frame.columns if c not in ("code", "name_zh", "name_en", "lon", "lat", "district_code")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric).fillna(0).astype(float)
    edges = _edges(engine, start, end, "hall_code").groupby("hall_code")[numeric].sum()
    frame[numeric] += edges.reindex(frame["code"], fill_value=0.0).to_numpy(dtype=float)  # none: object zeros
    return hall_kpis.hall_rates(frame.astype(dict.fromkeys(COUNTS, int)))


@cached
def hall_trend(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Hourly figures over all halls (the first and last hour from ``start`` and up to ``end`` only): hour, issued,
    wait_min, over_30_pct."""
    h = HallHourly
    frame = read_frame(engine, select(h.hour, *_hall_measures(h)).where(h.hour >= start, h.hour < end).group_by(h.hour))
    numeric = [c for c in frame.columns if c != "hour"]
    both = pd.concat([frame, _edges(engine, start, end, "hour")], ignore_index=True)
    both["hour"] = pd.to_datetime(both["hour"], utc=True, format="ISO8601")
    sums = both.astype(dict.fromkeys(numeric, float)).groupby("hour", as_index=False)[numeric].sum()
    frame = sums[sums["issued"] > 0].astype(dict.fromkeys(COUNTS, int))
    rates = hall_kpis.hall_rates(frame)
    return rates[["hour", "issued", "wait_min", "over_30_pct"]].sort_values("hour", ignore_index=True)


def hall_series(engine: Engine, start: datetime, end: datetime, timezone: str, grain: str) -> pd.DataFrame:
    """:func:`hall_trend` per hour, local day or month (``grain``; days and months from the daily rollup)."""
    if grain == "hour":
        return hall_trend(engine, start, end)
    sums = domain_series(engine, start, end, timezone, grain, "halls")
    return hall_kpis.hall_rates(sums)[["hour", "issued", "wait_min", "over_30_pct"]]


@cached
def hall_items(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Per service item as the tickets name it, named in both languages (:func:`item_names`): issued, wait_min,
    online_pct, single_visit_pct (most issued first)."""
    h = HallHourly
    frame = read_frame(
        engine,
        select(h.service_item, *_hall_measures(h)).where(h.hour >= start, h.hour < end).group_by(h.service_item),
    )
    numeric = [c for c in frame.columns if c != "service_item"]
    both = pd.concat([frame.astype({c: float for c in numeric}), _edges(engine, start, end, "service_item")])
    sums = both.groupby("service_item", as_index=False)[numeric].sum().astype(dict.fromkeys(COUNTS, int))
    frame = hall_kpis.hall_rates(sums[sums["issued"] > 0])
    frame = frame[["service_item", "issued", "wait_min", "online_pct", "single_visit_pct"]].sort_values(
        "issued", ascending=False, ignore_index=True
    )
    return item_names(frame, read_frame(engine, select(ServiceItem.code, ServiceItem.name_zh, ServiceItem.name_en)))


def item_names(frame: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``name_zh`` and ``name_en`` of each ``service_item``: the reference item's whose code or
    Chinese name it is; the item as the tickets name it where the city has no such item or no name in a language
    (never blank but for tickets that name no item: "")."""
    named = {}
    for code, zh, en in items.itertuples(index=False):
        for key in (code, zh):
            named.setdefault(str(key).strip(), (zh, en))

    def name(item, index: int) -> str:
        given = item if isinstance(item, str) else ""
        found = named.get(given.strip(), (None, None))[index]
        return found if isinstance(found, str) and found.strip() else given

    return frame.assign(
        name_zh=[name(i, 0) for i in frame["service_item"]], name_en=[name(i, 1) for i in frame["service_item"]]
    )
