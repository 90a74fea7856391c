"""Department ranking (考核): bars of the weighted score, best on top."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from layouts.figures.base import figure
from layouts.figures.charts import empty
from layouts.format import columns as text_columns
from layouts.themes import palette

#: The widest department name a tick label shows whole, in columns (a CJK character takes two): a longer one is
#: cut with "…" and shown whole in the hover. Plotly's automargin cannot widen the labels' margin past the figure
#: and cuts a longer label off at the left: on a 1280-pixel laptop screen the panel is 274 pixels wide, and
#: "6. Human Resources and Social Security Bureau" lost its first 65. At 24 columns the bars keep about a quarter
#: of that width.
NAME_COLUMNS = 24


def tick_name(name: str, columns: int = NAME_COLUMNS) -> str:
    """``name`` if it fits in ``columns``; else its start cut at a word where it has words, with "…"."""
    if text_columns(name) <= columns:
        return name
    kept, used = [], 1  # the "…" takes one column
    for character in name:
        used += text_columns(character)
        if used > columns:
            break
        kept.append(character)
    cut = "".join(kept)
    if " " in cut and name[len(cut)] != " ":  # not in the middle of a word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,-–") + "…"


def ranking_bars(ranking: pd.DataFrame, lang: str, theme: str, hover: str, none: str, font_size: int = 12) -> go.Figure:
    """One bar per department (score 0–1 as %), at positions named by "rank. name" tick labels (two departments
    of one name stay two bars); ``hover`` formats the whole name (``customdata[3]``), on-time, satisfaction and
    return rate; without a department that has a score, the sentence ``none`` instead of an empty axis."""
    colours = palette(theme)
    rows = ranking.dropna(subset=["score"]).iloc[::-1]
    if rows.empty:
        return empty(none, theme, font_size)
    ranks, names = [int(r) for r in rows["rank"]], [str(n) for n in rows[f"name_{lang}"]]
    labels = [f"{r}. {html.escape(tick_name(n))}" for r, n in zip(ranks, names, strict=True)]
    whole = [f"{r}. {html.escape(n)}" for r, n in zip(ranks, names, strict=True)]
    rates = (rows[["on_time_rate", "satisfaction", "return_rate"]].astype(float) * 100).to_numpy().tolist()
    positions = list(range(len(rows)))
    return figure(
        [
            go.Bar(
                x=rows["score"].astype(float) * 100,
                y=positions,
                orientation="h",
                marker_color=colours.accent,
                text=[f"{s * 100:.1f}" for s in rows["score"]],
                textposition="inside",
                constraintext="none",  # a bar thinner than its label's line keeps the label readable (not shrunk)
                customdata=[[*r, w] for r, w in zip(rates, whole, strict=True)],
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
        yaxis={"color": colours.text, "automargin": True, "tickmode": "array", "tickvals": positions,
               "ticktext": labels},
    )
