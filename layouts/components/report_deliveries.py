"""The failed report deliveries, as the reports page and /feeds show them: which report, by which channel to
whom, how many attempts, the last error, and when the next attempt is due (or that there will be none)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts.format import local_time
from layouts.i18n import t

COLUMNS = ("report", "channel", "target", "attempts", "time", "next", "error")


def failed_deliveries_table(failed: pd.DataFrame, lang: str, tz: str) -> html.Div:
    """A table of the failed deliveries; a plain line when there are none."""
    if failed.empty:
        return html.P(t("reports.deliveries.none", lang), className="text-body-secondary small",
                      id="report-deliveries-none")
    head = html.Thead(html.Tr([html.Th(t(f"reports.deliveries.col.{c}", lang)) for c in COLUMNS]))
    rows = [
        html.Tr(
            [
                html.Td(f"{r.kind} {r.first_day} {r.lang} {r.format}"),
                html.Td(r.channel),
                html.Td(r.target),
                html.Td(int(r.attempt)),
                html.Td(local_time(r.attempted_at, tz)),
                html.Td(t("reports.deliveries.final", lang) if pd.isna(r.next_attempt_at)
                        else local_time(r.next_attempt_at, tz)),
                html.Td(r.error or "", className="text-danger small"),
            ],
            className="report-delivery-failed" if pd.isna(r.next_attempt_at) else "report-delivery-retrying",
        )
        for r in failed.itertuples(index=False)
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, id="report-deliveries-table")
