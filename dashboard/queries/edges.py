"""The parts of hours at a period's edges.

The rollups hold whole UTC hours. A period [start, end) is read from them over the hours [ceil(start),
ceil(end)): the hour it starts inside is left out, the hour it ends inside is read whole. The facts of
[start, ceil(start)) are added and those of [end, ceil(end)) taken out, counted by the rollup's own definitions
(:func:`dashboard.db.rollups.facts_hourly`): a rolling window starting at 02:40 counts the tickets received from
02:40, a local day of a half-hour time zone starts at its midnight, and a deadline later in the hour a period
ends in has not fallen yet (DESIGN §6: on-time closure is over the tickets whose deadline fell in the period).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select, union_all

from dashboard.cache import cached
from dashboard.db.rollups import facts_hourly
from dashboard.queries.base import read_frame


def hour_end(moment: datetime) -> datetime:
    """The end of the hour ``moment`` lies in (``moment`` itself when on the hour)."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start if start == moment else start + timedelta(hours=1)


def edge_ranges(start: datetime, end: datetime) -> list[tuple[int, datetime, datetime]]:
    """(sign, from, to) of the facts to add (+1: [start, ceil(start))) and to take out (-1: [end, ceil(end)))
    when [start, end) is read from the rollups' hours [ceil(start), ceil(end)); none on the hour."""
    ranges = ((1, start, hour_end(start)), (-1, end, hour_end(end)))
    return [(sign, a, b) for sign, a, b in ranges if a < b]


@cached
def edge_sums(
    engine: Engine, start: datetime, end: datetime, domain: str, names: tuple[str, ...], by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The signed sums of ``names`` of ``domain``'s facts at the edges of [start, end) (see the module), per
    dimension ``by`` of its hourly rollup (e.g. ``district_code``: '' when unknown); empty when both ends are
    on the hour."""
    parts = []
    for sign, a, b in edge_ranges(start, end):
        rows = facts_hourly(domain, [(a, b)]).subquery()
        parts.append(select(*(rows.c[k] for k in by), *((rows.c[n] * sign).label(n) for n in names)))
    if not parts:
        return pd.DataFrame(columns=[*by, *names])
    signed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    keys = [signed.c[k] for k in by]
    stmt = select(*keys, *(func.coalesce(func.sum(signed.c[n]), 0).label(n) for n in names)).group_by(*keys)
    frame = read_frame(engine, stmt)
    return frame.astype({n: float for n in names})


def with_edges(sums: dict, edges: pd.DataFrame, key: str | None = None, value: str | None = None) -> dict:
    """``sums`` with the edge sums of :func:`edge_sums` added (only the rows whose ``key`` is ``value``, when
    given)."""
    rows = edges if key is None else edges[edges[key] == value]
    return sums | {n: sums[n] + float(rows[n].sum()) for n in sums if n in rows}
