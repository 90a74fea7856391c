"""The report's static figures as inline SVG, drawn from the numbers (no browser, no plotting engine): the same
numbers always give the same bytes, and a printed page needs nothing from outside.

Why not plotly's static export: it needs kaleido and a browser of its own at generation time, and its SVG carries
random clip-path ids, so two generations of one report would differ; these figures are a few bars and outlines.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import h3
import shapely
from shapely.geometry.base import BaseGeometry

from dashboard.geo.geometry import polygonal

FONT = "font-family:ReportSans,sans-serif"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" style="{FONT}">' + "".join(body) + "</svg>"
    )


def empty(text: str, width: int = 520, height: int = 60) -> str:
    """A framed box stating that there is nothing to draw (never a blank figure)."""
    body = [
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="#bbb"/>',
        f'<text x="{width / 2}" y="{height / 2 + 5}" text-anchor="middle" font-size="13" fill="#666">'
        f"{escape(text)}</text>",
    ]
    return _svg(width, height, body, text)


def bars(
    values: Sequence[float | None],
    colors: Sequence[str],
    ticks: Sequence[str],
    *,
    title: str,
    limit: float | None = None,
    width: int = 520,
    height: int = 120,
) -> str:
    """Vertical bars (one per value, None: a gap) with a value axis from 0 and every n-th tick label below;
    ``limit``: a dashed reference line (e.g. AQI 100)."""
    left, bottom, top = 30, 18, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    shown = [v for v in values if v is not None]
    peak = max([*shown, limit or 0, 1e-9])
    scale = plot_h / (peak * 1.1)
    step = plot_w / max(len(values), 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" stroke="#888"/>']
    digits = 0 if peak >= 10 else 1  # a small scale (a TPI of 1.2) keeps its two levels apart
    for fraction in (0.5, 1.0):
        level = peak * fraction
        y = top + plot_h - level * scale
        body.append(f'<text x="{left - 3}" y="{y + 4:.1f}" text-anchor="end" font-size="9" fill="#555">'
                    f"{level:.{digits}f}</text>")
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 4}" y2="{y:.1f}" stroke="#eee"/>')
    for i, (value, color) in enumerate(zip(values, colors, strict=True)):
        if value is None:
            continue
        h = value * scale
        body.append(
            f'<rect x="{left + i * step + step * 0.1:.2f}" y="{top + plot_h - h:.2f}" width="{step * 0.8:.2f}" '
            f'height="{h:.2f}" fill="{color}" stroke="#00000033" stroke-width="0.3"/>'
        )
    labelled = [i for i, tick in enumerate(ticks) if tick]
    every = max(1, len(labelled) // 12)  # at most about 12 labels
    for i, tick in [(i, ticks[i]) for i in labelled[::every]]:
        if tick:
            body.append(f'<text x="{left + (i + 0.5) * step:.1f}" y="{height - 5}" text-anchor="middle" '
                        f'font-size="9" fill="#555">{escape(tick)}</text>')
    if limit is not None:
        y = top + plot_h - limit * scale
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 4}" y2="{y:.1f}" stroke="#c00" '
                    'stroke-dasharray="4 3"/>')
    return _svg(width, height, body, title)


def _path(geometry: BaseGeometry, project) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in (polygon.exterior, *polygon.interiors):
            points = " L".join(f"{x:.1f},{y:.1f}" for x, y in (project(*c) for c in ring.coords))
            parts.append(f"M{points} Z")
    return " ".join(parts)


def _view(hexes: Sequence[BaseGeometry], shapes: Sequence[BaseGeometry]) -> tuple[float, float, float, float]:
    """The map's extent: around the hot spots (with room about them) when there are some, else the city."""
    if not hexes:
        return shapely.GeometryCollection(list(shapes)).bounds
    minx, miny, maxx, maxy = shapely.GeometryCollection(list(hexes)).bounds
    span = max(maxx - minx, maxy - miny, MIN_SPAN_DEGREES) * 0.8
    return minx - span, miny - span, maxx + span, maxy + span


#: Where a hot spot's numbered badge may go, relative to its cell's centre (SVG units), in order of preference.
BADGE_OFFSETS = ((0, -12), (14, -4), (-14, -4), (0, 13))
#: The smallest extent of the hot-spot map around its cells (degrees, about 4 km): a street-level frame.
MIN_SPAN_DEGREES = 0.04


def hot_spot_map(areas: Sequence[BaseGeometry], cells: Sequence[str], *, title: str, width: int = 260,
                 height: int = 200) -> str:
    """The given H3 cells, numbered in order (1 = the largest rise), framed around them with the district
    outlines behind (clipped to the frame)."""
    shapes = [polygonal(g) for g in areas if g is not None]
    shapes = [s for s in shapes if s is not None and not s.is_empty]
    hexes = [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in cells]
    if not shapes and not hexes:
        return empty(title, width, height)
    minx, miny, maxx, maxy = _view(hexes, shapes)
    scale = min((width - 8) / max(maxx - minx, 1e-9), (height - 8) / max(maxy - miny, 1e-9))
    left = (width - (maxx - minx) * scale) / 2
    bottom = (height - (maxy - miny) * scale) / 2

    def project(x: float, y: float) -> tuple[float, float]:
        return left + (x - minx) * scale, height - bottom - (y - miny) * scale

    body = [f'<clipPath id="hot-spot-frame"><rect x="0" y="0" width="{width}" height="{height}"/></clipPath>',
            f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#fafafa" stroke="#bbb"/>',
            '<g clip-path="url(#hot-spot-frame)">']
    body += [f'<path d="{_path(s, project)}" fill="#f0f0f0" stroke="#888" stroke-width="0.8"/>' for s in shapes]
    for polygon in hexes:
        body.append(f'<path d="{_path(polygon, project)}" fill="#d7301f" fill-opacity="0.7" stroke="#7f0000"/>')
    placed: list[tuple[float, float]] = []
    for rank, polygon in enumerate(hexes, start=1):
        cx, cy = project(polygon.centroid.x, polygon.centroid.y)
        # a badge beside the cell (above, then right, left, below), further up while every side is taken
        spots = [(cx + dx, cy + dy) for dx, dy in BADGE_OFFSETS]
        x, y = next(((x, y) for x, y in spots if not any(abs(x - px) < 15 and abs(y - py) < 15 for px, py in placed)),
                    spots[0])
        while any(abs(x - px) < 15 and abs(y - py) < 15 for px, py in placed):
            y -= 15
        placed.append((x, y))
        # a badge, not a stroked halo: Chromium's PDF writer turns stroked text into a Type 3 font
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#fff" stroke="#7f0000" stroke-width="1"/>')
        body.append(f'<text x="{x:.1f}" y="{y + 4.5:.1f}" text-anchor="middle" font-size="12" font-weight="bold" '
                    f'fill="#000">{rank}</text>')
    body.append("</g>")
    return _svg(width, height, body, title)
