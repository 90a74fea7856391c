"""Feeds page section: how often each feed's published figures agree with ours, the names feeds gave that
resolve to no reference entity (kept as they came), and, when pages read from a replica, that replica's lag."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from layouts.components.frame import page_context
from layouts.components.guard import guarded
from layouts.components.timepicker import context_span
from layouts.format import duration, local_time, number
from layouts.i18n import t
from layouts.viewmodels.feeds import feed_checks

if TYPE_CHECKING:
    from dashboard.queries.replica import ReplicaStatus


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
            html.Div(id="feeds-replica", className="mb-4"),
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


def _replica_lag(status: ReplicaStatus, lang: str) -> str:
    if status.paused:
        since = f" · {duration(status.lag_s, lang)}" if status.lag_s is not None else ""
        return t("feeds.replica.paused", lang) + since
    if status.lag_s is None:
        return t("feeds.replica.unknown", lang)
    return t("feeds.replica.caught_up", lang) if status.lag_s == 0 else duration(status.lag_s, lang)


def replica_section(status: ReplicaStatus | None, lang: str, timezone: str) -> list:
    """The read replica's lag as it and the primary see it; nothing when pages read from the primary."""
    if status is None:
        return []
    title = [html.H2(t("feeds.replica", lang), className="page-subtitle"),
             html.P(t("feeds.replica.note", lang), className="text-body-secondary small")]
    if not status.reachable:
        return [*title, dbc.Alert(t("feeds.replica.down", lang, error=status.error), color="danger")]
    own = dbc.Table(html.Tbody([
        html.Tr([html.Th(t("feeds.replica.lag", lang)), html.Td(_replica_lag(status, lang), id="feeds-replica-lag")]),
        html.Tr([html.Th(t("feeds.replica.replayed", lang)),
                 html.Td(local_time(status.replayed_to, timezone, lang=lang))]),
    ]), size="sm", className="align-middle w-auto")
    rows = [
        [" · ".join(part for part in (s.name, s.address) if part), s.state,
         "" if s.behind_bytes is None else f"{number(s.behind_bytes, lang)} B"]
        for s in status.standbys
    ]
    columns = ["feeds.replica.standby", "feeds.replica.state", "feeds.replica.behind"]
    return [*title, own, _table(columns, rows, lang, "feeds.replica.none")]


def register_feed_checks(app: dash.Dash) -> None:
    @app.callback(
        Output("feeds-published", "children"),
        Output("feeds-unresolved", "children"),
        Output("feeds-replica", "children"),
        Input("feeds-interval", "n_intervals"),
        State("feeds-prefs", "data"),
    )
    def refresh(_n, stored):
        context = page_context(stored)
        lang, timezone = context.language, context.timezone

        def render():
            agreement, unresolved, replica = feed_checks(context, context_span(context, "feeds"))
            return (
                agreement_table(agreement, lang),
                unresolved_table(unresolved, lang),
                replica_section(replica, lang, timezone),
            )

        return guarded(render, 3, lang)[:3]  # the page's own refresh shows the banner
