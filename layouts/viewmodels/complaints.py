"""The complaints view model: a page's complaint KPIs, funnel, trend and breakdowns for a period and district."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.context import RequestContext
from dashboard.queries import complaints
from dashboard.queries.complaints import ComplaintFilter, DistrictComplaints, complaint_summary
from dashboard.queries.kpis import complaint_series, open_tickets
from layouts.components.domain import View
from layouts.components.timepicker import context_span
from layouts.figures.city_map import MapLayers
from layouts.viewmodels.city_map import map_layers


@dataclass(frozen=True)
class ComplaintKpis:
    """What the complaint tiles show: the period's summary, open tickets and how many of them are overdue."""

    summary: DistrictComplaints
    backlog: int
    overdue: int


@dataclass(frozen=True)
class ComplaintsView:
    """The complaints page: its tiles, then what each chart shows, read when that chart is drawn: the funnel,
    received and closed per interval, by category and by department, and the map layers."""

    kpis: ComplaintKpis
    funnel: Callable[[], pd.DataFrame]
    trend: Callable[[], pd.DataFrame]
    categories: Callable[[], pd.DataFrame]
    departments: Callable[[], pd.DataFrame]
    map_layers: Callable[[], MapLayers]


def complaint_kpis(view: View) -> ComplaintKpis:
    """The complaint tiles' figures for the view's period and district (None: the city)."""
    backlog, overdue = open_tickets(view.context.engine, view.as_of, view.district)
    return ComplaintKpis(complaint_summary(view.context.engine, view.district, view.start, view.now), backlog, overdue)


def complaint_trend(view: View) -> pd.DataFrame:
    """Complaints received and closed per hour, day or month (the span's grain) of the view's period, in its
    district (None: the city)."""
    if view.span.grain == "hour":
        return complaints.complaint_trend(view.context.engine, view.start, view.now, view.district)
    tz, grain = view.context.timezone, view.span.grain
    return complaint_series(view.context.engine, view.start, view.now, tz, grain, view.district)


def by_category(view: View) -> pd.DataFrame:
    """The period's complaints by category, in the view's district (None: the city)."""
    return complaints.by_category(view.context.engine, ComplaintFilter(view.start, view.now, view.district), view.as_of)


def complaints_view(view: View) -> ComplaintsView:
    """The complaints page's data for the view's period and district."""
    sel = ComplaintFilter(view.start, view.now, view.district)
    return ComplaintsView(
        kpis=complaint_kpis(view),
        funnel=lambda: complaints.funnel(view.context.engine, sel),
        trend=lambda: complaint_trend(view),
        categories=lambda: by_category(view),
        departments=lambda: complaints.by_department(view.context.engine, sel, view.as_of),
        map_layers=lambda: map_layers(view.context, view.now, district=view.district, start=view.start),
    )


def ticket_selection(context: RequestContext, district: str | None, page: str = "complaints") -> ComplaintFilter:
    """The tickets ``page``'s table lists for the request ``context``: its period (the request's time), in the
    district (empty or None: the city)."""
    span = context_span(context, page)
    return ComplaintFilter(span.start, span.end, district or None)
