"""The city-score trend: daily city score with the on-target line at 1."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import clock
from layouts.figures.base import figure, level_line
from layouts.themes import palette


def score_trend(trend: pd.DataFrame, theme: str, font_size: int = 12) -> go.Figure:
    """Line of ``city_score`` per ``day``; a dashed line marks the target (1.0). Dates carry the year when it is
    not the current one."""
    colours = palette(theme)
    days = pd.to_datetime(trend["day"]) if len(trend) else pd.Series(dtype="datetime64[ns]")
    dated = "%Y-%m-%d" if any(day.year != clock.now().year for day in days) else "%m-%d"
    return figure(
        [
            go.Scatter(
                x=days if len(trend) else [],
                y=trend["city_score"] if len(trend) else [],
                mode="lines+markers",
                line={"color": colours.accent, "width": 2},
                marker={"size": 5},
                hovertemplate="%{x|" + dated + "}: %{y:.2f}<extra></extra>",
                connectgaps=False,
            )
        ],
        theme,
        font_size,
        shapes=[level_line("y", 1.0, colours.muted)],
        showlegend=False,
        uirevision="score-trend",
        margin={"l": 30, "r": 8, "t": 4, "b": 24},
        xaxis={"showgrid": False, "tickformat": dated, "color": colours.muted},
        yaxis={"gridcolor": colours.grid, "color": colours.muted, "range": [0, 1.3], "dtick": 0.25},
    )
