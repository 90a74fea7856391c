"""The parts of hours at a period's edges.

The rollups hold whole UTC hours. A period [start, end) is read from them over the hours [ceil(start),
ceil(end)): the hour it starts inside is left out, the hour it ends inside is read whole. The facts of
[start, ceil(start)) are added and those of [end, ceil(end)) taken out, counted by the rollup's own definitions
(:func:`dashboard.db.rollups.facts_hourly`): a rolling window starting at 02:40 counts the tickets received from
02:40, a local day of a half-hour time zone starts at its midnight, and a deadline later in the hour a period
ends in has not fallen yet (DESIGN §6: on-time closure is over the tickets whose deadline fell in the period).

A percentile cannot be taken out of an hour's histogram (its buckets keep no list of their durations), so the
duration histograms read only the whole hours [ceil(start), floor(end)) from the rollups and add the histograms
of the partial hours [start, ceil(start)) and [floor(end), end), bucketed from the facts as the rollup buckets
them (:func:`dashboard.queries.kpis.duration_histograms`): the result is the histogram of exactly the
period's durations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select, union_all

from dashboard.cache import cached
from dashboard.db.rollups import ZERO, facts_hourly, inline
from dashboard.db.types import UTCDateTime
from dashboard.queries.base import read_frame


def hour_end(moment: datetime) -> datetime:
    """The end of the hour ``moment`` lies in (``moment`` itself when on the hour)."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start if start == moment else start + timedelta(hours=1)


def hour_start(moment: datetime) -> datetime:
    """The start of the hour ``moment`` lies in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def partial_hours(start: datetime, end: datetime) -> tuple[tuple[datetime, datetime] | None, list]:
    """[start, end) as its whole hours [ceil(start), floor(end)) (None when it holds none) and the parts of
    the hours it covers only partly, as (from, to) ranges."""
    first, last = hour_end(start), hour_start(end)
    if first >= last:
        return None, [(start, end)] if start < end else []
    return (first, last), [(a, b) for a, b in ((start, first), (last, end)) if a < b]


def edge_ranges(start: datetime, end: datetime) -> list[tuple[int, datetime, datetime]]:
    """(sign, from, to) of the facts to add (+1: [start, ceil(start))) and to take out (-1: [end, ceil(end)))
    when [start, end) is read from the rollups' hours [ceil(start), ceil(end)); none on the hour."""
    ranges = ((1, start, hour_end(start)), (-1, end, hour_end(end)))
    return [(sign, a, b) for sign, a, b in ranges if a < b]


def _bound(name: str):
    return bindparam(name, type_=UTCDateTime())


def edge_bounds(count: int) -> list[tuple]:
    """``count`` ranges as bound parameters (``from_0``, ``to_0``, …): a statement is built once per shape."""
    return [(_bound(f"from_{i}"), _bound(f"to_{i}")) for i in range(count)]


def edge_values(ranges) -> dict[str, datetime]:
    """The bound parameters of :func:`edge_bounds` for ``ranges`` ((from, to) or (sign, from, to))."""
    return {f"{end}_{i}": moment for i, r in enumerate(ranges) for end, moment in zip(("from", "to"), r[-2:],
                                                                                          strict=True)}


@lru_cache(maxsize=128)
def _edge_sums_statement(domain: str, names: tuple[str, ...], by: tuple[str, ...], signs: tuple[int, ...]):
    parts = []
    for bounds, sign in zip(edge_bounds(len(signs)), signs, strict=True):
        rows = facts_hourly(domain, [bounds]).subquery()
        parts.append(select(*(rows.c[k] for k in by), *((rows.c[n] * inline(sign)).label(n) for n in names)))
    signed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    keys = [signed.c[k] for k in by]
    return select(*keys, *(func.coalesce(func.sum(signed.c[n]), ZERO).label(n) for n in names)).group_by(*keys)


@cached
def edge_sums(
    engine: Engine, start: datetime, end: datetime, domain: str, names: tuple[str, ...], by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The signed sums of ``names`` of ``domain``'s facts at the edges of [start, end) (see the module), per
    dimension ``by`` of its hourly rollup (e.g. ``district_code``: '' when unknown); empty when both ends are
    on the hour."""
    ranges = edge_ranges(start, end)
    if not ranges:
        return pd.DataFrame(columns=[*by, *names])
    statement = _edge_sums_statement(domain, names, by, tuple(sign for sign, _, _ in ranges))
    return _floats(read_frame(engine, statement, edge_values(ranges)), names)


def _floats(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with its ``names`` columns as floats (SQLite's sums of integers come back as integers)."""
    for name in names:
        frame[name] = frame[name].to_numpy(dtype=float)
    return frame


def with_edges(sums: dict, edges: pd.DataFrame, key: str | None = None, value: str | None = None) -> dict:
    """``sums`` with the edge sums of :func:`edge_sums` added (only the rows whose ``key`` is ``value``, when
    given)."""
    rows = edges if key is None else edges[edges[key] == value]
    return sums | {n: sums[n] + float(rows[n].sum()) for n in sums if n in rows}


@lru_cache(maxsize=64)
def _boundary_sums_statement(domain: str, names: tuple[str, ...], by: tuple[str, ...], indexes: tuple[int, ...]):
    parts = []
    for i, bounds in zip(indexes, edge_bounds(len(indexes)), strict=True):
        rows = facts_hourly(domain, [bounds]).subquery()
        parts.append(select(inline(i).label("boundary"), *(rows.c[k] for k in by), *(rows.c[n] for n in names)))
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    keys = [rows.c.boundary, *(rows.c[k] for k in by)]
    return select(*keys, *(func.coalesce(func.sum(rows.c[n]), ZERO).label(n) for n in names)).group_by(*keys)


@cached
def boundary_sums(
    engine: Engine, moments: tuple[datetime, ...], domain: str, names: tuple[str, ...], by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Per moment of ``moments`` (column ``boundary``: its index) and dimension ``by``: the sums of ``names`` of
    ``domain``'s facts in [moment, ceil(moment)), which the rollups count in the hour before the moment (none for
    a moment on the hour). Per-day or per-month reads move them to the bucket the moment starts."""
    inside = [(i, moment, hour_end(moment)) for i, moment in enumerate(moments) if moment < hour_end(moment)]
    if not inside:
        return pd.DataFrame(columns=["boundary", *by, *names])
    statement = _boundary_sums_statement(domain, names, by, tuple(i for i, _, _ in inside))
    return _floats(read_frame(engine, statement, edge_values(inside)), names)
