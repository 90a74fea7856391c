"""What the complaints page and the district page share: the complaint tiles, the ticket table (AG Grid, paged
on the server) and the dialog with a ticket's detail and timeline."""

from __future__ import annotations

from collections.abc import Callable

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from dashboard.context import request_context
from dashboard.queries import complaints
from dashboard.queries.complaints import ComplaintFilter, DistrictComplaints
from layouts.components.domain import DIRECTIONS, Compared, Tile, View, compared, with_changes
from layouts.components.ticket_detail import ticket_detail
from layouts.format import local_time, named, number
from layouts.i18n import prefixed, t

PAGE_SIZE = 25
#: Every complaint tile, in the order shown.
TILES = ("received", "on_time", "backlog", "satisfaction", "handling")


def complaint_tiles(
    summary: DistrictComplaints,
    backlog: int,
    overdue: int,
    lang: str,
    keys: tuple[str, ...] = TILES,
    received_detail: str = "complaints.tile.received.detail",
) -> list[Tile]:
    """The tiles named in ``keys`` (see ``TILES``)."""

    def pct(value):
        return number(value, lang, 1) + "%" if value is not None else t("kpi.no_value", lang)

    specs = {
        "received": (number(summary.received, lang), t(received_detail, lang, rate=number(summary.per_10k, lang, 1))),
        "on_time": (
            pct(summary.on_time),
            t("complaints.tile.on_time.detail", lang, met=number(summary.due_met, lang), due=number(summary.due, lang)),
        ),
        "backlog": (number(backlog, lang), t("complaints.tile.backlog.detail", lang, overdue=number(overdue, lang))),
        "satisfaction": (
            pct(summary.satisfaction),
            t(
                "complaints.tile.satisfaction.detail",
                lang,
                satisfied=number(summary.satisfied, lang),
                rated=number(summary.rated, lang),
            ),
        ),
        "handling": (
            number(summary.handling_hours, lang, 1),
            t("complaints.tile.handling.detail", lang, closed=number(summary.closed, lang)),
        ),
    }
    return [Tile(k, t(f"complaints.tile.{k}", lang), *specs[k]) for k in keys]


#: The registry KPI each complaint tile is a reading of (its direction judges the tile's change).
TILE_KPIS = {
    "received": "complaints_received",
    "on_time": "complaint_on_time_rate",
    "backlog": "complaint_backlog",
    "satisfaction": "complaint_satisfaction",
    "handling": "complaint_handling_hours",
}
#: Tiles in percent, and tiles that count.
PERCENT, WHOLE = ("on_time", "satisfaction"), ("received", "backlog")


def tile_values(kpis) -> dict[str, float | None]:
    """The complaint tiles' values by key (rates in percent), from a view model's ``ComplaintKpis``."""
    summary = kpis.summary
    return {
        "received": summary.received,
        "on_time": summary.on_time,
        "backlog": kpis.backlog,
        "satisfaction": summary.satisfaction,
        "handling": summary.handling_hours,
    }


def compared_complaints(view: View, read_kpis: Callable, read_trend: Callable) -> Compared | None:
    """The complaint tiles' figures (``read_kpis``) and trend (``read_trend``) over the view's comparison span:
    ``data`` is the pair."""
    return compared(view, lambda base: (read_kpis(base), read_trend(base)), "complaints")


def with_complaint_changes(tiles: list[Tile], view: View, kpis, base: Compared | None) -> list[Tile]:
    """The complaint ``tiles`` with their change against ``base`` (see :func:`compared_complaints`)."""
    directions = {key: DIRECTIONS[kpi] for key, kpi in TILE_KPIS.items()}
    return with_changes(tiles, view, tile_values(kpis), base, lambda d: tile_values(d[0]), directions, PERCENT, WHOLE)


def _grid(page: str, lang: str) -> dag.AgGrid:
    columns = [
        {"field": c, "headerName": t(f"tickets.col.{c}", lang), "sortable": True, "resizable": True}
        for c in complaints.TICKET_COLUMNS
    ]
    columns[0] |= {"pinned": "left", "width": 190}
    return dag.AgGrid(
        id=f"{page}-grid",
        columnDefs=columns,
        rowModelType="infinite",
        getRowId="params.data.id",  # a clicked cell names its row by the ticket's row id
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


def ticket_table(page: str, lang: str, title: str) -> list:
    """The heading, the grid ``{page}-grid`` (rebuilt in ``{page}-grid-box`` when the selection changes) and
    the dialog ``{page}-ticket-modal`` that a click on a row opens."""
    return [
        html.H2(title, className="page-subtitle"),
        html.P(t("complaints.tickets.note", lang), className="text-body-secondary small"),
        html.Div(_grid(page, lang), id=f"{page}-grid-box"),
        dbc.Modal(
            [dbc.ModalHeader(dbc.ModalTitle(id=f"{page}-ticket-title")), dbc.ModalBody(id=f"{page}-ticket")],
            id=f"{page}-ticket-modal",
            size="lg",
            is_open=False,
        ),
    ]


def register_ticket_table(
    app: dash.Dash, page: str, chosen: list[tuple[str, str]], selection: Callable[..., ComplaintFilter]
) -> None:
    """Rows, reset and dialog of ``page``'s ticket table; ``chosen`` are the (id, property) pairs that choose
    the tickets and ``selection(*their values)`` the tickets they choose."""

    @app.callback(
        Output(f"{page}-grid", "getRowsResponse"),
        Input(f"{page}-grid", "getRowsRequest"),
        *(State(component, prop) for component, prop in chosen),
        State(f"{page}-prefs", "data"),
    )
    def rows(request, *values):
        if not request:
            return no_update
        *chosen_values, prefs = values
        tz = request_context().settings.city_timezone
        sort = (request.get("sortModel") or [{}])[0]
        start = int(request.get("startRow", 0))
        tickets, total = complaints.tickets_page(
            request_context().engine,
            selection(*chosen_values),
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
                "requested_at": local_time(r.requested_at, tz, lang=lang),
                "category": named(r._asdict(), "category", lang),
                "status": t(f"status.{r.status}", lang) if r.status in complaints.STATUS_KEYS else r.status,
                "district": named(r._asdict(), "district", lang),
                "department": named(r._asdict(), "department", lang),
                "due_at": local_time(r.due_at, tz, lang=lang),
                "closed_at": local_time(r.closed_at, tz, lang=lang),
            }
            for r in tickets.itertuples(index=False)
        ]
        return {"rowData": data, "rowCount": total}

    @app.callback(
        Output(f"{page}-grid-box", "children"),
        *(Input(component, prop) for component, prop in chosen),
        State(f"{page}-prefs", "data"),
        prevent_initial_call=True,
    )
    def reset_grid(*values):
        return _grid(page, values[-1]["lang"])

    @app.callback(
        Output(f"{page}-ticket-modal", "is_open"),
        Output(f"{page}-ticket-title", "children"),
        Output(f"{page}-ticket", "children"),
        Input(f"{page}-grid", "cellClicked"),
        State(f"{page}-prefs", "data"),
        prevent_initial_call=True,
    )
    def open_ticket(cell, prefs):
        row_id = (cell or {}).get("rowId")
        if row_id in (None, ""):
            return no_update, no_update, no_update
        lang = prefs["lang"]
        ticket, events = complaints.ticket(request_context().engine, int(row_id))
        if ticket.empty:
            return True, t("ticket.missing", lang), None
        return (
            True,
            ticket.at[0, "ticket"],
            ticket_detail(ticket.iloc[0], events, lang, request_context().settings.city_timezone),
        )
