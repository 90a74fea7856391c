"""The domain pages' common shape: navbar, title, period (and district) controls, tiles, rows of panels and a
"data as of" line; one refresh callback draws them from a page's ``draw`` function."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.context import RequestContext
from dashboard.kpis.compare import Change, change, covered
from dashboard.kpis.definitions import DEFAULT_KPIS
from dashboard.kpis.periods import WINDOWS
from dashboard.kpis.timespan import Span, comparison
from dashboard.queries.base import DatabaseUnavailable
from layouts.components.change import change_span, compared_text
from layouts.components.frame import page_context, page_frame
from layouts.components.guard import guarded
from layouts.components.kpi_card import freshness_line
from layouts.components.navbar import navbar
from layouts.components.panel import panel, stat_tile, tile_row
from layouts.components.panel_error import panel_figure
from layouts.components.timepicker import context_span, settle, time_picker
from layouts.data import drawn_once
from layouts.i18n import t
from layouts.viewmodels.domain import data_spans, district_options, page_freshness


def period_of(value: str | None, default: str = "7d") -> str:
    """A supported period key from a request value."""
    return value if value in WINDOWS else default


#: The narrowest window a panel's map is fitted for (a small laptop's), and what a panel's graph is narrower than
#: its share of the window (the gutters and the card's padding, 53–54 px measured in Chromium from 992 to 1920 px).
FIT_WINDOW_PX, PANEL_INSET_PX = 1200, 53


class Slot(NamedTuple):
    """A panel: the graph ``{page}-{key}`` titled ``title`` (an i18n key; ``{page}.{key}`` when None), ``lg``
    of twelve columns wide."""

    key: str
    lg: int
    title: str | None = None
    height: str = "340px"


@dataclass(frozen=True)
class DomainSpec:
    """A domain page: its ``name`` (the prefix of its ids), rows of panels, the feed ``domains`` its "data as
    of" line follows, how it picks a district (``"value"``: a dropdown; ``"data"``: the page's own, fixed;
    None: no district) and the tile a KPI link (``?kpi=``) highlights. Its period is the URL's (the time
    picker's), by default the page's (``layouts.components.timepicker.default_period``)."""

    name: str
    rows: tuple[tuple[Slot, ...], ...]
    domains: tuple[str, ...]
    district: str | None = "value"
    highlight: Mapping[str, str] = field(default_factory=dict)

    def fit_px(self, key: str) -> tuple[int, int]:
        """The size (width, height) in pixels a map in panel ``key`` is fitted for: its graph in a
        :data:`FIT_WINDOW_PX` window, so that every wider window shows the whole area, with room around it."""
        slot = next(s for row in self.rows for s in row if s.key == key)
        return round(slot.lg / 12 * FIT_WINDOW_PX) - PANEL_INSET_PX, int(slot.height.removesuffix("px"))


@dataclass(frozen=True)
class View:
    """One drawing of a domain page: the request's ``context`` and what the page derives from it, its ``span``
    (the time the request selects on the page) and ``district`` filter.

    The period read is [``start``, ``now``): the span's bounds, ``now`` its end (clipped to the as-of moment);
    counts "at a moment" (open tickets, freshness) are taken at ``as_of``."""

    context: RequestContext
    span: Span
    district: str | None

    @property
    def start(self) -> datetime:
        return self.span.start

    @property
    def now(self) -> datetime:
        return self.span.end

    @property
    def as_of(self) -> datetime:
        return self.span.as_of

    @property
    def period(self) -> str:
        return self.span.period

    def compared(self) -> View | None:
        """The same view over the span its selection compares with (None: no comparison)."""
        base = comparison(self.span, self.context.timezone)
        return None if base is None else replace(self, span=base)

    def shift(self, base: View) -> pd.DateOffset | pd.Timedelta:
        """What moves the comparison span's local times onto this one's (a year, or the distance between the
        local starts: a calendar month before is drawn day by day onto this month)."""
        if self.span.compare == "year":
            return pd.DateOffset(years=1)
        zone = ZoneInfo(self.context.timezone)
        local = [s.astimezone(zone).replace(tzinfo=None) for s in (self.start, base.start)]
        return pd.Timedelta(local[0] - local[1])

    def known(self, base: View, domain: str) -> bool:
        """Whether ``domain``'s data reaches back to the comparison span ``base`` (else it has no data)."""
        hours = data_spans(self.context.engine)
        return covered(*hours.get(DATA_DOMAINS.get(domain, domain), (None, None)), base.start)

    @property
    def name(self) -> str:
        """The column of names in the page's language."""
        return "name_en" if self.context.language == "en" else "name_zh"


