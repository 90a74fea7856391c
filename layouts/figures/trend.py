"""The complaints-per-hour trend (bars in the city's local time)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import figure
from layouts.figures.charts import hour_formats
from layouts.i18n import t
from layouts.themes import palette


def hourly_trend(hourly: pd.DataFrame, lang: str, theme: str, timezone: str, font_size: int = 13) -> go.Figure:
    """Bars of ``count`` per ``hour`` (UTC) drawn in ``timezone``; dates carry the year outside the current one."""
    colours = palette(theme)
    ticks, hover = hour_formats(hourly, timezone)
    hours = pd.to_datetime(hourly["hour"], utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    return figure(
        [
            go.Bar(
                x=hours,
                y=hourly["count"],
                marker_color=colours.accent,
                hovertemplate="%{x|" + hover + "}<br>%{y} " + t("trend.axis", lang) + "<extra></extra>",
            )
        ],
        theme,
        font_size,
        bargap=0.15,
        showlegend=False,
        uirevision="trend",
        xaxis={"showgrid": False, "tickformat": ticks, "color": colours.muted, "automargin": True},
        yaxis={"gridcolor": colours.grid, "color": colours.muted, "rangemode": "tozero", "automargin": True},
    )
