"""Feeds (``/feeds``): health of every feed at the selection's as-of moment, rows per run, run history, the
quarantine browser (payloads shown as inert text) and published-figure agreement over the selected period (the
time picker's, by default the last 24 hours)."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.kpis.freshness import row_freshness
from layouts.components.feed_checks import feed_checks_section, register_feed_checks
from layouts.components.frame import page_context, page_frame, page_request
from layouts.components.guard import guarded
from layouts.components.navbar import navbar
from layouts.components.panel import graph_config
from layouts.components.report_deliveries import failed_deliveries_table
from layouts.components.timepicker import context_span, settle, time_picker
from layouts.figures.feeds import rows_per_run
from layouts.format import duration, local_time, number
from layouts.i18n import TRANSLATIONS, prefixed, t
from layouts.viewmodels.feeds import feeds_view

dash.register_page(__name__, path="/feeds", name="feeds", title="CityOps · Feeds")

STATUS_COLOURS = {"ok": "success", "failed": "danger", "auth_failed": "danger"}
QUARANTINE_COLUMNS = ("time", "feed", "record", "field", "reason", "payload")


def _grid_columns(lang: str) -> list[dict]:
    widths = {"time": 130, "feed": 170, "record": 140, "field": 110, "reason": 260}
    columns = [
        {
            "field": c,
            "headerName": t(f"quarantine.col.{c}", lang),
            "width": widths.get(c),
            "filter": True,
            "sortable": True,
            "resizable": True,
        }
        for c in QUARANTINE_COLUMNS
    ]
    columns[-1] |= {"flex": 1, "wrapText": False, "tooltipField": "payload"}
    return columns


RUN_COLUMNS = ("started", "feed", "status", "seconds", "fetched", "new", "updated", "unchanged", "rejected", "error")


def _run_columns(lang: str) -> list[dict]:
    columns = [{"field": c, "headerName": t(f"feeds.runs.col.{c}", lang), "width": 110} for c in RUN_COLUMNS]
    columns[0]["width"], columns[1]["width"] = 140, 180
    columns[-1] |= {"flex": 1, "tooltipField": "error"}
    return columns


def _run_rows(runs: pd.DataFrame, lang: str, tz: str) -> list[dict]:
    return [
        {
            "started": local_time(r.started_at, tz, lang=lang),
            "feed": r.feed,
            "status": t(f"feeds.status.{r.status}", lang)
            if f"feeds.status.{r.status}" in TRANSLATIONS[lang]
            else r.status,
            "seconds": None if pd.isna(r.seconds) else round(float(r.seconds), 2),
            "fetched": int(r.fetched),
            "new": int(r.new),
            "updated": int(r.updated),
            "unchanged": int(r.unchanged),
            "rejected": int(r.rejected),
            "error": r.error or "",
        }
        for r in runs.itertuples(index=False)
    ]


def _runs_section(lang: str) -> list:
    grid = dag.AgGrid(
        id="feeds-runs",
        columnDefs=_run_columns(lang),
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "filter": True},
        dashGridOptions={"pagination": True, "paginationPageSize": 15, "localeText": prefixed("grid", lang)},
        style={"height": "420px"},
        className="mb-4",
    )
    return [
        html.H2(t("feeds.runs", lang), className="page-subtitle"),
        html.P(t("feeds.runs.note", lang), className="text-body-secondary small"),
        dcc.Graph(id="feeds-runs-chart", style={"height": "300px"}, className="mb-3", config=graph_config(lang)),
        grid,
    ]


def _quarantine_section(lang: str) -> list:
    choice = dcc.Dropdown(id="feeds-quarantine-feed", placeholder=t("feeds.quarantine.all", lang), clearable=True)
    grid = dag.AgGrid(
        id="feeds-quarantine",
        columnDefs=_grid_columns(lang),
        rowData=[],
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 20,
            "tooltipShowDelay": 300,
            "localeText": prefixed("grid", lang),
        },
        style={"height": "520px"},
    )
    return [
        html.H2(t("feeds.quarantine", lang), className="page-subtitle"),
        html.P(t("feeds.quarantine.note", lang), className="text-body-secondary small"),
        dbc.Row(dbc.Col(choice, md=4), className="mb-2"),
        grid,
    ]


def layout(lang: str | None = None, theme: str | None = None, **_query) -> html.Div:
    # feed health is about now: an archive's old facts do not move it to their time (its feeds "never ran" then)
    settled = settle("feeds", page_request(lang, theme, query=_query), follow_data=False)
    context = settled.context
    lang = context.language
    content = [
        html.Div(id="feeds-banner"),
        html.H1(t("feeds.title", lang), className="page-title"),
        time_picker("feeds", settled, lang, compares=False),  # health has no 环比/同比
        html.Div(id="feeds-table", className="mb-4"),
        html.H2(t("feeds.deliveries", lang), className="page-subtitle"),
        html.Div(id="feeds-deliveries", className="mb-4"),
        feed_checks_section(lang),
        *_runs_section(lang),
        *_quarantine_section(lang),
    ]
    return page_frame("feeds", context, [navbar("feeds", context), dbc.Container(content, fluid=True)])


def _badge(text: str, colour: str, **kwargs) -> dbc.Badge:
    return dbc.Badge(text, color=colour, className="feed-badge", **kwargs)


def _unread(fields: dict[str, int] | None, lang: str) -> html.Div | None:
    """ "ignored fields: notes (276 values), …" under a feed's name: what arrived that no mapping read."""
    if not fields:
        return None
    ranked = sorted(fields.items(), key=lambda item: (-item[1], item[0]))
    shown = [t("feeds.unread.field", lang, name=name, count=number(n, lang)) for name, n in ranked]
    return html.Div(t("feeds.unread", lang, fields=", ".join(shown)), className="small text-warning feed-unread")


