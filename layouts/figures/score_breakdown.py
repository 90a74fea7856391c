"""The city score decomposed: one bar per scored KPI (its score, capped at 1.25), coloured by RAG status."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import figure, level_line
from layouts.themes import palette

RAG_COLOURS = {"green": "#2DC26B", "amber": "#F5B700", "red": "#E5484D", None: "#8A97A6"}


def score_breakdown(table: pd.DataFrame, names: dict[str, str], theme: str, font_size: int = 12) -> go.Figure:
    """Horizontal bars of the scored KPIs of ``table`` (kpi_table rows); ``customdata`` is the KPI id."""
    colours = palette(theme)
    rows = table[table["scored"].astype(bool)].iloc[::-1]
    scores = rows["score"].astype(float)
    return figure(
        [
            go.Bar(
                x=scores.fillna(0),
                y=[names[k] for k in rows["id"]],
                orientation="h",
                marker_color=[RAG_COLOURS.get(r if isinstance(r, str) else None) for r in rows["rag"]],
                customdata=rows["id"],
                text=[("—" if pd.isna(s) else f"{s:.2f}") for s in scores],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.2f}<extra></extra>",
            )
        ],
        theme,
        font_size,
        shapes=[level_line("x", 1.0, colours.muted)],
        showlegend=False,
        bargap=0.25,
        uirevision="score-breakdown",
        margin={"l": 8, "r": 36, "t": 4, "b": 20},
        xaxis={"range": [0, 1.3], "gridcolor": colours.grid, "color": colours.muted, "dtick": 0.25},
        yaxis={"color": colours.text, "automargin": True},
    )
