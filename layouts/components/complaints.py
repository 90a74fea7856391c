"""What the complaints page and the district page share: the complaint tiles and charts, the ticket table (AG
Grid, paged on the server) and the dialog with a ticket's detail and timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html, no_update

from layouts.components.domain import DIRECTIONS, Compared, Tile, View, compared, with_changes
from layouts.components.frame import page_context
from layouts.components.ticket_detail import ticket_detail
from layouts.figures.charts import ranked_bars, time_lines
from layouts.format import number
from layouts.i18n import prefixed, t
from layouts.viewmodels.tickets import TICKET_COLUMNS, ticket, ticket_rows

if TYPE_CHECKING:  # types of annotations only: the read side is reached through the view model
    from dashboard.queries.complaints import ComplaintFilter, DistrictComplaints

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


def complaint_lines(trend: pd.DataFrame, view: View, base: Compared | None = None):
    """Complaints received (bars) and closed per interval, the comparison span's (``base``, see
    :func:`compared_complaints`) overlaid."""
    series = {k: t(f"complaints.series.{k}", view.context.language) for k in ("received", "closed")}
    return time_lines(
        trend,
        series,
        view.context.language,
        view.context.theme,
        view.context.timezone,
        bars=("received",),
        overlay=base.overlay(lambda d: d[1]) if base else None,
        span=(view.start, view.now),
        grain=view.span.grain,
    )


def labels(names: pd.Series, lang: str, none_key: str) -> list[str]:
    """Bar labels: the names, the text of ``none_key`` for rows without one (tickets that name no category or
    department), never a blank bar."""
    return [name if isinstance(name, str) and name.strip() else t(none_key, lang) for name in names]


def category_bars(categories: pd.DataFrame, view: View):
    """Complaints received by category, named in the page's language (the code where a name is missing)."""
    names = labels(categories[view.name], view.context.language, "complaints.categories.none")
    return ranked_bars(names, list(categories["received"]), view.context.language, view.context.theme)


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
        for c in TICKET_COLUMNS
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
    app: dash.Dash,
    page: str,
    choices: list[tuple[str, str]],
    selection: Callable[..., ComplaintFilter],
) -> None:
    """Rows, reset and dialog of ``page``'s ticket table; ``choices`` are the (id, property) pairs that choose
    the tickets besides the request (its period) and ``selection(context, *their values)`` the tickets they
    choose."""
    store = (f"{page}-prefs", "data")

    @app.callback(
        Output(f"{page}-grid", "getRowsResponse"),
        Input(f"{page}-grid", "getRowsRequest"),
        State(*store),
        *(State(component, prop) for component, prop in choices),
    )
    def rows(request, stored, *chosen):
        if not request:
            return no_update
        context = page_context(stored)
        sort = (request.get("sortModel") or [{}])[0]
        start = int(request.get("startRow", 0))
        return ticket_rows(
            context,
            selection(context, *chosen),
            start,
            int(request.get("endRow", start + PAGE_SIZE)) - start,
            sort.get("colId", "requested_at"),
            sort.get("sort", "desc") == "desc",
        )

    @app.callback(
        Output(f"{page}-grid-box", "children"),
        Input(*store),
        *(Input(component, prop) for component, prop in choices),
        prevent_initial_call=True,
    )
    def reset_grid(stored, *_chosen):
        return _grid(page, page_context(stored).language)

    @app.callback(
        Output(f"{page}-ticket-modal", "is_open"),
        Output(f"{page}-ticket-title", "children"),
        Output(f"{page}-ticket", "children"),
        Input(f"{page}-grid", "cellClicked"),
        State(*store),
        prevent_initial_call=True,
    )
    def open_ticket(cell, stored):
        row_id = (cell or {}).get("rowId")
        if row_id in (None, ""):
            return no_update, no_update, no_update
        context = page_context(stored)
        lang = context.language
        found, events = ticket(context, int(row_id))
        if found.empty:
            return True, t("ticket.missing", lang), None
        return True, found.at[0, "ticket"], ticket_detail(found.iloc[0], events, context)
