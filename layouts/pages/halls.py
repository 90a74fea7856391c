"""Service halls (``/halls``): waits, long waits, handling, online and one-visit rates, good ratings; per
hall, per service item, over time and on the map."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from layouts.components.domain import (
    DomainSpec,
    Drawn,
    Slot,
    Tile,
    View,
    compared,
    domain_layout,
    register_domain,
    tile_directions,
    with_changes,
)
from layouts.components.frame import page_request
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.explorer_map import explorer_map
from layouts.format import number
from layouts.i18n import t
from layouts.viewmodels.halls import halls_view

dash.register_page(__name__, path="/halls", name="halls", title="CityOps · Service halls")

SPEC = DomainSpec(
    "halls",
    rows=((Slot("trend", 7), Slot("map", 5)), (Slot("ranking", 6), Slot("items", 6))),
    domains=("halls",),
    highlight={
        "hall_wait": "wait",
        "hall_wait_minutes": "wait",
        "hall_wait_p90_minutes": "wait",
        "hall_long_wait_share": "over_30",
        "hall_handling_minutes": "handling",
        "hall_online_rate": "online",
        "hall_one_visit_rate": "single_visit",
        "hall_good_rating_rate": "good",
    },
)
DIRECTIONS = tile_directions(SPEC)
#: Tiles: key and column (``*_pct`` columns are shown with a percent sign, minutes are named in the title).
TILES = (
    ("wait", "wait_min"),
    ("over_30", "over_30_pct"),
    ("handling", "handling_min"),
    ("online", "online_pct"),
    ("single_visit", "single_visit_pct"),
    ("good", "good_pct"),
)


def layout(
    lang: str | None = None,
    theme: str | None = None,
    period: str | None = None,
    district: str | None = None,
    kpi: str | None = None,
    **_query,
) -> html.Div:
    context = page_request(lang, theme, query={"period": period, **_query})
    return domain_layout(SPEC, context, t("halls.title", context.language), district, kpi)


def _values(data) -> dict[str, float | None]:
    """The tiles' values by key."""
    return {key: data.totals[column] for key, column in TILES}


def _tiles(totals: dict, lang: str) -> list[Tile]:
    counts = {"called": number(totals["called"], lang), "issued": number(totals["issued"], lang)}
    return [
        Tile(
            key,
            t(f"halls.tile.{key}", lang),
            number(totals[column], lang, 1) + ("%" if column.endswith("_pct") and totals[column] is not None else ""),
            t(f"halls.tile.{key}.detail", lang, **counts),
        )
        for key, column in TILES
    ]


def _items(items: pd.DataFrame, view: View):
    """Tickets issued per service item, named in the page's language; tickets that name no item are one bar,
    labelled so."""
    unnamed = t("halls.items.none", view.context.language)
    labels = [item if isinstance(item, str) and item.strip() else unnamed for item in items[view.name]]
    return ranked_bars(labels, list(items["issued"]), view.context.language, view.context.theme)


def draw(view: View) -> Drawn:
    lang, theme, tz = view.context.language, view.context.theme, view.context.timezone
    data, base = halls_view(view), compared(view, halls_view, "halls")
    ranked = data.ranked
    series = {"issued": t("halls.series.issued", lang), "wait_min": t("halls.series.wait", lang)}
    percent = tuple(key for key, column in TILES if column.endswith("_pct"))
    return Drawn(
        with_changes(_tiles(data.totals, lang), view, _values(data), base, _values, DIRECTIONS, percent),
        {
            "trend": lambda: time_lines(
                data.trend(),
                series,
                lang,
                theme,
                tz,
                bars=("issued",),
                span=(view.start, view.now),
                grain=view.span.grain,
                right={"wait_min": series["wait_min"]},
                overlay=base.overlay(lambda d: d.trend()) if base else None,
            ),
            "map": lambda: explorer_map(
                data.map_layers, lang, theme, tz, view.context.settings.map_style_url, fit_px=SPEC.fit_px("map")
            ),
            "ranking": lambda: ranked_bars(
                list(ranked[view.name]),
                list(ranked["wait_min"]),
                lang,
                theme,
                digits=1,
                unit=" " + t("unit.minutes", lang),
            ),
            "items": lambda: _items(data.items(), view),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