FEED_COLUMNS = ("feed", "domain", "last_run", "status", "last_success", "lag", "rows", "failures", "freshness")


def _status_badge(row, lang: str) -> dbc.Badge:
    if pd.isna(row.last_status):
        return _badge(t("feeds.never", lang), "secondary")
    key = f"feeds.status.{row.last_status}"
    text = t(key, lang) if key in TRANSLATIONS[lang] else row.last_status
    title = None if pd.isna(row.last_error) else str(row.last_error)
    return _badge(text, STATUS_COLOURS.get(row.last_status, "secondary"), title=title)


def _feed_row(row, now, factor: float, lang: str, tz: str, unread: dict[str, dict[str, int]]) -> html.Tr:
    fresh = row_freshness(row, now, factor)
    domain_key = f"domain.{row.domain}"
    cells = [
        html.Td([html.Code(row.name), _unread(unread.get(row.name), lang)]),
        html.Td(t(domain_key, lang) if domain_key in TRANSLATIONS[lang] else (row.domain or "")),
        html.Td(local_time(None if pd.isna(row.last_run_at) else row.last_run_at, tz)),
        html.Td(_status_badge(row, lang)),
        html.Td(local_time(None if pd.isna(row.last_success_at) else row.last_success_at, tz)),
        html.Td(duration(None if fresh.as_of is None else (now - fresh.as_of).total_seconds(), lang)),
        html.Td(" / ".join(number(v, lang) for v in (row.new, row.updated, row.unchanged, row.rejected))),
        html.Td(
            number(row.consecutive_failures, lang),
            className="text-danger fw-bold" if row.consecutive_failures else "",
        ),
        html.Td(
            _badge(t("feeds.stale", lang), "warning", text_color="dark")
            if fresh.stale
            else _badge(t("feeds.fresh", lang), "success")
        ),
    ]
    return html.Tr(cells, className="feed-stale" if fresh.stale else "", id=f"feed-row-{row.name}")


def _feeds_table(
    status: pd.DataFrame, now, factor: float, lang: str, tz: str, unread: dict[str, dict[str, int]]
) -> dbc.Table:
    head = html.Thead(html.Tr([html.Th(t(f"feeds.col.{c}", lang)) for c in FEED_COLUMNS]))
    rows = [_feed_row(row, now, factor, lang, tz, unread) for row in status.itertuples(index=False)]
    return dbc.Table([head, html.Tbody(rows)], hover=True, responsive=True, className="feeds-table align-middle")


def register_callbacks(app: dash.Dash) -> None:
    register_feed_checks(app)

    @app.callback(
        Output("feeds-table", "children"),
        Output("feeds-quarantine", "rowData"),
        Output("feeds-quarantine-feed", "options"),
        Output("feeds-runs-chart", "figure"),
        Output("feeds-runs", "rowData"),
        Output("feeds-deliveries", "children"),
        Output("feeds-banner", "children"),
        Input("feeds-interval", "n_intervals"),
        Input("feeds-quarantine-feed", "value"),
        State("feeds-prefs", "data"),
    )
    def refresh(_n, feed, stored):
        context = page_context(stored)
        lang, theme = context.language, context.theme

        def render():
            view = feeds_view(context, feed, context_span(context, "feeds"), past="as_of" in context.time)
            tz = view.timezone
            return (
                _feeds_table(view.status, view.now, view.stale_factor, lang, tz, view.unread),
                view.quarantine,
                [{"label": name, "value": name} for name in view.status["name"]],
                rows_per_run(view.runs, lang, theme, tz),
                _run_rows(view.runs, lang, tz),
                failed_deliveries_table(view.deliveries, lang, tz),
            )

        return guarded(render, 6, lang)
