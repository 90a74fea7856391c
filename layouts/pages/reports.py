"""Reports (``/reports``): the kept daily and weekly reports (城市运行日报/周报) to open or download, and the
deliveries that failed. Staff only (the gate's page rule); the files are served by ``dashboard.web.reports``."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from layouts.components.frame import page_context, page_frame, page_request
from layouts.components.guard import guarded
from layouts.components.navbar import navbar
from layouts.components.report_deliveries import failed_deliveries_table
from layouts.format import local_time, number
from layouts.i18n import t
from layouts.viewmodels.reports import reports_view

dash.register_page(__name__, path="/reports", name="reports", title="CityOps · Reports")

COLUMNS = ("period", "kind", "lang", "format", "size", "incomplete", "delivery", "generated")


def layout(lang: str | None = None, theme: str | None = None, **_query) -> html.Div:
    context = page_request(lang, theme)
    lang = context.language
    content = [
        html.Div(id="reports-banner"),
        html.H1(t("reports.title", lang), className="page-title"),
        html.P(t("reports.note", lang), className="text-body-secondary small"),
        html.Div(id="reports-table", className="mb-4"),
        html.H2(t("reports.deliveries", lang), className="page-subtitle"),
        html.Div(id="reports-deliveries"),
    ]
    return page_frame("reports", context, [navbar("reports", context), dbc.Container(content, fluid=True)])


def _delivery(row, lang: str):
    if pd.isna(row.delivery):
        return t("reports.delivery.none", lang)
    colour = {"ok": "success", "retrying": "warning"}.get(row.delivery, "danger")
    return dbc.Badge(t(f"reports.delivery.{row.delivery}", lang), color=colour)


def _row(row, lang: str, tz: str) -> html.Tr:
    period = row.first_day if row.first_day == row.last_day else f"{row.first_day} – {row.last_day}"
    incomplete = ", ".join(t(f"report.part.{p}", lang) for p in row.incomplete.split(",") if p)
    return html.Tr([
        html.Td(html.A(period, href=f"/reports/file/{int(row.id)}", target="_blank", className="report-link")),
        html.Td(t(f"reports.kind.{row.kind}", lang)),
        html.Td(row.lang),
        html.Td(row.format.upper(), title=row.note or None),
        html.Td(number(row.size / 1024, lang) + " KB"),
        html.Td(incomplete or "—", className="text-warning" if incomplete else ""),
        html.Td(_delivery(row, lang)),
        html.Td(local_time(row.generated_at, tz)),
    ])


def reports_table(frame: pd.DataFrame, lang: str, tz: str) -> html.Div:
    """The kept reports, each period a link to its file; a plain line when none is kept yet."""
    if frame.empty:
        return html.P(t("reports.none", lang), className="text-body-secondary", id="reports-none")
    head = html.Thead(html.Tr([html.Th(t(f"reports.col.{c}", lang)) for c in COLUMNS]))
    rows = [_row(row, lang, tz) for row in frame.itertuples(index=False)]
    return dbc.Table([head, html.Tbody(rows)], hover=True, size="sm", id="reports-list")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("reports-table", "children"),
        Output("reports-deliveries", "children"),
        Output("reports-banner", "children"),
        Input("reports-interval", "n_intervals"),
        State("reports-prefs", "data"),
    )
    def refresh(_n, stored):
        context = page_context(stored)
        lang = context.language

        def render():
            view = reports_view(context)
            return (reports_table(view.reports, lang, view.timezone),
                    failed_deliveries_table(view.failed, lang, view.timezone))

        return guarded(render, 2, lang)
