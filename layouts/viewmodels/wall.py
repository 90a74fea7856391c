"""The wall's view model: what its panel builders are given, the KPI strip and each panel's freshness."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.context import request_context
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.queries import feeds
from dashboard.queries.kpis import kpi_registry
from layouts.components.wall_panels import PANELS, Context
from layouts.data import snapshot_time
from layouts.viewmodels.overview import KpiValue, overview_kpis


@dataclass(frozen=True)
class WallView:
    """The panel builders' context, the overview KPIs and the freshness of each panel's feeds."""

    context: Context
    kpis: list[KpiValue]
    freshness: dict[str, Freshness]


def wall_view(panels: list[str], lang: str, theme: str, font: int, scale: float) -> WallView:
    """The wall's data for ``panels`` now, its figures' base font ``font`` px for a screen ``scale`` × 1920 px."""
    request = request_context()
    engine, settings = request.engine, request.settings
    now, tz, factor = snapshot_time(), settings.city_timezone, settings.stale_after_intervals
    status = feeds.feed_status(engine)
    return WallView(
        context=Context(engine, now, tz, lang, theme, font, settings.map_style_url, scale),
        kpis=overview_kpis(engine, now, tz, factor, kpi_registry(engine, settings.kpi_targets_file)),
        freshness={p: domain_freshness(status, PANELS[p].domains, now, factor) for p in panels},
    )
