"""Service halls (``/halls``): waits, long waits, handling, online and one-visit rates, good ratings; per
hall, per service item, over time and on the map."""

from __future__ import annotations

import dash
from dash import html

from dashboard.queries import domains, reference
from layouts.components.domain import DomainSpec, Drawn, Slot, Tile, View, domain_layout, register_domain
from layouts.components.frame import preferences
from layouts.figures.charts import ranked_bars, time_lines
from layouts.figures.explorer_map import ExplorerLayers, explorer_map
from layouts.format import number
from layouts.i18n import t

dash.register_page(__name__, path="/halls", name="halls", title="CityOps · Service halls")

SPEC = DomainSpec(
    "halls",
    rows=((Slot("trend", 7), Slot("map", 5)), (Slot("ranking", 6), Slot("items", 6))),
    domains=("halls",),
    default_period="24h",
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
    prefs = preferences(lang, theme)
    return domain_layout(SPEC, prefs, t("halls.title", prefs["lang"]), period, district, kpi)


#: The counts the tiles add up over halls.
SUMMED = ("wait_seconds", "over_30", "handling_seconds", "finished", "online", "issued", "called", "single_visit",
          "with_visits", "rated_good", "rated")


def _totals(stats) -> dict:
    """Totals over the halls shown (zero when no hall matches, e.g. a district without halls)."""
    sums = stats.sum(numeric_only=True).reindex(SUMMED, fill_value=0)

    def ratio(num, den, scale):
        return sums[num] / sums[den] * scale if sums[den] else None

    return {
        "wait_min": ratio("wait_seconds", "called", 1 / 60),
        "over_30_pct": ratio("over_30", "called", 100),
        "handling_min": ratio("handling_seconds", "finished", 1 / 60),
        "online_pct": ratio("online", "issued", 100),
        "single_visit_pct": ratio("single_visit", "with_visits", 100),
        "good_pct": ratio("rated_good", "rated", 100),
        "called": int(sums["called"]),
        "issued": int(sums["issued"]),
    }


def draw(view: View) -> Drawn:
    engine, lang, theme = view.engine, view.lang, view.theme
    stats = domains.hall_stats(engine, view.start, view.now, view.district)
    totals = _totals(stats)
    areas = reference.districts(engine)
    tiles = [
        Tile(
            key,
            t(f"halls.tile.{key}", lang),
            number(totals[column], lang, 1) + ("%" if column.endswith("_pct") and totals[column] is not None else ""),
            t(
                f"halls.tile.{key}.detail",
                lang,
                called=number(totals["called"], lang),
                issued=number(totals["issued"], lang),
            ),
        )
        for key, column in TILES
    ]
    ranked = stats.sort_values("wait_min", ascending=False)
    items = domains.hall_items(engine, view.start, view.now)
    return Drawn(
        tiles,
        {
            "trend": time_lines(
                domains.hall_trend(engine, view.start, view.now),
                {"issued": t("halls.series.issued", lang), "wait_min": t("halls.series.wait", lang)},
                lang,
                theme,
                view.tz,
                bars=("issued",),
                span=(view.start, view.now),
            ),
            "map": lambda: explorer_map(
                ExplorerLayers(
                    outlines=areas,
                    halls=stats,
                    focus=areas[areas["code"] == view.district] if view.district else None,
                ),
                lang,
                theme,
                view.tz,
                view.settings.map_style_url,
                fit_px=(560, 340),
            ),
            "ranking": ranked_bars(
                list(ranked[view.name]),
                list(ranked["wait_min"]),
                lang,
                theme,
                digits=1,
                unit=" " + t("unit.minutes", lang),
            ),
            "items": ranked_bars(list(items["service_item"]), list(items["issued"]), lang, theme),
        },
    )


def register_callbacks(app: dash.Dash) -> None:
    register_domain(app, SPEC, draw)
