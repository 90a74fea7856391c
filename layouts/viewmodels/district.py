"""The district page's view model: its name, complaint KPIs, sub-districts, trend, categories, halls and map."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.context import RequestContext
from dashboard.queries import halls as hall_queries
from dashboard.queries import map as map_queries
from dashboard.queries import reference
from dashboard.queries.complaints import ComplaintFilter
from layouts.components.domain import View
from layouts.figures.explorer_map import ExplorerLayers
from layouts.viewmodels.complaints import ComplaintKpis, by_category, complaint_kpis, complaint_trend
from layouts.viewmodels.complaints import ticket_selection as complaint_tickets


@dataclass(frozen=True)
class DistrictView:
    """The district's complaint tiles, sub-districts ranked per 10k residents, complaints per interval and by
    category (both read when their chart is drawn), its service halls and the map layers."""

    kpis: ComplaintKpis
    ranked: pd.DataFrame
    trend: Callable[[], pd.DataFrame]
    categories: Callable[[], pd.DataFrame]
    halls: pd.DataFrame
    map_layers: ExplorerLayers


def district_area(context: RequestContext, code: str) -> dict | None:
    """The district's (or sub-district's) reference row (None: no such area)."""
    return reference.area(context.engine, code)


def ticket_selection(context: RequestContext, code: str | None) -> ComplaintFilter:
    """The tickets the district's table lists for the request ``context``: its period, in the district ``code``."""
    return complaint_tickets(context, code, "district")


def district_view(view: View) -> DistrictView:
    """The district page's data for the view's period; ``view.district`` is the district's code."""
    engine, code = view.context.engine, view.district
    subs = map_queries.area_kpis(engine, ComplaintFilter(view.start, view.now, code), view.context.timezone, "street")
    districts = reference.districts(engine)
    halls = hall_queries.hall_stats(engine, view.start, view.now, code)
    return DistrictView(
        kpis=complaint_kpis(view),
        ranked=subs.sort_values("per_10k", ascending=False),
        trend=lambda: complaint_trend(view),
        categories=lambda: by_category(view),
        halls=halls,
        map_layers=ExplorerLayers(
            outlines=districts, areas=subs, halls=halls, focus=districts[districts["code"] == code]
        ),
    )
