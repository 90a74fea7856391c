"""Complaints (``/complaints``): lifecycle funnel, trend, categories, departments, map and the ticket table
(server-side paging) with each ticket's event timeline."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from dashboard.app import current_engine, current_settings
from dashboard.kpis.freshness import domain_freshness
from dashboard.queries import domains, feeds, reference
from dashboard.queries.district import complaint_summary, open_tickets
from dashboard.queries.mapview import Selection
from layouts.components.domain import controls, domain_page, period_of
from layouts.components.frame import preferences
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line
from layouts.components.panel import panel, stat_tile, tile_row
from layouts.components.ticket_detail import ticket_detail
from layouts.data import PERIODS, map_layers, snapshot_time
from layouts.figures.charts import funnel, ranked_bars, time_lines
from layouts.figures.city_map import city_map
from layouts.format import local_time, number
from layouts.i18n import prefixed, t

dash.register_page(__name__, path="/complaints", name="complaints", title="CityOps · Complaints")

#: Overview KPI ids and the tile each one highlights here.
HIGHLIGHT = {
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
}
PAGE_SIZE = 25


def _grid(lang: str) -> dag.AgGrid:
    columns = [
        {"field": c, "headerName": t(f"tickets.col.{c}", lang), "sortable": True, "resizable": True}
        for c in domains.TICKET_COLUMNS
    ]
    columns[0] |= {"pinned": "left", "width": 190}
    return dag.AgGrid(
        id="complaints-grid",
        columnDefs=columns,
        rowModelType="infinite",
        defaultColDef={"flex": 1, "minWidth": 110},
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": PAGE_SIZE,
            "paginationPageSizeSelector": False,
            "cacheBlockSize": PAGE_SIZE,
            "maxBlocksInCache": 4,
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            "localeText": prefixed("grid", lang),
        },
        style={"height": "560px"},
    )


def layout(
    lang: str | None = None,
    theme: str | None = None,
    period: str | None = None,
    district: str | None = None,
    kpi: str | None = None,
    **_query,
) -> html.Div:
    prefs = preferences(lang, theme)
    lang = prefs["lang"]
    body = [
        dcc.Store(id="complaints-kpi", data=HIGHLIGHT.get(kpi, kpi)),
        dbc.Row(
            [
                dbc.Col(panel("complaints-funnel", t("complaints.funnel", lang), lang, fresh=False), lg=4),
                dbc.Col(panel("complaints-trend", t("complaints.trend", lang), lang, fresh=False), lg=8),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(panel("complaints-categories", t("complaints.categories", lang), lang, fresh=False), lg=4),
                dbc.Col(panel("complaints-departments", t("complaints.departments", lang), lang, fresh=False), lg=4),
                dbc.Col(panel("complaints-map", t("complaints.map", lang), lang, fresh=False), lg=4),
            ],
            className="g-3 mb-3",
        ),
        html.H2(t("complaints.tickets", lang), className="page-subtitle"),
        html.P(t("complaints.tickets.note", lang), className="text-body-secondary small"),
        html.Div(_grid(lang), id="complaints-grid-box"),
        dbc.Modal(
            [dbc.ModalHeader(dbc.ModalTitle(id="complaints-ticket-title")), dbc.ModalBody(id="complaints-ticket")],
            id="complaints-ticket-modal",
            size="lg",
            is_open=False,
        ),
    ]
    top = [
        controls("complaints", lang, period_of(period), district),
        html.Div(id="complaints-fresh", className="page-fresh mb-2"),
    ]
    return domain_page("complaints", prefs, t("complaints.title", lang), top, body)


def _tiles(summary, backlog: int, overdue: int, lang: str, highlight: str | None) -> dbc.Row:
    def pct(value):
        return number(value, lang, 1) + "%" if value is not None else t("kpi.no_value", lang)

    specs = [
        (
            "received",
            number(summary.received, lang),
            t("complaints.tile.received.detail", lang, rate=number(summary.per_10k, lang, 1)),
        ),
        (
            "on_time",
            pct(summary.on_time),
            t("complaints.tile.on_time.detail", lang, met=number(summary.due_met, lang), due=number(summary.due, lang)),
        ),
        ("backlog", number(backlog, lang), t("complaints.tile.backlog.detail", lang, overdue=number(overdue, lang))),
        (
            "satisfaction",
            pct(summary.satisfaction),
            t(
                "complaints.tile.satisfaction.detail",
                lang,
                satisfied=number(summary.satisfied, lang),
                rated=number(summary.rated, lang),
            ),
        ),
        (
            "handling",
            number(summary.handling_hours, lang, 1),
            t("complaints.tile.handling.detail", lang, closed=number(summary.closed, lang)),
        ),
    ]
    return tile_row(
        [stat_tile(k, t(f"complaints.tile.{k}", lang), v, d, highlighted=k == highlight) for k, v, d in specs]
    )


def _selection(period: str, district: str | None):
    now = snapshot_time()
    return now, Selection(now - PERIODS[period_of(period)], now, district or None)


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("complaints-tiles", "children"),
        Output("complaints-funnel", "figure"),
        Output("complaints-trend", "figure"),
        Output("complaints-categories", "figure"),
        Output("complaints-departments", "figure"),
        Output("complaints-map", "figure"),
        Output("complaints-district", "options"),
        Output("complaints-fresh", "children"),
        Output("complaints-banner", "children"),
        Input("complaints-interval", "n_intervals"),
        Input("complaints-period", "value"),
        Input("complaints-district", "value"),
        State("complaints-prefs", "data"),
        State("complaints-kpi", "data"),
    )
    def refresh(_n, period, district, prefs, highlight):
        lang, theme = prefs["lang"], prefs["theme"]

        def render():
            engine, settings = current_engine(), current_settings()
            tz = settings.city_timezone
            now, sel = _selection(period, district)
            summary = complaint_summary(engine, sel.district, sel.start, now)
            backlog, overdue = open_tickets(engine, now, sel.district)
            steps = domains.funnel(engine, sel)
            trend = domains.complaint_trend(engine, sel.start, now, sel.district)
            categories = domains.by_category(engine, sel, now)
            departments = domains.by_department(engine, sel, now)
            name = "name_en" if lang == "en" else "name_zh"
            areas = reference.districts(engine)
            fresh = domain_freshness(feeds.feed_status(engine), ("complaints",), now, settings.stale_after_intervals)
            return (
                _tiles(summary, backlog, overdue, lang, highlight),
                funnel(steps, lang, theme),
                time_lines(
                    trend,
                    {"received": t("complaints.series.received", lang), "closed": t("complaints.series.closed", lang)},
                    lang,
                    theme,
                    tz,
                    bars=("received",),
                ),
                ranked_bars(list(categories["key"]), list(categories["received"]), lang, theme),
                ranked_bars(
                    list(departments[name]), list(departments["on_time_rate"]), lang, theme, digits=1, unit="%"
                ),
                city_map(
                    map_layers(now, period_of(period), sel.district),
                    lang,
                    theme,
                    tz,
                    settings.map_style_url,
                    show_legend=False,
                    fit_px=(560, 340),
                ),
                [{"label": n, "value": c} for c, n in zip(areas["code"], areas[name], strict=True)],
                freshness_line(fresh, lang, tz),
            )

        return guarded(render, 8, lang)

    @app.callback(
        Output("complaints-grid", "getRowsResponse"),
        Input("complaints-grid", "getRowsRequest"),
        State("complaints-period", "value"),
        State("complaints-district", "value"),
        State("complaints-prefs", "data"),
    )
    def rows(request, period, district, prefs):
        if not request:
            return no_update
        tz = current_settings().city_timezone
        _, sel = _selection(period, district)
        sort = (request.get("sortModel") or [{}])[0]
        start = int(request.get("startRow", 0))
        page, total = domains.tickets_page(
            current_engine(),
            sel,
            start,
            int(request.get("endRow", start + PAGE_SIZE)) - start,
            sort.get("colId", "requested_at"),
            sort.get("sort", "desc") == "desc",
        )
        lang = prefs["lang"]
        data = [
            {
                "id": int(r.id),
                "ticket": r.ticket,
                "requested_at": local_time(r.requested_at, tz),
                "category": r.category or "",
                "status": t(f"status.{r.status}", lang) if r.status in domains.STATUS_KEYS else r.status,
                "district": r.district or "",
                "department": r.department or "",
                "due_at": local_time(r.due_at, tz),
                "closed_at": local_time(r.closed_at, tz),
            }
            for r in page.itertuples(index=False)
        ]
        return {"rowData": data, "rowCount": total}

    @app.callback(
        Output("complaints-grid-box", "children"),
        Input("complaints-period", "value"),
        Input("complaints-district", "value"),
        State("complaints-prefs", "data"),
        prevent_initial_call=True,
    )
    def reset_grid(_period, _district, prefs):
        return _grid(prefs["lang"])

    @app.callback(
        Output("complaints-ticket-modal", "is_open"),
        Output("complaints-ticket-title", "children"),
        Output("complaints-ticket", "children"),
        Input("complaints-grid", "cellClicked"),
        State("complaints-prefs", "data"),
        prevent_initial_call=True,
    )
    def open_ticket(cell, prefs):
        row_id = ((cell or {}).get("data") or {}).get("id")
        if row_id is None:
            return no_update, no_update, no_update
        lang = prefs["lang"]
        ticket, events = domains.ticket(current_engine(), int(row_id))
        if ticket.empty:
            return True, t("ticket.missing", lang), None
        return (
            True,
            ticket.at[0, "ticket"],
            ticket_detail(ticket.iloc[0], events, lang, current_settings().city_timezone),
        )
