"""The city's reference data (``/city``): what it has and lacks and what each page and KPI can therefore show —
the findings of ``python -m dashboard city check``."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboard.city.check import check_city
from dashboard.context import RequestContext
from layouts.components.frame import page_context, page_frame, page_request
from layouts.components.guard import guarded
from layouts.components.navbar import navbar
from layouts.i18n import t

dash.register_page(__name__, path="/city", name="city", title="CityOps · City")


def layout(lang: str | None = None, theme: str | None = None, **_query) -> html.Div:
    context = page_request(lang, theme)
    lang = context.language
    return page_frame(
        "city",
        context,
        [
            navbar("city", context, "/city"),
            dbc.Container(
                [
                    html.Div(id="city-banner"),
                    html.H1(t("city.title", lang), className="page-title"),
                    html.P(t("city.note", lang), className="text-body-secondary small"),
                    html.Div(id="city-findings"),
                ],
                fluid=True,
            ),
        ],
    )


def findings_table(context: RequestContext) -> dbc.Table:
    """One row per finding, in the request's language: whether the city has it, what, and what it means for the
    pages."""
    lang, rows = context.language, []
    for finding in check_city(context.engine):
        subject, detail = finding.text(lang)
        state, colour = ("city.has", "success") if finding.ok else ("city.lacks", "warning")
        badge = dbc.Badge(t(state, lang), color=colour)
        rows.append(html.Tr([html.Td(badge), html.Td(subject), html.Td(detail)], className="city-finding"))
    head = html.Thead(html.Tr([html.Th(t(f"city.column.{c}", lang)) for c in ("state", "subject", "detail")]))
    return dbc.Table([head, html.Tbody(rows)], hover=True, size="sm", id="city-table")


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("city-findings", "children"),
        Output("city-banner", "children"),
        Input("city-interval", "n_intervals"),
        State("city-prefs", "data"),
    )
    def refresh(_n, stored):
        context = page_context(stored)
        return guarded(lambda: (findings_table(context),), 1, context.language)
