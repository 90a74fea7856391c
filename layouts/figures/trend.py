"""The complaints-per-hour trend (bars in the city's local time), with the comparison period's hours dashed."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import figure
from layouts.figures.charts import hour_formats, overlay_note, overlay_traces
from layouts.i18n import t
from layouts.themes import palette


def hourly_trend(
    hourly: pd.DataFrame,
    lang: str,
    theme: str,
    timezone: str,
    font_size: int = 13,
    overlay: tuple[pd.DataFrame, object, str] | None = None,
    overlay_width: float = 1.5,
) -> go.Figure:
    """Bars of ``count`` per ``hour`` (UTC) drawn in ``timezone``; dates carry the year outside the current one.
    ``overlay`` (frame, shift, label) draws the comparison period's counts as a dashed line in the text colour
    (it stands out from the bars), ``overlay_width`` px wide, its local hours moved by ``shift`` onto this
    period's; a comparison without a count says so."""
    colours = palette(theme)
    ticks, hover = hour_formats(hourly, timezone)
    hours = pd.to_datetime(hourly["hour"], utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    label, axis = t("trend.series", lang), t("trend.axis", lang)
    lines = (
        overlay_traces(overlay, {"count": label}, timezone, width=overlay_width, colours=(colours.text,))
        if overlay is not None
        else []
    )
    return figure(
        [
            go.Bar(
                x=hours,
                y=hourly["count"],
                name=label,
                marker_color=colours.accent,
                hovertemplate="%{x|" + hover + "}<br>%{y} " + axis + "<extra></extra>",
            ),
            *lines,
        ],
        theme,
        font_size,
        bargap=0.15,
        showlegend=bool(lines),
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        annotations=overlay_note(overlay, {"count": label}, lang, theme),
        margin={"l": 8, "r": 8, "t": 30 if overlay is not None else 8, "b": 8},
        uirevision="trend",
        xaxis={"showgrid": False, "tickformat": ticks, "color": colours.muted, "automargin": True},
        yaxis={"gridcolor": colours.grid, "color": colours.muted, "rangemode": "tozero", "automargin": True},
    )
