"""City score (after Boston's CityScore): each KPI's score is actual/target (target/actual when lower is
better) capped at 1.25, and the city score is the mean over the scored KPIs that have a value.

A score of 1 means on target; the decomposition table keeps every KPI's value, target, score and RAG status.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard.kpis.measure import Measure
from dashboard.kpis.registry import Registry

COLUMNS = ["id", "domain", "value", "numerator", "denominator", "target", "score", "rag", "scored"]


def kpi_table(registry: Registry, measures: Mapping[str, Measure]) -> pd.DataFrame:
    """One row per registry KPI (in registry order) with its value, target, score and RAG status."""
    rows = []
    for kpi in registry:
        m = measures.get(kpi.id, Measure(None))
        rows.append(
            {
                "id": kpi.id,
                "domain": kpi.domain,
                "value": m.value,
                "numerator": m.numerator,
                "denominator": m.denominator,
                "target": kpi.target,
                "score": kpi.score(m.value),
                "rag": kpi.rag(m.value),
                "scored": kpi.scored,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def city_score(table: pd.DataFrame) -> float | None:
    """Mean score of the scored KPIs that have one; None when none has."""
    scores = table.loc[table["scored"].astype(bool), "score"].dropna()
    return float(scores.mean()) if not scores.empty else None


def values_and_score(
    registry: Registry, measures: Mapping[str, Measure]
) -> tuple[dict[str, float | None], float | None]:
    """Each registry KPI's value and the city score, as :func:`kpi_table` and :func:`city_score` give them
    (without building a table: a trend computes this for every day)."""
    values = {kpi.id: measures.get(kpi.id, Measure(None)).value for kpi in registry}
    scores = [s for kpi in registry.scored if (s := kpi.score(values[kpi.id])) is not None]
    return values, (sum(scores) / len(scores) if scores else None)
