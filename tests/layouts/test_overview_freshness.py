"""The overview states each registry KPI's data time from the feeds of that KPI's own domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.kpis.freshness import Freshness
from dashboard.kpis.registry import load_registry
from layouts.viewmodels import overview

NOW = datetime(2026, 11, 21, 8, tzinfo=UTC)


def test_each_kpi_is_given_the_freshness_of_its_own_feeds_judged_once_per_set_of_feeds(monkeypatch):
    """A stand-in judge dates each set of feeds by its sorted names, so that any KPI given another set's freshness
    shows; the KPIs of a domain share their feeds, so there are as many judgements as sets."""
    registry = load_registry()
    sets = sorted({kpi.feeds for kpi in registry})
    dated = {names: NOW - timedelta(hours=i) for i, names in enumerate(sets)}
    asked = []

    def judge(_engine, _status, domains, _moment, _factor):
        asked.append(tuple(domains))
        return Freshness(dated[tuple(domains)], None)

    monkeypatch.setattr(overview, "freshness_of", judge)
    freshness = overview._registry_freshness(None, None, registry, NOW, 2.0)
    assert len(sets) > 1 and len(freshness) == len(list(registry))
    assert [f.as_of for f in freshness] == [dated[kpi.feeds] for kpi in registry]
    assert sorted(asked) == sets
