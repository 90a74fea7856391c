"""Panels and stat tiles of the domain pages: a titled card with its data time, a graph inside."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def graph_config(lang: str) -> dict:
    """Plotly config in the page's language (the zh-CN locale is served from our assets)."""
    return GRAPH_CONFIG | {"locale": "zh-CN" if lang == "zh" else "en"}


def panel(graph_id: str, title: str, lang: str, height: str = "340px", fresh: bool = True) -> dbc.Card:
    """A card holding one graph, with a slot for its "data as of" line (``{graph_id}-fresh``)."""
    head = [html.H2(title, className="panel-title")]
    if fresh:
        head.append(html.Div(id=f"{graph_id}-fresh", className="panel-fresh"))
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(head, className="panel-head"),
                dcc.Graph(id=graph_id, style={"height": height}, config=graph_config(lang)),
            ]
        ),
        className="h-100 cityops-panel",
        id=f"{graph_id}-panel",
    )


def stat_tile(
    key: str, title: str, value: str, detail: str, highlighted: bool = False, change: object = None
) -> dbc.Card:
    """A small KPI tile; ``highlighted`` marks the KPI a link came for (``?kpi=``); ``change``: its change
    against the comparison period, beside the value."""
    changed = [html.Span(change, className="kpi-change")] if change is not None else []
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="kpi-title"),
                html.Div([html.Span(value, className="kpi-number"), *changed], className="kpi-value"),
                html.Div(detail, className="kpi-detail"),
            ]
        ),
        className="kpi-card stat-tile h-100" + (" kpi-highlight" if highlighted else ""),
        id=f"tile-{key}",
    )


def tile_row(tiles: list[dbc.Card]) -> dbc.Row:
    """Tiles side by side, wrapping on narrow screens."""
    return dbc.Row([dbc.Col(tile, className="kpi-col") for tile in tiles], className="g-3 kpi-row mb-3")
