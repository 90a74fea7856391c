"""Feeds page section: how often each feed's published figures agree with ours, and the names feeds gave
that resolve to no reference entity (kept as they came)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from layouts.components.guard import guarded
from layouts.format import number
from layouts.i18n import t
from layouts.viewmodels.feeds import feed_checks


def feed_checks_section(lang: str) -> html.Div:
    """The section's frame; its tables arrive with the page's refresh."""
    return html.Div(
        [
            html.H2(t("feeds.published", lang), className="page-subtitle"),
            html.P(t("feeds.published.note", lang), className="text-body-secondary small"),
            html.Div(id="feeds-published", className="mb-4"),
            html.H2(t("feeds.unresolved", lang), className="page-subtitle"),
            html.P(t("feeds.unresolved.note", lang), className="text-body-secondary small"),
            html.Div(id="feeds-unresolved", className="mb-4"),
        ]
    )


def _table(columns: list[str], rows: list[list], lang: str, empty: str) -> html.Div | dbc.Table:
    if not rows:
        return html.P(t(empty, lang), className="text-body-secondary")
    head = html.Thead(html.Tr([html.Th(t(c, lang)) for c in columns]))
    body = html.Tbody([html.Tr([html.Td(v) for v in row]) for row in rows])
    return dbc.Table([head, body], size="sm", responsive=True, className="align-middle")


def agreement_table(agreement: pd.DataFrame, lang: str) -> html.Div | dbc.Table:
    """Per feed: station-hours compared, agreeing, and the agreement rate."""
    rows = [
        [html.Code(r.source), number(r.compared, lang), number(r.agreeing, lang), f"{number(r.rate * 100, lang, 1)} %"]
        for r in agreement.itertuples(index=False)
    ]
    columns = ["feeds.col.feed", "feeds.published.compared", "feeds.published.agreeing", "feeds.published.rate"]
    return _table(columns, rows, lang, "feeds.published.none")


def unresolved_table(names: pd.DataFrame, lang: str) -> html.Div | dbc.Table:
    """Per kind and name found in no reference table nor alias: the rows carrying it."""
    rows = [
        [t(f"feeds.unresolved.{r.kind}", lang), r.name, number(r.rows, lang)] for r in names.itertuples(index=False)
    ]
    columns = ["feeds.unresolved.kind", "feeds.unresolved.name", "feeds.unresolved.rows"]
    return _table(columns, rows, lang, "feeds.unresolved.none")


def register_feed_checks(app: dash.Dash) -> None:
    @app.callback(
        Output("feeds-published", "children"),
        Output("feeds-unresolved", "children"),
        Input("feeds-interval", "n_intervals"),
        State("feeds-prefs", "data"),
    )
    def refresh(_n, prefs):
        lang = prefs["lang"]

        def render():
            agreement, unresolved = feed_checks()
            return agreement_table(agreement, lang), unresolved_table(unresolved, lang)

        return guarded(render, 2, lang)[:2]  # the page's own refresh shows the banner
