"""Complaints (``/complaints``): lifecycle funnel, trend, categories, departments, map and the ticket table
(server-side paging) with each ticket's event timeline."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from layouts.components.complaints import (
    category_bars,
    compared_complaints,
    complaint_lines,
    complaint_tiles,
    labels,
    register_ticket_table,
    ticket_table,
    with_complaint_changes,
)
from layouts.components.domain import DomainSpec, Drawn, Slot, View, domain_layout, register_domain
from layouts.components.frame import page_request
from layouts.figures.charts import funnel, ranked_bars
from layouts.figures.city_map import city_map
from layouts.i18n import t
from layouts.viewmodels.complaints import (
    complaint_kpis,
    complaint_trend,
    complaints_view,
    ticket_selection,
)

dash.register_page(__name__, path="/complaints", name="complaints", title="CityOps · Complaints")

SPEC = DomainSpec(
    "complaints",
    rows=((Slot("funnel", 4), Slot("trend", 8)), (Slot("categories", 4), Slot("departments", 4), Slot("map", 4))),
    domains=("complaints",),
    highlight={
        "complaints_today": "received",
        "complaints_received": "received",
        "complaints_per_10k": "received",
        "complaint_closure_rate": "received",
        "complaint_return_rate": "received",
        "on_time_closure": "on_time",
        "complaint_on_time_rate": "on_time",
        "complaint_backlog": "backlog",
        "complaint_overdue": "backlog",
        "complaint_satisfaction": "satisfaction",
        "complaint_handling_hours": "handling",
        "complaint_handling_hours_median": "handling",
        "complaint_handling_hours_p90": "handling",
    },
)


def layout(
    lang: str | None = None,
    theme: str | None = None,
    period: str | None = None,
    district: str | None = None,
    kpi: str | None = None,
    **_query,
) -> html.Div:
    context = page_request(lang, theme, query={"period": period, **_query})
    lang = context.language
    tickets = ticket_table("complaints", lang, t("complaints.tickets", lang))
    return domain_layout(SPEC, context, t("complaints.title", lang), district, kpi, tuple(tickets))


def _departments(departments: pd.DataFrame, view: View):
    rates = list(departments["on_time_rate"])
    names = labels(departments[view.name], view.context.language, "complaints.departments.none")
    return ranked_bars(names, rates, view.context.language, view.context.theme, digits=1, unit="%")


def draw(view: View) -> Drawn:
    lang, theme, tz = view.context.language, view.context.theme, view.context.timezone
    data, base = complaints_view(view), compared_complaints(view, complaint_kpis, complaint_trend)
    kpis = data.kpis
    tiles = complaint_tiles(kpis.summary, kpis.backlog, kpis.overdue, lang)
    return Drawn(
        with_complaint_changes(tiles, view, kpis, base),
        {
            "funnel": lambda: funnel(data.funnel(), lang, theme),
            "trend": lambda: complaint_lines(data.trend(), view, base),
            "categories": lambda: category_bars(data.categories(), view),
            "departments": lambda: _departments(data.departments(), view),
            "map": lambda: city_map(
                data.map_layers(),
                lang,
                theme,
                tz,
                view.context.settings.map_style_url,
                show_legend=False,
                fit_px=SPEC.fit_px("map"),
            ),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
    register_ticket_table(
        app, "complaints", [("complaints-district", "value")], ticket_selection
    )
