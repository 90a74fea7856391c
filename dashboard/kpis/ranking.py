"""Department ranking (考核): a weighted score of on-time closure, satisfaction and (inverted) return rate.

Each component is a rate in 0–1 (the return rate enters as 1 − rate); a department's score is the weighted
mean of the components it has data for, so a department without rated tickets is not punished for it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

COLUMNS = [
    "rank",
    "department_code",
    "on_time_rate",
    "satisfaction",
    "return_rate",
    "due",
    "rated",
    "received",
    "score",
]


def _rate(num: pd.Series, den: pd.Series) -> np.ndarray:
    den = den.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num.to_numpy(dtype=float) / np.where(den > 0, den, np.nan)


def rank_departments(sums: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Rank rows of ``department_code``, ``due``, ``due_met``, ``rated``, ``satisfied``, ``received``, ``returned``.

    Computed on arrays (a handful of departments: per-column pandas operations would cost more than the query).
    """
    if sums.empty:
        return pd.DataFrame(columns=COLUMNS)
    rates = {
        "on_time_rate": _rate(sums["due_met"], sums["due"]),
        "satisfaction": _rate(sums["satisfied"], sums["rated"]),
        "return_rate": _rate(sums["returned"], sums["received"]),
    }
    components = (rates["on_time_rate"], rates["satisfaction"], np.clip(1 - rates["return_rate"], 0, None))
    w = [float(weights.get(k, 0)) for k in ("on_time_rate", "satisfaction", "return_rate")]
    weighted = sum(np.nan_to_num(c, nan=0.0) * wk for c, wk in zip(components, w, strict=True))
    total = sum(~np.isnan(c) * wk for c, wk in zip(components, w, strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(total > 0, weighted / np.where(total > 0, total, np.nan), np.nan)
    # best score first, then the most tickets due; departments without a score last (a stable sort)
    order = np.lexsort((-sums["due"].to_numpy(dtype=float), np.where(np.isnan(score), np.inf, -score)))
    score = score[order]
    rank = [None if np.isnan(s) else int((score > s).sum()) + 1 for s in score]
    columns = {"rank": pd.array(rank, dtype="Int64"), "department_code": sums["department_code"].to_numpy()[order]}
    columns |= {name: rate[order] for name, rate in rates.items()}
    columns |= {name: sums[name].to_numpy()[order] for name in ("due", "rated", "received")}
    return pd.DataFrame(columns | {"score": score}, columns=COLUMNS)
