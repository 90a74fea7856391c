"""Themes: light and dark colours shared by the CSS classes, plotly figures and the map's blank base."""

from __future__ import annotations

from dataclasses import dataclass

THEMES = ("dark", "light")

#: CJK-capable font stack: the Noto CJK fonts installed on kiosks first, common system fallbacks after.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", system-ui, sans-serif'
)


@dataclass(frozen=True)
class Palette:
    """Colours of one theme."""

    name: str
    paper: str
    text: str
    muted: str
    grid: str
    map_background: str
    outline: str
    accent: str


PALETTES = {
    "dark": Palette("dark", "rgba(0,0,0,0)", "#E6EDF3", "#9AA7B4", "#2B3440", "#0E1620", "#5B7083", "#4FC3F7"),
    "light": Palette("light", "rgba(0,0,0,0)", "#1F2933", "#5F6B7A", "#E3E8EE", "#F4F6F8", "#8A97A6", "#1769AA"),
}


def theme(value: str | None, default: str = "dark") -> str:
    """A supported theme from a request value (``?theme=``), else ``default``."""
    return value if value in THEMES else default


def palette(name: str) -> Palette:
    """The palette of a theme."""
    return PALETTES[theme(name)]
