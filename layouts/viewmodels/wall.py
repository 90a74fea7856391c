"""The wall's view model: what its panel builders are given, the KPI strip and each panel's freshness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.context import request_context
from dashboard.kpis.compare import Change
from dashboard.kpis.freshness import Freshness, domain_freshness
from dashboard.kpis.timespan import resolve
from dashboard.queries import feeds
from dashboard.queries.kpis import kpi_registry
from layouts.components.timepicker import selection_for
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
    compare: str | None = None


def wall_view(
    panels: list[str], lang: str, theme: str, font: int, scale: float, time: Mapping | None = None
) -> WallView:
    """The wall's data for ``panels`` now (or at the URL's ``as_of`` in ``time``: the city as it was then), its
    figures' base font ``font`` px for a screen ``scale`` × 1920 px; the KPI strip's changes against the day
    before or a year before when ``time`` has ``compare``."""
    request = request_context()
    engine, settings = request.engine, request.settings
    tz, factor = settings.city_timezone, settings.stale_after_intervals
    selection = selection_for("wall", time or {})[0]
    now = resolve(selection, snapshot_time(), tz).as_of
    status = feeds.feed_status(engine)
    registry = kpi_registry(engine, settings.kpi_targets_file)
    kpis = overview_kpis(engine, now, tz, factor, registry)
    return WallView(
        context=Context(engine, now, tz, lang, theme, font, settings.map_style_url, scale),
        kpis=kpis,
        freshness={p: domain_freshness(status, PANELS[p].domains, now, factor) for p in panels},
        changes=headline_changes(engine, kpis, now, tz, factor, selection.compare, registry),
        compare=selection.compare,
    )
