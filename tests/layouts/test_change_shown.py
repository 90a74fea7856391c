"""A change as a reader sees it: one that shows as 0 at the card's digits is no change (no arrow up or down, no
colour, no percentage); any other keeps its sign, arrow, colour and relative change. Expected texts by hand."""

from __future__ import annotations

import pytest

from dashboard.kpis.compare import change
from layouts.components.change import change_span, change_text


@pytest.mark.parametrize(
    ("current", "base", "direction", "digits", "points", "text", "colour"),
    [
        # a traffic index at night: 0.02 → 0.19 is +0.17, shown +0.2, and 0.17 / 0.02 = +850 %
        (0.19, 0.02, "lower", 1, None, "+0.2 (+850.0%) ▲", "text-danger"),
        # 0.02 → 0.06 is +0.04, shown 0.0: no change, not "+0.0 (+200.0%) ▲" in red
        (0.06, 0.02, "lower", 1, None, "±0.0 ＝", "text-body-secondary"),
        # a share 90.00 % → 90.04 %: 0.04 percentage points, shown 0.0
        (0.9004, 0.9, "higher", 1, 100, "±0.0 个百分点 ＝", "text-body-secondary"),
        # a count: 10.4 → 10 shows as −0 at no decimals
        (10, 10.4, "higher", 0, None, "±0 ＝", "text-body-secondary"),
        # 9 → 10: +1, 1 / 9 = +11.1 %
        (10, 9, "higher", 0, None, "+1 (+11.1%) ▲", "text-success"),
        # an unchanged value keeps its 0 %
        (5, 5, "lower", 1, None, "±0.0 (+0.0%) ＝", "text-body-secondary"),
        # an undirected count is never coloured, rounded to 0 or not
        (0.3, 0.1, None, 0, None, "±0 ＝", ""),
        (3, 1, None, 0, None, "+2 (+200.0%) ▲", ""),
    ],
)
def test_a_change_reads_as_shown(current, base, direction, digits, points, text, colour):
    moved = change(current, base, direction)
    assert change_text(moved, "zh", digits, points) == text
    span = change_span("compare.year", moved, "zh", digits, points)
    assert span.className.split()[1:] == ([colour] if colour else [])
    assert text in span.children
