"""The service halls page's view model: the tiles' totals (the city's every ticket, a district's its halls'), the
trend, the halls' ranking, the service items and the map."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from dashboard.kpis import halls as hall_kpis
from dashboard.queries import halls, kpis, reference
from layouts.components.domain import View
from layouts.figures.explorer_map import ExplorerLayers


@dataclass(frozen=True)
class HallsView:
    """The totals of the tiles, tickets and waits per interval (read when its chart is drawn), halls by wait,
    tickets by service item (read when its chart is drawn), the map."""

    totals: dict
    trend: Callable[[], pd.DataFrame]
    ranked: pd.DataFrame
    items: Callable[[], pd.DataFrame]
    map_layers: ExplorerLayers


def totals(sums: Mapping[str, float]) -> dict:
    """The rates of :func:`dashboard.kpis.halls.hall_rates` of the hall sums (None where a denominator is 0, e.g. a
    district without halls), and the tickets issued and called."""
    frame = pd.DataFrame([{name: float(sums.get(name) or 0) for name in hall_kpis.SUMS}])
    rates = hall_kpis.hall_rates(frame).iloc[0]
    return {
        **{rate.column: None if pd.isna(rates[rate.column]) else float(rates[rate.column]) for rate in hall_kpis.RATES},
        "called": int(rates["called"]),
        "issued": int(rates["issued"]),
    }


def _sums(view: View, stats: pd.DataFrame) -> Mapping[str, float]:
    """The hall sums the tiles show: the city's as the overview's hall KPIs read them (every ticket, its hall in
    the city's reference or not), a district's over its halls."""
    if view.district is None:
        return kpis.domain_sums(view.context.engine, view.start, view.now, view.context.timezone, "halls")
    return stats.reindex(columns=hall_kpis.SUMS, fill_value=0).astype(float).sum().to_dict()


def halls_view(view: View) -> HallsView:
    """The halls page's data for the view's period and district (None: the city; items and trend: the city)."""
    engine = view.context.engine
    stats = halls.hall_stats(engine, view.start, view.now, view.district)
    areas = reference.districts(engine)
    focus = areas[areas["code"] == view.district] if view.district else None
    return HallsView(
        totals=totals(_sums(view, stats)),
        trend=lambda: halls.hall_series(engine, view.start, view.now, view.context.timezone, view.span.grain),
        ranked=stats.sort_values("wait_min", ascending=False),
        items=lambda: halls.hall_items(engine, view.start, view.now),
        map_layers=ExplorerLayers(outlines=areas, halls=stats, focus=focus, subject="halls"),
    )
