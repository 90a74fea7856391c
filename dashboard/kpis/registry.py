"""The KPI registry, shaped like FIWARE KeyPerformanceIndicator: one declaration per KPI.

Targets, RAG thresholds, city-score membership and the department-ranking weights are a city's own
configuration. Precedence, lowest first: the defaults in :mod:`dashboard.kpis.definitions`; a TOML file
(setting ``kpi_targets_file``); the targets and thresholds an admin sets on the admin page (``kpi_target``
rows, applied by :func:`with_admin_targets` whenever the registry is loaded for a request). The TOML file::

    [kpis.complaint_on_time_rate]
    target = 0.98
    thresholds = [0.98, 0.9]     # green from, red below (higher is better); green up to, red above otherwise
    scored = true

    [ranking.weights]
    on_time_rate = 0.5
    satisfaction = 0.3
    return_rate = 0.2
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from dashboard.kpis.definitions import DEFAULT_KPIS, HEADLINE_KPIS
from dashboard.kpis.kpi import Kpi

#: Default weights of the department ranking (考核): on-time closure, satisfaction, return rate.
RANKING_WEIGHTS = {"on_time_rate": 0.5, "satisfaction": 0.3, "return_rate": 0.2}


@dataclass(frozen=True)
class Registry:
    """The KPIs of a city in display order, the department-ranking weights and the headline KPIs (flagged
    ``headline``; each a period KPI over its own window). Iterating gives the period KPIs."""

    kpis: tuple[Kpi, ...]
    ranking_weights: Mapping[str, float] = field(default_factory=lambda: dict(RANKING_WEIGHTS))
    headline: tuple[Kpi, ...] = HEADLINE_KPIS

    def __iter__(self) -> Iterator[Kpi]:
        return iter(self.kpis)

    def __getitem__(self, kpi_id: str) -> Kpi:
        for kpi in (*self.kpis, *self.headline):
            if kpi.id == kpi_id:
                return kpi
        raise KeyError(kpi_id)

    @property
    def scored(self) -> tuple[Kpi, ...]:
        """The KPIs that make up the city score."""
        return tuple(k for k in self.kpis if k.scored)


class KpiConfigError(ValueError):
    """The KPI targets file names an unknown KPI or setting, or gives a value of the wrong shape."""


_OVERRIDABLE = {"target", "thresholds", "scored"}


def _override(kpi: Kpi, values: Mapping) -> Kpi:
    unknown = set(values) - _OVERRIDABLE
    if unknown:
        raise KpiConfigError(f"kpis.{kpi.id}: unknown setting(s) {sorted(unknown)}; allowed: {sorted(_OVERRIDABLE)}")
    changes: dict = {}
    if "target" in values:
        changes["target"] = float(values["target"])
    if "thresholds" in values:
        pair = tuple(float(v) for v in values["thresholds"])
        if len(pair) != 2:
            raise KpiConfigError(f"kpis.{kpi.id}.thresholds: expected [green, red]")
        changes["thresholds"] = pair
    if "scored" in values:
        changes["scored"] = bool(values["scored"])
    return replace(kpi, **changes)


@lru_cache(maxsize=4)
def load_registry(path: Path | None = None) -> Registry:
    """The default registry with the overrides of the TOML file at ``path`` (if any)."""
    if path is None:
        return Registry(DEFAULT_KPIS)
    config = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    overrides = config.get("kpis", {})
    known = {k.id for k in (*DEFAULT_KPIS, *HEADLINE_KPIS)}
    if unknown := set(overrides) - known:
        raise KpiConfigError(f"{path}: unknown KPI(s) {sorted(unknown)}")
    kpis, headline = (
        tuple(_override(k, overrides[k.id]) if k.id in overrides else k for k in group)
        for group in (DEFAULT_KPIS, HEADLINE_KPIS)
    )
    weights = dict(RANKING_WEIGHTS)
    given = config.get("ranking", {}).get("weights", {})
    if unknown := set(given) - set(RANKING_WEIGHTS):
        raise KpiConfigError(f"{path}: unknown ranking weight(s) {sorted(unknown)}")
    weights |= {k: float(v) for k, v in given.items()}
    return Registry(kpis, weights, headline)


@dataclass(frozen=True)
class AdminTarget:
    """A ``kpi_target`` row: the target, and the (green, red) thresholds when both are set."""

    target: float
    threshold_green: float | None = None
    threshold_red: float | None = None


def with_admin_targets(registry: Registry, targets: Mapping[str, AdminTarget]) -> Registry:
    """``registry`` with the admins' targets and thresholds over its own (rows of unknown KPIs are ignored)."""

    def apply(kpi: Kpi) -> Kpi:
        row = targets.get(kpi.id)
        if row is None:
            return kpi
        values: dict = {"target": row.target}
        if row.threshold_green is not None and row.threshold_red is not None:
            values["thresholds"] = (row.threshold_green, row.threshold_red)
        return _override(kpi, values)

    return Registry(
        tuple(apply(k) for k in registry), registry.ranking_weights, tuple(apply(k) for k in registry.headline)
    )