#: The KPI domain (rollups) of each feed domain a page follows.
DATA_DOMAINS = {"sensors": "environment"}
#: Each registry KPI's direction (higher or lower is better).
DIRECTIONS = {k.id: k.direction for k in DEFAULT_KPIS}


def tile_directions(spec: DomainSpec) -> dict[str, str | None]:
    """Each tile's direction: that of the first registry KPI whose link highlights it."""
    directions: dict[str, str | None] = {}
    for kpi, tile in spec.highlight.items():
        if kpi in DIRECTIONS:
            directions.setdefault(tile, DIRECTIONS[kpi])
    return directions


def with_changes(
    tiles: list[Tile],
    view: View,
    values: Mapping[str, float | None],
    base: Compared | None,
    of: Callable[[object], Mapping[str, float | None]],
    directions: Mapping[str, str | None],
    points: tuple[str, ...] = (),
    whole: tuple[str, ...] = (),
) -> list[Tile]:
    """``tiles`` with their change from the comparison span's values (``of`` its data, by tile key; ``base``
    None: no comparison asked) to ``values``; tiles in ``points`` are percentages (their change in points),
    those in ``whole`` counts (no decimals). Tiles without a value in ``values`` (read as of now whatever the
    period) get no change."""
    if base is None:
        return tiles
    before = base.values(of)
    template = compared_text(view.span.compare, view.period)

    def changed(tile: Tile) -> Tile:
        if tile.key not in values:
            return tile
        moved = change(values[tile.key], before.get(tile.key), directions.get(tile.key))
        digits, scale = 0 if tile.key in whole else 1, 1 if tile.key in points else None
        return tile._replace(change=change_span(template, moved, view.context.language, digits=digits, points=scale))

    return [changed(tile) for tile in tiles]


def with_latest(tiles: list[Tile], key: str, kpi_id: str, moved: Change | None, view: View, digits: int) -> list[Tile]:
    """``tiles`` with the change of the tile ``key``, the latest reading of the headline KPI ``kpi_id``, against
    its reading at the same moment of the day or year before (``moved``; None: no comparison asked), its line
    naming that reading as the KPI's card does."""
    if moved is None:
        return tiles
    span = change_span(f"kpi.{kpi_id}.vs.{view.span.compare}", moved, view.context.language, digits=digits)
    return [tile._replace(change=span) if tile.key == key else tile for tile in tiles]


@dataclass(frozen=True)
class Compared:
    """A page's data read over the span its selection compares with: ``data`` (None: the domain has no data
    that far back — "no data", not zeros), the comparison ``view`` and what moves its times onto the page's."""

    view: View
    data: object | None
    shift: object
    label: str

    def values(self, of: Callable[[object], Mapping[str, float | None]]) -> Mapping[str, float | None]:
        """The tiles' values over the comparison span (none without data)."""
        return {} if self.data is None else of(self.data)

    def overlay(self, frame: Callable[[object], pd.DataFrame]) -> tuple[pd.DataFrame, object, str]:
        """A chart's overlay of the comparison span's series (empty without data: the chart says so)."""
        return (pd.DataFrame(columns=["hour"]) if self.data is None else frame(self.data), self.shift, self.label)


def compared(view: View, read: Callable[[View], object], domain: str) -> Compared | None:
    """``read`` (a page's view model) over the comparison span of ``view``, or None without a comparison."""
    base = view.compared()
    if base is None:
        return None
    data = read(base) if view.known(base, domain) else None
    return Compared(base, data, view.shift(base), t(f"time.compare.{view.span.compare}", view.context.language))


class Tile(NamedTuple):
    """A stat tile (``tile-{key}``): its title, value and detail line, and its change against the comparison
    period when the selection asks for one."""

    key: str
    title: str
    value: str
    detail: str
    change: object = None


@dataclass(frozen=True)
class Drawn:
    """What a domain page's ``draw`` returns: its tiles and, for each slot key, a function drawing its figure
    (reading what only that panel shows): if it fails, that panel alone says so and the rest of the page draws."""

    tiles: list[Tile]
    figures: dict[str, object]


