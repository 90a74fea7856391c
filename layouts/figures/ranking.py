"""Department ranking (考核): bars of the weighted score, best on top."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import figure
from layouts.figures.charts import empty
from layouts.themes import palette


def ranking_bars(ranking: pd.DataFrame, lang: str, theme: str, hover: str, none: str, font_size: int = 12) -> go.Figure:
    """One bar per department (score 0–1 as %); ``hover`` formats on-time, satisfaction and return rate;
    without a department that has a score, the sentence ``none`` instead of an empty axis."""
    colours = palette(theme)
    rows = ranking.dropna(subset=["score"]).iloc[::-1]
    if rows.empty:
        return empty(none, theme, font_size)
    return figure(
        [
            go.Bar(
                x=rows["score"].astype(float) * 100,
                y=[f"{int(r)}. {n}" for r, n in zip(rows["rank"], rows[f"name_{lang}"], strict=True)],
                orientation="h",
                marker_color=colours.accent,
                text=[f"{s * 100:.1f}" for s in rows["score"]],
                textposition="inside",
                constraintext="none",  # a bar thinner than its label's line keeps the label readable (not shrunk)
                customdata=(rows[["on_time_rate", "satisfaction", "return_rate"]].astype(float) * 100).to_numpy(),
                hovertemplate=hover + "<extra></extra>",
            )
        ],
        theme,
        font_size,
        showlegend=False,
        bargap=0.25,
        uirevision="ranking",
        margin={"l": 8, "r": 8, "t": 4, "b": 20},
        xaxis={"range": [0, 100], "gridcolor": colours.grid, "color": colours.muted},
        yaxis={"color": colours.text, "automargin": True},
    )
