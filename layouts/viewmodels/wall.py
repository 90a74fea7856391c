"""The wall's view model: what its panel builders are given, the KPI strip and each panel's freshness."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.context import request_context
from dashboard.kpis.compare import Change
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.queries import feeds
from layouts.components.wall_panels import PANELS, Context
from layouts.data import snapshot_time
from layouts.viewmodels.overview import KpiValue, headline_changes, overview_kpis


@dataclass(frozen=True)
class WallView:
    """The panel builders' context, the overview KPIs and the freshness of each panel's feeds."""

    context: Context
    kpis: list[KpiValue]
    freshness: dict[str, Freshness]
    changes: dict[str, Change] = field(default_factory=dict)


def wall_view(
    panels: list[str], lang: str, theme: str, font: int, scale: float, compare: str | None = None
) -> WallView:
    """The wall's data for ``panels`` now, its figures' base font ``font`` px for a screen ``scale`` × 1920 px;
    the KPI strip's changes against the day before or a year before when ``compare`` asks for them."""
    request = request_context()
    engine, settings = request.engine, request.settings
    now, tz, factor = snapshot_time(), settings.city_timezone, settings.stale_after_intervals
    status = feeds.feed_status(engine)
    kpis = overview_kpis(engine, now, tz, factor)
    return WallView(
        context=Context(engine, now, tz, lang, theme, font, settings.map_style_url, scale),
        kpis=kpis,
        freshness={p: domain_freshness(status, PANELS[p].domains, now, factor) for p in panels},
        changes=headline_changes(engine, kpis, now, tz, factor, compare),
    )