def _controls(spec: DomainSpec, context: RequestContext, district: str | None) -> dbc.Row:
    """The district dropdown (``"value"`` pages), its options drawn with it: a URL's district is among them
    from the first render, so the dropdown never clears it while the page's data loads."""
    if spec.district != "value":
        return dbc.Row([], className="page-controls")
    lang = context.language
    try:
        options = district_options(context.engine, lang)
    except DatabaseUnavailable:  # the refresh shows the banner; the URL's district is kept, named by its code
        options = [{"label": district, "value": district}] if district else []
    known = {o["value"] for o in options}
    picker = dbc.Col(
        [
            dbc.Label(t("map.district", lang), className="filter-label"),
            dcc.Dropdown(
                id=f"{spec.name}-district",
                value=district if district in known else None,
                options=options,
                placeholder=t("map.district.all", lang),
                clearable=True,
            ),
        ],
        md=4,
        lg=3,
    )
    return dbc.Row([picker], className="g-3 mb-3 page-controls")


def domain_layout(
    spec: DomainSpec,
    context: RequestContext,
    title: str,
    district: str | None,
    kpi: str | None,
    extra: tuple = (),
    path: str | None = None,
) -> html.Div:
    """The page for the request ``context``: the time picker (its time), controls, ``{name}-tiles``, the panels
    row by row, then ``extra``."""
    name, lang = spec.name, context.language
    settled = settle(name, context)
    rows = [
        dbc.Row(
            [
                dbc.Col(
                    panel(f"{name}-{s.key}", t(s.title or f"{name}.{s.key}", lang), lang, s.height, fresh=False),
                    lg=s.lg,
                )
                for s in row
            ],
            className="g-3 mb-3",
        )
        for row in spec.rows
    ]
    stores = [dcc.Store(id=f"{name}-kpi", data=spec.highlight.get(kpi, kpi))]
    if spec.district == "data":
        stores.append(dcc.Store(id=f"{name}-district", data=district))
    return page_frame(
        name,
        settled.context,
        [
            navbar(name, settled.context, path),
            dbc.Container(
                [
                    html.Div(id=f"{name}-banner"),
                    html.H1(title, className="page-title"),
                    time_picker(name, settled, lang),
                    _controls(spec, settled.context, district),
                    html.Div(id=f"{name}-fresh", className="page-fresh mb-2"),
                    html.Div(id=f"{name}-tiles"),
                    *stores,
                    *rows,
                    *extra,
                ],
                fluid=True,
            ),
        ],
    )


def register_domain(app: dash.Dash, spec: DomainSpec, draw: Callable[[View], Drawn]) -> None:
    """The page's refresh: on its timer and on each choice of district it draws tiles, panels and the "data as
    of" line for the URL's period (once a refresh interval for all who ask alike); a failure keeps them and shows
    the banner."""
    name = spec.name
    slots = [s.key for row in spec.rows for s in row]
    titles = {s.key: s.title or f"{name}.{s.key}" for row in spec.rows for s in row}
    choices = [Input(f"{name}-district", spec.district)] if spec.district else []

    @app.callback(
        Output(f"{name}-tiles", "children"),
        *(Output(f"{name}-{key}", "figure") for key in slots),
        Output(f"{name}-fresh", "children"),
        Output(f"{name}-banner", "children"),
        Input(f"{name}-interval", "n_intervals"),
        *choices,
        State(f"{name}-prefs", "data"),
        State(f"{name}-kpi", "data"),
    )
    def refresh(_n, *values):
        *district, stored, highlight = values
        context = page_context(stored)
        lang = context.language

        def render():
            view = View(context, context_span(context, name), (district[0] or None) if district else None)
            drawn = draw(view)
            fresh = page_freshness(context.engine, spec.domains, view.as_of, context.settings.stale_after_intervals)
            return (
                tile_row(
                    [
                        stat_tile(*tile[:4], highlighted=tile.key == highlight, change=tile.change)
                        for tile in drawn.tiles
                    ]
                ),
                *(panel_figure(drawn.figures[key], lang, context.theme, t(titles[key], lang)) for key in slots),
                freshness_line(fresh, lang, context.timezone),
            )

        return guarded(lambda: drawn_once(context, name, render, tuple(district), highlight), 2 + len(slots), lang)
