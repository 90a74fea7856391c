"""The open-alerts list of the overview: severity, message, since when, acknowledged by whom."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts.format import local_time
from layouts.i18n import t

SEVERITY_COLOURS = {"critical": "danger", "warning": "warning", "info": "info"}


def alert_list(alerts: pd.DataFrame, lang: str, timezone: str) -> html.Div:
    """Open alerts, newest first; an empty list says so."""
    if alerts.empty:
        return html.Div(t("alerts.none", lang), className="text-body-secondary small")
    items = []
    for row in alerts.itertuples(index=False):
        ack = (
            t("alerts.acked", lang, who=row.acknowledged_by, time=local_time(row.acknowledged_at, timezone, lang=lang))
            if row.acknowledged_by
            else t("alerts.unacked", lang)
        )
        items.append(
            dbc.ListGroupItem(
                [
                    html.Div(
                        [
                            dbc.Badge(
                                t(f"alerts.severity.{row.severity}", lang),
                                color=SEVERITY_COLOURS.get(row.severity, "secondary"),
                                className="me-2",
                            ),
                            html.Span(row.message_zh if lang == "zh" else row.message_en),
                        ],
                        className="small",
                    ),
                    html.Div(
                        f"#{row.id} · {t('alerts.since', lang, time=local_time(row.opened_at, timezone, lang=lang))}"
                        f" · {ack}",
                        className="small text-body-secondary",
                    ),
                ],
                className="py-1 px-2",
            )
        )
    return dbc.ListGroup(items, flush=True)
