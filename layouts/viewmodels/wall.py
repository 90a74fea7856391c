"""The wall's view model: what its panel builders are given, the KPI strip and each panel's freshness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.context import request_context
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.kpis.timespan import resolve
from dashboard.queries import feeds
from layouts.components.timepicker import selection_for
from layouts.components.wall_panels import PANELS, Context
from layouts.data import snapshot_time
from layouts.viewmodels.overview import KpiValue, overview_kpis


@dataclass(frozen=True)
class WallView:
    """The panel builders' context, the overview KPIs and the freshness of each panel's feeds."""

    context: Context
    kpis: list[KpiValue]
    freshness: dict[str, Freshness]


def wall_view(
    panels: list[str], lang: str, theme: str, font: int, scale: float, time: Mapping | None = None
) -> WallView:
    """The wall's data for ``panels`` now (or at the URL's ``as_of`` in ``time``: the city as it was then), its
    figures' base font ``font`` px for a screen ``scale`` × 1920 px."""
    request = request_context()
    engine, settings = request.engine, request.settings
    tz, factor = settings.city_timezone, settings.stale_after_intervals
    now = resolve(selection_for("wall", time or {})[0], snapshot_time(), tz).as_of
    status = feeds.feed_status(engine)
    return WallView(
        context=Context(engine, now, tz, lang, theme, font, settings.map_style_url, scale),
        kpis=overview_kpis(engine, now, tz, factor),
        freshness={p: domain_freshness(status, PANELS[p].domains, now, factor) for p in panels},
    )
