"""The common look of every figure: fonts, transparent backgrounds, theme colours."""

from __future__ import annotations

from functools import lru_cache

import plotly.graph_objects as go

from layouts.themes import FONT_FAMILY, palette

#: Colour-blind-safe qualitative colours (Okabe–Ito), the default colours of traces.
COLORWAY = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


@lru_cache(maxsize=4)
def template(theme: str) -> go.layout.Template:
    """A small template per theme (plotly's built-in ones are large: copying them costs ~0.2 s a figure)."""
    colours = palette(theme)
    axis = {"gridcolor": colours.grid, "linecolor": colours.grid, "zerolinecolor": colours.grid, "color": colours.muted}
    return go.layout.Template(
        layout={
            "colorway": list(COLORWAY),
            "paper_bgcolor": colours.paper,
            "plot_bgcolor": colours.paper,
            "font": {"family": FONT_FAMILY, "color": colours.text},
            "xaxis": axis,
            "yaxis": axis,
            "hoverlabel": {"font": {"family": FONT_FAMILY}},
            "legend": {"font": {"color": colours.text}},
        }
    )


def figure(data, theme: str, font_size: int = 13, **layout) -> go.Figure:
    """A figure in the theme, its layout given whole (``layout`` overrides the common keys): built in one go,
    as every later ``update_layout`` validates the layout again (the wall's figures took 30 ms each)."""
    colours = palette(theme)
    common = {
        "template": template(colours.name),
        "paper_bgcolor": colours.paper,
        "plot_bgcolor": colours.paper,
        "font": {"family": FONT_FAMILY, "color": colours.text, "size": font_size},
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }
    return go.Figure(data=data, layout=common | layout)


def level_line(axis: str, at: float, colour: str) -> dict:
    """A dashed line across the plot at ``at`` on the ``axis`` ("x" or "y") axis."""
    across = "y" if axis == "x" else "x"
    return {
        "type": "line",
        f"{axis}0": at,
        f"{axis}1": at,
        f"{axis}ref": axis,
        f"{across}0": 0,
        f"{across}1": 1,
        f"{across}ref": f"{across} domain",
        "line": {"color": colour, "dash": "dash", "width": 1},
    }
