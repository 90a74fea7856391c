"""The air quality of months (HJ 663: no monthly AQI): each month's days by the level of their daily AQI, stacked
in the levels' official colours, with the comparison period's good days (优良天数) dashed."""

from __future__ import annotations

import html
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from dashboard.kpis.aqi import LEVELS
from layouts.figures.base import figure
from layouts.figures.charts import empty, overlay_note
from layouts.i18n import t
from layouts.themes import palette


def _months(frame: pd.DataFrame, timezone: str) -> pd.Series:
    return pd.to_datetime(frame["hour"], utc=True).dt.tz_convert(timezone).dt.tz_localize(None)


def level_days(
    frame: pd.DataFrame,
    lang: str,
    theme: str,
    timezone: str,
    span: tuple[datetime, datetime] | None = None,
    overlay: tuple[pd.DataFrame, object, str] | None = None,
    font_size: int = 13,
) -> go.Figure:
    """Stacked bars of each month's days per AQI level (rows of :func:`dashboard.kpis.air_months.monthly_evaluation`;
    ``hour``: the month's start in UTC) over ``span`` (UTC), drawn in local time; ``overlay`` (frame, shift, label)
    draws the comparison period's good days as a dashed line, its months moved by ``shift``. Without a day with a
    daily AQI it says so."""
    good = t("environment.month.good_days", lang)
    has_days = not frame.empty and pd.to_numeric(frame["days"]).sum() > 0
    if not has_days and (overlay is None or overlay[0].empty):
        return empty(t("environment.aqi.no_daily", lang), theme, font_size)
    colours, x = palette(theme), _months(frame, timezone) if not frame.empty else []
    unit = t("environment.month.days", lang)
    traces: list = [
        go.Bar(
            x=x,
            y=frame[level.key] if not frame.empty else [],
            name=t(f"aqi.{level.key}", lang),
            marker_color=level.color,
            xperiod="M1",
            xperiodalignment="middle",
            hovertemplate="%{x|%Y-%m} %{y} " + html.escape(unit) + "<extra>" + html.escape(t(f"aqi.{level.key}", lang))
            + "</extra>",
        )
        for level in LEVELS
    ]
    if overlay is not None and not overlay[0].empty:
        before, shift, label = overlay
        traces.append(
            go.Scatter(
                x=_months(before, timezone) + shift,
                y=before["good_days"],
                name=f"{good} · {label}",
                mode="lines+markers",
                xperiod="M1",
                xperiodalignment="middle",
                line={"color": colours.text, "width": 2, "dash": "dash"},
                hovertemplate="%{y} " + html.escape(unit) + "<extra>" + html.escape(f"{good} · {label}") + "</extra>",
            )
        )
    months = {"range": [pd.Timestamp(m).tz_convert(timezone).tz_localize(None) for m in span]} if span else {}
    return figure(
        traces,
        theme,
        font_size,
        barmode="stack",
        bargap=0.2,
        annotations=overlay_note(overlay, {"good_days": good}, lang, theme),
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        margin={"l": 8, "r": 8, "t": 30, "b": 8},
        xaxis={
            "showgrid": False, "color": colours.muted, "tickformat": "%Y-%m", "dtick": "M1", "type": "date",
            "automargin": True,
        }
        | months,
        yaxis={
            "gridcolor": colours.grid, "color": colours.muted, "rangemode": "tozero", "title": {"text": unit},
            "automargin": True,
        },
    )
