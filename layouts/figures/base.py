"""The common look of every figure: fonts, transparent backgrounds, theme colours."""

from __future__ import annotations

import plotly.graph_objects as go

from layouts.themes import FONT_FAMILY, palette


def styled(fig: go.Figure, theme: str, font_size: int = 13) -> go.Figure:
    """Apply the theme to ``fig`` (in place) and return it."""
    colours = palette(theme)
    fig.update_layout(
        template="plotly_dark" if colours.name == "dark" else "plotly_white",
        paper_bgcolor=colours.paper,
        plot_bgcolor=colours.paper,
        font={"family": FONT_FAMILY, "color": colours.text, "size": font_size},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return fig
