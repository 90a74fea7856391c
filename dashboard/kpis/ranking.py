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


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype(float)
    return (num.astype(float) / den.where(den > 0)).astype(float)


def rank_departments(sums: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Rank rows of ``department_code``, ``due``, ``due_met``, ``rated``, ``satisfied``, ``received``, ``returned``."""
    if sums.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = sums.copy()
    frame["on_time_rate"] = _rate(frame["due_met"], frame["due"])
    frame["satisfaction"] = _rate(frame["satisfied"], frame["rated"])
    frame["return_rate"] = _rate(frame["returned"], frame["received"])
    components = pd.DataFrame(
        {
            "on_time_rate": frame["on_time_rate"],
            "satisfaction": frame["satisfaction"],
            "return_rate": (1 - frame["return_rate"]).clip(lower=0),
        }
    )
    w = pd.Series({k: float(weights.get(k, 0)) for k in components.columns})
    present = components.notna()
    weighted = (components.fillna(0) * w).sum(axis=1)
    total = (present * w).sum(axis=1)
    frame["score"] = np.where(total > 0, weighted / total.where(total > 0), np.nan)
    frame = frame.sort_values(["score", "due"], ascending=[False, False], na_position="last", ignore_index=True)
    frame["rank"] = frame["score"].rank(method="min", ascending=False).astype("Int64")
    return frame[COLUMNS]
