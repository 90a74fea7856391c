"""The feeds page's checks: the agreement rate per feed and the unresolved names, in both languages."""

from __future__ import annotations

import pandas as pd

from layouts.components.feed_checks import agreement_table, unresolved_table


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    children = children if isinstance(children, list | tuple) else [children]
    return [text for child in children for text in _texts(child)]


def test_agreement_rate_per_feed():
    frame = pd.DataFrame({"source": ["air-cnemc"], "compared": [43], "agreeing": [42], "rate": [42 / 43]})
    assert _texts(agreement_table(frame, "en"))[-4:] == ["air-cnemc", "43", "42", "97.7 %"]
    assert "一致率" in _texts(agreement_table(frame, "zh"))
    assert _texts(agreement_table(frame.iloc[:0], "en")) == ["No published figures to compare yet"]


def test_unresolved_names_listed_by_kind():
    frame = pd.DataFrame({"kind": ["department"], "name": ["某某办"], "rows": [3]})
    assert _texts(unresolved_table(frame, "zh"))[-3:] == ["承办单位", "某某办", "3"]
    assert _texts(unresolved_table(frame, "en"))[-3:] == ["Department", "某某办", "3"]
