"""Charts of the domain pages and the wall: lifecycle funnel, ranked bars, time series (local time)."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go

from dashboard import clock
from layouts.figures.base import COLORWAY, figure
from layouts.format import number
from layouts.i18n import t
from layouts.themes import palette

#: Colour-blind-safe qualitative colours (Okabe–Ito) for several series on one chart.
SERIES_COLOURS = COLORWAY
#: Series of at most this many points are drawn with markers.
SPARSE_POINTS = 48


def _local(hours: pd.Series, timezone: str) -> pd.Series:
    return pd.to_datetime(hours, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)


#: The longest an interval of each grain lasts (a local day of 25 hours where clocks go back, a month of 31
#: days and that hour): points further apart have an interval between them that holds no value.
LONGEST = {"hour": pd.Timedelta(hours=1), "day": pd.Timedelta(hours=25), "month": pd.Timedelta(days=31, hours=1)}


def _gaps_broken(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """``frame`` (column ``hour``: each interval's start in UTC) in time order, with a row of no value an hour
    after each point that intervals without a value follow: a line breaks there instead of being drawn across
    what was not measured (a hall closed at night, a feed down)."""
    hours = pd.to_datetime(frame["hour"], utc=True)
    ordered = frame.assign(hour=hours).sort_values("hour", kind="stable", ignore_index=True)
    before_gap = ordered["hour"][ordered["hour"].diff().shift(-1) > LONGEST[grain]]
    if before_gap.empty:
        return ordered
    gaps = pd.DataFrame({"hour": before_gap + pd.Timedelta(hours=1)})
    return pd.concat([ordered, gaps], ignore_index=True).sort_values("hour", kind="stable", ignore_index=True)


def _points_marked(values: pd.Series | None, sparse: bool) -> dict:
    """A line's mode and markers: every point marked on a line of few points; on others the points with no
    value on either side (they would not show as a line)."""
    if sparse or values is None:
        return {"mode": "lines+markers", "marker": {"size": 5}}
    known = values.notna()
    alone = known & ~known.shift(1, fill_value=False) & ~known.shift(-1, fill_value=False)
    if not alone.any():
        return {"mode": "lines"}
    return {"mode": "lines+markers", "marker": {"size": [5 if point else 0 for point in alone]}}


def _axes(theme: str, x: dict | None = None, y: dict | None = None) -> dict:
    """The x and y axes of a chart: a y grid from zero, both in the muted colour, with ``x``/``y`` added."""
    colours = palette(theme)
    return {
        "xaxis": {"showgrid": False, "color": colours.muted, "automargin": True} | (x or {}),
        "yaxis": {"gridcolor": colours.grid, "color": colours.muted, "automargin": True, "rangemode": "tozero"}
        | (y or {}),
    }


def funnel(steps: pd.DataFrame, lang: str, theme: str, font_size: int = 13) -> go.Figure:
    """The lifecycle funnel (``step``, ``tickets``) with its side steps (returned, extended) as a second series."""
    colours = palette(theme)
    main = steps[~steps["step"].isin(("returned", "extended"))]
    side = steps[steps["step"].isin(("returned", "extended"))]
    notes = "  ·  ".join(f"{t(f'status.{s}', lang)} {number(v, lang)}" for s, v in side.itertuples(index=False))
    return figure(
        [
            go.Funnel(
                y=[t(f"status.{s}", lang) for s in main["step"]],
                x=main["tickets"],
                text=[number(v, lang) for v in main["tickets"]],
                textinfo="text+percent initial",
                marker={"color": colours.accent},
                connector={"line": {"color": colours.grid}},
                hovertemplate="%{y}: %{x}<extra></extra>",
            )
        ],
        theme,
        font_size,
        annotations=[
            {
                "text": notes,
                "x": 1,
                "y": -0.08,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "xanchor": "right",
                "font": {"color": colours.muted},
            }
        ],
        margin={"l": 8, "r": 8, "t": 8, "b": 36},
        showlegend=False,
        yaxis={"automargin": True},
    )


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
    """Horizontal bars, largest on top, each labelled with its value (at most ``limit``). Bars stand at positions
    0, 1, … named by their labels, so that two with the same label (two segments of one road) stay two bars."""
    frame = pd.DataFrame({"label": labels, "value": values, "color": colors or [palette(theme).accent] * len(labels)})
    frame = frame.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable").head(limit).iloc[::-1]
    if frame.empty:
        return empty(t("fresh.none", lang), theme, font_size)
    # room for at least five bars, so that one or two bars do not fill the panel
    rows = {"range": [len(frame) - 5.5, len(frame) - 0.5]} if len(frame) < 5 else {}
    names, positions = [html.escape(str(v)) for v in frame["label"]], list(range(len(frame)))
    ticks = {"tickmode": "array", "tickvals": positions, "ticktext": names}
    return figure(
        [
            go.Bar(
                x=frame["value"],
                y=positions,
                customdata=names,
                orientation="h",
                marker_color=list(frame["color"]),
                text=[f"{number(v, lang, digits)}{unit}" for v in frame["value"]],
                textposition="auto",
                textangle=0,  # level, however thin the bar (plotly turns a label that does not fit upright)
                hovertemplate="%{customdata}: %{text}<extra></extra>",
            )
        ],
        theme,
        font_size,
        showlegend=False,
        bargap=0.25,
        **_axes(theme, x={"showgrid": True, "gridcolor": palette(theme).grid}, y={"showgrid": False} | ticks | rows),
    )


def overlay_traces(
    overlay: tuple[pd.DataFrame, object, str],
    series: dict[str, str],
    timezone: str,
    right: dict | None = None,
    width: float = 1.5,
    colours: tuple[str, ...] = SERIES_COLOURS,
    grain: str = "hour",
) -> list[go.Scatter]:
    """Dashed lines of the comparison period's series per ``grain``, moved onto the current period's time
    axis (broken where it has no value)."""
    frame, shift, label = overlay
    if frame.empty:
        return []
    sparse = len(frame) <= SPARSE_POINTS
    frame = _gaps_broken(frame, grain)
    x = _local(frame["hour"], timezone) + shift
    return [
        go.Scatter(
            x=x,
            y=frame[column],
            name=f"{name} · {label}",
            line={"color": colours[i % len(colours)], "width": width, "dash": "dash"},
            **_points_marked(frame[column], sparse),
            hovertemplate="%{y:.1f}<extra>" + html.escape(f"{name} · {label}") + "</extra>",
            **({"yaxis": "y2"} if column in (right or {}) else {}),
        )
        for i, (column, name) in enumerate(series.items())
        if column in frame
    ]


def overlay_note(
    overlay: tuple[pd.DataFrame, object, str] | None, series: dict[str, str], lang: str, theme: str
) -> list:
    """The annotation saying the comparison period has no data (its label: "同比：无数据"), top right, when a
    comparison is asked and none of its series holds a value; else nothing (a missing line is never a 0)."""
    if overlay is None or _has_values(overlay[0], series):
        return []
    return [
        {
            "text": html.escape(t("compare.overlay.none", lang, label=overlay[2])),
            "x": 1,
            "y": 1,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "right",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"color": palette(theme).muted},
        }
    ]


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
    span: tuple[datetime, datetime] | None = None,
    right: dict[str, str] | None = None,
    overlay: tuple[pd.DataFrame, object, str] | None = None,
    grain: str = "hour",
    overlay_width: float = 1.5,
    legend_title: str | None = None,
) -> go.Figure:
    """Series of ``frame`` per hour, day or month (``grain``; column ``hour``: each interval's start in UTC)
    drawn in local time; ``series`` maps column → label; columns in ``bars`` are bars. ``right`` maps columns of
    another unit to the title of a second y axis on the right that they are drawn against (e.g. minutes beside
    a count). ``bands`` shade (low, high, colour) ranges of the y axis (e.g. levels), up to the data's top only;
    the lowest band is always on the axis, whole.
    ``span`` (UTC) is the time axis's range: the whole period, however little data came; a series of few
    points is drawn with markers (a single point would not show as a line). Dates carry the year when it is not
    the current one. ``overlay`` (frame, shift, label) draws the comparison period's series dashed, its local
    times moved by ``shift`` (a pandas offset) onto this period's axis, named "<series> · <label>", its lines
    ``overlay_width`` px wide; a comparison without a value says so. ``legend_title`` heads the legend (what the
    values are). Without a value of any series, this period's or the comparison's, it says there is no data
    (never bare axes)."""
    if not _has_values(frame, series) and (overlay is None or not _has_values(overlay[0], series)):
        return empty(t("fresh.none", lang), theme, font_size)
    x = _local(frame["hour"], timezone) if not frame.empty else []
    lines = _gaps_broken(frame, grain) if not frame.empty else frame  # bars keep their spacing
    x_lines = _local(lines["hour"], timezone) if not frame.empty else []
    ticks, hover = _time_formats(grain, _other_year(frame, span, timezone))
    traces = []
    for i, (column, label) in enumerate(series.items()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        kind = go.Bar if column in bars else go.Scatter
        drawn = frame if column in bars else lines
        sparse = len(frame) <= SPARSE_POINTS
        extra = (
            {"marker_color": colour, "opacity": 0.75 if overlay is not None else 1}
            if column in bars
            else {"line": {"color": colour, "width": 2.5}}
            | _points_marked(drawn[column] if column in drawn else None, sparse)
        )
        if right and column in right:
            extra["yaxis"] = "y2"
        traces.append(
            kind(
                x=x if column in bars else x_lines,
                y=drawn[column] if column in drawn else [],
                name=label,
                hovertemplate="%{x|" + hover + "} %{y:.1f}<extra>" + html.escape(label) + "</extra>",
                **extra,
            )
        )
    if overlay is not None:
        traces += overlay_traces(overlay, series, timezone, right, overlay_width, grain=grain)
    left = [c for c in series if c in frame and c not in (right or {})]
    values = pd.concat([pd.to_numeric(frame[c]) for c in left]) if not frame.empty and left else pd.Series()
    top = float(values.max()) * 1.1 if values.notna().any() else 0.0
    if bands:  # the lowest band shows whole: a TPI of 0.01 is drawn low in 畅通, not as a peak of its own axis
        top = max(top, bands[0][1])
    shaded = [
        {
            "type": "rect",
            "xref": "x domain",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": low,
            "y1": min(high, top),
            "fillcolor": colour,
            "opacity": 0.08,
            "line": {"width": 0},
            "layer": "below",
        }
        for low, high, colour in bands
        if low < top
    ]
    axes = _axes(
        theme,
        x={"tickformat": ticks, "type": "date"}
        | ({"range": _time_range(span, timezone, grain)} if span else {})
        | _date_ticks(grain, span),
        y=({"title": {"text": y_title}} if y_title else {})
        | ({"autorangeoptions": {"include": [bands[0][0], bands[0][1]]}} if bands else {}),
    )
    if right:
        axes["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "tickmode": "auto",  # round values (an overlaying axis syncs to the left one's grid: 3.68, 7.35, …)
            "rangemode": "tozero",
            "automargin": True,
            "color": palette(theme).muted,
            "title": {"text": " · ".join(dict.fromkeys(right.values()))},
        }
    return figure(
        traces,
        theme,
        font_size,
        shapes=shaded,
        annotations=overlay_note(overlay, series, lang, theme),
        showlegend=len(series) > 1 or overlay is not None,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
        | ({"title": {"text": html.escape(legend_title), "side": "top"}} if legend_title else {}),
        margin={"l": 8, "r": 8, "t": 30 if len(series) > 1 or overlay is not None else 8, "b": 8},
        bargap=0.15,
        hovermode="x unified",
        **axes,
    )


#: Each grain's bucket (where a point or bar of it is drawn: at its local start) and half its width.
BUCKETS = {
    "hour": ("h", pd.Timedelta(minutes=30)),
    "day": ("D", pd.Timedelta(hours=12)),
    "month": ("M", pd.Timedelta(days=15)),
}


def _time_range(span: tuple[datetime, datetime], timezone: str, grain: str) -> list[pd.Timestamp]:
    """The time axis over ``span`` in local time, opened to the start of the bucket the span begins in (a day
    period from 15:40 counts that day from its midnight, where its bar stands) and half a bucket before it,
    so the first bucket's bar is not cut off."""
    start, end = _local(pd.Series(span), timezone)
    unit, half = BUCKETS[grain]
    first = start.to_period(unit).start_time if grain == "month" else start.floor(unit)
    return [first - half, end]


def _has_values(frame: pd.DataFrame, series: dict[str, str]) -> bool:
    """Whether any column of ``series`` in ``frame`` holds a value."""
    return any(frame[column].notna().any() for column in series if column in frame)


#: Tick and hover formats of a time axis by grain: without and with the year.
TIME_FORMATS = {
    "hour": (("%H:%M\n%m-%d", "%m-%d %H:00"), ("%H:%M\n%Y-%m-%d", "%Y-%m-%d %H:00")),
    "day": (("%m-%d", "%m-%d"), ("%Y-%m-%d", "%Y-%m-%d")),
    "month": (("%Y-%m", "%Y-%m"), ("%Y-%m", "%Y-%m")),
}


def _time_formats(grain: str, with_year: bool) -> tuple[str, str]:
    return TIME_FORMATS[grain][1 if with_year else 0]


#: At most this many ticks on a day or month axis (one per day or month, or a whole multiple of them).
MAX_TICKS = 10
DAY_MS = 86_400_000


def _date_ticks(grain: str, span: tuple[datetime, datetime] | None) -> dict:
    """Ticks on whole days or months for a day or month axis (never two ticks of one day)."""
    if grain == "hour" or not span:
        return {}
    days = max(1.0, (span[1] - span[0]).total_seconds() / 86400)
    if grain == "day":
        return {"dtick": -(-int(days) // MAX_TICKS) * DAY_MS if days > MAX_TICKS else DAY_MS}
    months = days / 30.4
    return {"dtick": f"M{-(-int(months) // MAX_TICKS) if months > MAX_TICKS else 1}"}


def hour_formats(frame: pd.DataFrame, timezone: str) -> tuple[str, str]:
    """Tick and hover formats of an hourly axis over ``frame["hour"]``: with the year outside the current one."""
    return _time_formats("hour", _other_year(frame, None, timezone))


def _other_year(frame: pd.DataFrame, span: tuple[datetime, datetime] | None, timezone: str) -> bool:
    """Whether the times drawn reach outside the current year (then dates say the year)."""
    times = list(pd.to_datetime(frame["hour"], utc=True)) if not frame.empty else []
    times += [pd.Timestamp(moment) for moment in span or ()]
    this_year = clock.now().astimezone(ZoneInfo(timezone)).year
    return any(moment.tz_convert(timezone).year != this_year for moment in times)


def empty(message: str, theme: str, font_size: int = 13) -> go.Figure:
    """A figure that says there is nothing to draw (never a blank panel)."""
    return figure(
        [],
        theme,
        font_size,
        annotations=[
            {
                "text": html.escape(message),
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"color": palette(theme).muted, "size": font_size + 2},
            }
        ],
        xaxis={"visible": False},
        yaxis={"visible": False},
    )


def failed(lines: list[str], theme: str, font_size: int = 13) -> go.Figure:
    """A panel that could not be drawn: ``lines`` (what and why), each escaped, centred one under another."""
    colours = palette(theme)
    return figure(
        [],
        theme,
        font_size,
        annotations=[
            {
                "text": "<br>".join(html.escape(line) for line in lines),
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"color": colours.text, "size": font_size + 1},
                "bordercolor": "#D55E00",
                "borderwidth": 1,
                "borderpad": 8,
            }
        ],
        xaxis={"visible": False},
        yaxis={"visible": False},
    )


def count_bars(
    frame: pd.DataFrame, label: str, theme: str, timezone: str, grain: str, font_size: int = 11
) -> go.Figure:
    """A small bar chart of counts per hour, local day or month (``grain``; ``hour`` in UTC, ``count``)."""
    colours = palette(theme)
    x = _local(frame["hour"], timezone) if not frame.empty else []
    ticks, when = _time_formats(grain, _other_year(frame, None, timezone))
    # a day's or month's bar spans its period, ticks one a bucket (at most six): no tick repeats a date
    every = max(1, -(-len(frame) // 6))
    period = {"day": 86_400_000, "month": "M1"}.get(grain)
    dtick = {"day": 86_400_000 * every, "month": f"M{every}"}.get(grain)
    spans = {"xperiod": period, "xperiodalignment": "middle"} if period else {}
    return figure(
        [
            go.Bar(
                x=x,
                y=frame["count"] if not frame.empty else [],
                marker_color=colours.accent,
                hovertemplate=f"%{{x|{when}}} %{{y}}<extra>{html.escape(label)}</extra>",
                **spans,
            )
        ],
        theme,
        font_size,
        showlegend=False,
        bargap=0.1,
        margin={"l": 4, "r": 4, "t": 4, "b": 4},
        **_axes(theme, x={"tickformat": ticks} | ({"dtick": dtick} if dtick else {"nticks": 6}), y={"nticks": 4}),
    )
