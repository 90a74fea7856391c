"""The city-score trend: daily city score with the on-target line at 1, and the comparison period's days dashed."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard import clock
from layouts.figures.base import COLORWAY, figure, level_line
from layouts.figures.charts import overlay_note
from layouts.themes import palette


def _days(trend: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(trend["day"]) if len(trend) else pd.Series(dtype="datetime64[ns]")


def score_trend(
    trend: pd.DataFrame,
    theme: str,
    font_size: int = 12,
    overlay: tuple[pd.DataFrame, object, str] | None = None,
    lang: str = "zh",
) -> go.Figure:
    """Line of ``city_score`` per ``day``; a dashed line marks the target (1.0). Dates carry the year when it is
    not the current one. ``overlay`` (frame, shift, label): the comparison period's daily scores, dashed in the
    second series colour, their days moved by ``shift`` onto this trend's, named ``label`` in a small legend at
    the top right; without a score there it says so (in ``lang``)."""
    colours = palette(theme)
    days = _days(trend)
    dated = "%Y-%m-%d" if any(day.year != clock.now().year for day in days) else "%m-%d"
    traces = [
        go.Scatter(
            x=days if len(trend) else [],
            y=trend["city_score"] if len(trend) else [],
            mode="lines+markers",
            line={"color": colours.accent, "width": 2},
            marker={"size": 5},
            hovertemplate="%{x|" + dated + "}: %{y:.2f}<extra></extra>",
            connectgaps=False,
            showlegend=False,
        )
    ]
    if overlay is not None and len(overlay[0]):
        frame, shift, label = overlay
        traces.append(
            go.Scatter(
                x=_days(frame) + shift,
                y=frame["city_score"],
                name=label,
                mode="lines",
                line={"color": COLORWAY[1], "width": 1.5, "dash": "dash"},
                hovertemplate="%{y:.2f}<extra>" + html.escape(label) + "</extra>",
                connectgaps=False,
            )
        )
    return figure(
        traces,
        theme,
        font_size,
        shapes=[level_line("y", 1.0, colours.muted)],
        annotations=overlay_note(overlay, {"city_score": ""}, lang, theme),
        showlegend=len(traces) > 1,
        legend={
            "x": 1, "xanchor": "right", "y": 1, "yanchor": "bottom", "orientation": "h", "bgcolor": "rgba(0,0,0,0)",
            "font": {"size": font_size - 2},
        },
        uirevision="score-trend",
        margin={"l": 30, "r": 8, "t": 4 if overlay is None else 18, "b": 24},
        xaxis={"showgrid": False, "tickformat": dated, "color": colours.muted},
        yaxis={"gridcolor": colours.grid, "color": colours.muted, "range": [0, 1.3], "dtick": 0.25},
    )
