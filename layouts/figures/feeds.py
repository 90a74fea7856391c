"""Feed-operation figures: rows stored per run over time, one line per feed."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import figure
from layouts.figures.charts import SERIES_COLOURS, empty
from layouts.i18n import t
from layouts.themes import palette


def rows_per_run(runs: pd.DataFrame, lang: str, theme: str, timezone: str) -> go.Figure:
    """New + updated rows of each run (``feed``, ``started_at``, ``new``, ``updated``, ``status``); failed runs
    are marked with crosses at zero."""
    if runs.empty:
        return empty(t("feeds.runs.none", lang), theme)
    colours = palette(theme)
    traces = []
    for i, (feed, group) in enumerate(runs.sort_values("started_at").groupby("feed", sort=True)):
        when = pd.to_datetime(group["started_at"], utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        ok = group["status"] == "ok"
        traces.append(
            go.Scatter(
                x=when[ok],
                y=(group["new"] + group["updated"])[ok],
                mode="lines+markers",
                name=feed,
                line={"color": colour, "width": 1.5},
                marker={"size": 4},
                legendgroup=feed,
                hovertemplate="%{x|%m-%d %H:%M} %{y}<extra>" + feed + "</extra>",
            )
        )
        if (~ok).any():
            traces.append(
                go.Scatter(
                    x=when[~ok],
                    y=[0] * int((~ok).sum()),
                    mode="markers",
                    name=feed,
                    showlegend=False,
                    marker={"symbol": "x", "size": 9, "color": colour},
                    legendgroup=feed,
                    hovertemplate="%{x|%m-%d %H:%M} " + t("feeds.status.failed", lang) + "<extra>" + feed + "</extra>",
                )
            )
    return figure(
        traces,
        theme,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 8, "r": 8, "t": 30, "b": 8},
        xaxis={"showgrid": False, "color": colours.muted, "tickformat": "%H:%M\n%m-%d", "automargin": True},
        yaxis={
            "gridcolor": colours.grid,
            "color": colours.muted,
            "rangemode": "tozero",
            "title": {"text": t("feeds.runs.axis", lang)},
            "automargin": True,
        },
    )
