"""Charts of the domain pages and the wall: lifecycle funnel, ranked bars, time series (local time)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import COLORWAY, styled
from layouts.format import number
from layouts.i18n import t
from layouts.themes import palette

#: Colour-blind-safe qualitative colours (Okabe–Ito) for several series on one chart.
SERIES_COLOURS = COLORWAY


def _local(hours: pd.Series, timezone: str) -> pd.Series:
    return pd.to_datetime(hours, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)


def _axes(fig: go.Figure, theme: str) -> go.Figure:
    colours = palette(theme)
    fig.update_xaxes(showgrid=False, color=colours.muted, automargin=True)
    fig.update_yaxes(gridcolor=colours.grid, color=colours.muted, automargin=True, rangemode="tozero")
    return fig


def funnel(steps: pd.DataFrame, lang: str, theme: str, font_size: int = 13) -> go.Figure:
    """The lifecycle funnel (``step``, ``tickets``) with its side steps (returned, extended) as a second series."""
    colours = palette(theme)
    main = steps[~steps["step"].isin(("returned", "extended"))]
    side = steps[steps["step"].isin(("returned", "extended"))]
    fig = go.Figure(
        go.Funnel(
            y=[t(f"status.{s}", lang) for s in main["step"]],
            x=main["tickets"],
            text=[number(v, lang) for v in main["tickets"]],
            textinfo="text+percent initial",
            marker={"color": colours.accent},
            connector={"line": {"color": colours.grid}},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    styled(fig, theme, font_size)
    notes = "  ·  ".join(f"{t(f'status.{s}', lang)} {number(v, lang)}" for s, v in side.itertuples(index=False))
    fig.add_annotation(
        text=notes,
        x=1,
        y=-0.08,
        xref="paper",
        yref="paper",
        showarrow=False,
        xanchor="right",
        font={"color": colours.muted},
    )
    fig.update_layout(margin={"l": 8, "r": 8, "t": 8, "b": 36}, showlegend=False)
    fig.update_yaxes(automargin=True)
    return fig


def ranked_bars(
    labels: list[str],
    values: list[float | None],
    lang: str,
    theme: str,
    digits: int = 0,
    unit: str = "",
    colors: list[str] | None = None,
    font_size: int = 13,
    limit: int = 12,
) -> go.Figure:
    """Horizontal bars, largest on top, each labelled with its value (at most ``limit``)."""
    frame = pd.DataFrame({"label": labels, "value": values, "color": colors or [palette(theme).accent] * len(labels)})
    frame = frame.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable").head(limit).iloc[::-1]
    if frame.empty:
        return empty(t("fresh.none", lang), theme, font_size)
    fig = go.Figure(
        go.Bar(
            x=frame["value"],
            y=[html.escape(str(v)) for v in frame["label"]],
            orientation="h",
            marker_color=list(frame["color"]),
            text=[f"{number(v, lang, digits)}{unit}" for v in frame["value"]],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    styled(fig, theme, font_size)
    fig.update_layout(showlegend=False, bargap=0.25)
    _axes(fig, theme)
    fig.update_xaxes(showgrid=True, gridcolor=palette(theme).grid)
    # room for at least five bars, so that one or two bars do not fill the panel
    fig.update_yaxes(showgrid=False, range=[len(frame) - 5.5, len(frame) - 0.5] if len(frame) < 5 else None)
    return fig


def time_lines(
    frame: pd.DataFrame,
    series: dict[str, str],
    lang: str,
    theme: str,
    timezone: str,
    bars: tuple[str, ...] = (),
    font_size: int = 13,
    y_title: str | None = None,
    bands: tuple[tuple[float, float, str], ...] = (),
) -> go.Figure:
    """Hourly series of ``frame`` (column ``hour`` in UTC) drawn in local time; ``series`` maps column → label;
    columns in ``bars`` are bars. ``bands`` shade (low, high, colour) ranges of the y axis (e.g. levels), up to
    the data's top only."""
    x = _local(frame["hour"], timezone) if not frame.empty else []
    traces = []
    for i, (column, label) in enumerate(series.items()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        kind = go.Bar if column in bars else go.Scatter
        extra = (
            {"marker_color": colour} if column in bars else {"line": {"color": colour, "width": 2.5}, "mode": "lines"}
        )
        traces.append(
            kind(
                x=x,
                y=frame[column] if column in frame else [],
                name=label,
                hovertemplate="%{x|%m-%d %H:00} %{y:.1f}<extra>" + html.escape(label) + "</extra>",
                **extra,
            )
        )
    fig = styled(go.Figure(traces), theme, font_size)
    values = pd.concat([pd.to_numeric(frame[c]) for c in series if c in frame]) if not frame.empty else pd.Series()
    top = float(values.max()) * 1.1 if values.notna().any() else 0.0
    for low, high, colour in bands:
        if low >= top:
            continue
        high = min(high, top)
        fig.add_hrect(y0=low, y1=high, fillcolor=colour, opacity=0.08, line_width=0, layer="below")
    fig.update_layout(
        showlegend=len(series) > 1,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 8, "r": 8, "t": 30 if len(series) > 1 else 8, "b": 8},
        bargap=0.15,
        hovermode="x unified",
    )
    _axes(fig, theme)
    fig.update_xaxes(tickformat="%H:%M\n%m-%d")
    fig.update_yaxes(title=y_title)
    return fig


def empty(message: str, theme: str, font_size: int = 13) -> go.Figure:
    """A figure that says there is nothing to draw (never a blank panel)."""
    fig = styled(go.Figure(), theme, font_size)
    fig.add_annotation(
        text=html.escape(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"color": palette(theme).muted, "size": font_size + 2},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
