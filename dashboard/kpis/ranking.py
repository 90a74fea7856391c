"""Department ranking (考核): a weighted score of on-time closure, satisfaction and (inverted) return rate.

Each component is a rate in 0–1 (the return rate enters as 1 − rate); a department's score is the weighted
mean of the components it has data for, so a department without rated tickets is not punished for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

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
#: Each component's rate: (numerator, denominator) of the sums.
RATES = {
    "on_time_rate": ("due_met", "due"),
    "satisfaction": ("satisfied", "rated"),
    "return_rate": ("returned", "received"),
}
#: The sums a ranked row states beside its rates.
COUNTS = ("due", "rated", "received")

#: Columns by name (a DataFrame, or a mapping of name to values): the sums of one department per position.
Columns = Mapping[str, Sequence] | pd.DataFrame


def _rate(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def _score(rates: dict[str, float], weights: Mapping[str, float]) -> float:
    """The weighted mean of the components with data (NaN: none has a weight)."""
    components = {
        "on_time_rate": rates["on_time_rate"],
        "satisfaction": rates["satisfaction"],
        "return_rate": max(1 - rates["return_rate"], 0.0),  # NaN stays NaN
    }
    known = [(value, float(weights.get(name, 0))) for name, value in components.items() if not math.isnan(value)]
    total = sum(weight for _, weight in known)
    return sum(value * weight for value, weight in known) / total if total > 0 else math.nan


def rank_departments(sums: Columns, weights: Mapping[str, float], keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rank the departments of columns ``department_code``, ``due``, ``due_met``, ``rated``, ``satisfied``,
    ``received``, ``returned`` (and the columns named in ``keep``, carried along after :data:`COLUMNS`).

    Computed row by row in Python (a handful of departments: a table per step would cost more than the query)."""
    codes = list(sums["department_code"])
    if not codes:
        return pd.DataFrame(columns=[*COLUMNS, *keep])
    values = {name: [float(v) for v in sums[name]] for pair in RATES.values() for name in pair}
    rates = [{name: _rate(values[num][i], values[den][i]) for name, (num, den) in RATES.items()}
             for i in range(len(codes))]
    scores = [_score(r, weights) for r in rates]
    # best score first, then the most tickets due; departments without a score last (a stable sort)
    order = sorted(range(len(codes)), key=lambda i: (math.inf if math.isnan(scores[i]) else -scores[i],
                                                     -values["due"][i]))
    rank = [None if math.isnan(scores[i]) else 1 + sum(s > scores[i] for s in scores) for i in order]
    columns = {"rank": pd.array(rank, dtype="Int64"), "department_code": np.array([codes[i] for i in order], object)}
    columns |= {name: np.array([rates[i][name] for i in order]) for name in RATES}
    carried = {name: list(sums[name]) for name in (*COUNTS, *keep)}
    columns |= {name: np.array([carried[name][i] for i in order]) for name in COUNTS}
    columns |= {"score": np.array([scores[i] for i in order])}
    columns |= {name: np.array([carried[name][i] for i in order], object) for name in keep}
    return pd.DataFrame(columns)
