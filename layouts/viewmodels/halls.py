"""The service halls page's view model: totals over the halls shown, their trend, ranking, items and map."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.queries import halls, reference
from layouts.components.domain import View
from layouts.figures.explorer_map import ExplorerLayers

#: The counts the tiles add up over halls.
SUMMED = (
    "wait_seconds",
    "over_30",
    "handling_seconds",
    "finished",
    "online",
    "issued",
    "called",
    "single_visit",
    "with_visits",
    "rated_good",
    "rated",
)


@dataclass(frozen=True)
class HallsView:
    """The totals of the tiles, tickets and waits per interval (read when its chart is drawn), halls by wait,
    tickets by service item (read when its chart is drawn), the map."""

    totals: dict
    trend: Callable[[], pd.DataFrame]
    ranked: pd.DataFrame
    items: Callable[[], pd.DataFrame]
    map_layers: ExplorerLayers


def totals(stats: pd.DataFrame) -> dict:
    """Totals over the halls shown (zero when no hall matches, e.g. a district without halls)."""
    sums = stats.reindex(columns=SUMMED, fill_value=0).astype(float).sum()

    def ratio(num, den, scale):
        return sums[num] / sums[den] * scale if sums[den] else None

    return {
        "wait_min": ratio("wait_seconds", "called", 1 / 60),
        "over_30_pct": ratio("over_30", "called", 100),
        "handling_min": ratio("handling_seconds", "finished", 1 / 60),
        "online_pct": ratio("online", "issued", 100),
        "single_visit_pct": ratio("single_visit", "with_visits", 100),
        "good_pct": ratio("rated_good", "rated", 100),
        "called": int(sums["called"]),
        "issued": int(sums["issued"]),
    }


def halls_view(view: View) -> HallsView:
    """The halls page's data for the view's period and district (None: the city; items and trend: the city)."""
    engine = view.context.engine
    stats = halls.hall_stats(engine, view.start, view.now, view.district)
    areas = reference.districts(engine)
    focus = areas[areas["code"] == view.district] if view.district else None
    return HallsView(
        totals=totals(stats),
        trend=lambda: halls.hall_series(engine, view.start, view.now, view.context.timezone, view.span.grain),
        ranked=stats.sort_values("wait_min", ascending=False),
        items=lambda: halls.hall_items(engine, view.start, view.now),
        map_layers=ExplorerLayers(outlines=areas, halls=stats, focus=focus, subject="halls"),
    )
