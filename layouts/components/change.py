"""A change against a comparison period (环比 / 同比) as shown on cards and tiles: the signed change with its
arrow, coloured by whether it is good or bad for the KPI; "no data" when either side has none."""

from __future__ import annotations

from dataclasses import replace

from dash import html

from dashboard.kpis.compare import Change
from layouts.format import number
from layouts.i18n import t

#: The catalogue text of each comparison's line, by the selection's period name: 环比 names the period before
#: ("较昨日同时段", "较上月同期", …), 同比 is the same for every period.
COMPARED = {"previous": "score.vs.{period}", "year": "compare.year"}
#: The arrow of each direction of change.
ARROWS = {"up": "▲", "down": "▼", "flat": "＝"}
#: The colour class of each verdict (an undirected KPI's change is not coloured).
VERDICT_CLASS = {"better": "text-success", "worse": "text-danger", "same": "text-body-secondary"}


def as_shown(moved: Change, lang: str, digits: int, points: float | None = None) -> Change:
    """``moved`` as a reader sees it at ``digits`` decimals: a change that shows as 0 is no change (``±0 ＝``,
    neither better nor worse, and no percentage: "+0.0 (+61%)" between two near-zero values tells nothing)."""
    if not moved.known or moved.absolute == 0:
        return moved
    if number(abs(moved.absolute * (points or 1)), lang, digits) != number(0, lang, digits):
        return moved
    return replace(moved, absolute=0.0, percent=None, arrow="flat", verdict=moved.verdict and "same")


def change_text(moved: Change, lang: str, digits: int = 1, points: float | None = None) -> str:
    """The change as text: ``+12 (+5.3%) ▲`` (the relative change when it is defined); a percentage's change
    in percentage points instead (``points``: the factor to percent, 100 for shares 0–1, 1 for values already
    in percent): ``+1.2 个百分点 ▲``; a change that rounds to 0 at ``digits`` as ``±0 ＝``; "no data" without
    data."""
    if not moved.known:
        return t("compare.no_data", lang)
    moved = as_shown(moved, lang, digits, points)
    delta = moved.absolute * (points or 1)
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    text = f"{sign}{number(abs(delta), lang, digits)}{t('score.pt', lang) if points else ''}"
    if not points and moved.percent is not None:
        text += f" ({'+' if moved.percent >= 0 else '−'}{number(abs(moved.percent), lang, 1)}%)"
    return f"{text} {ARROWS[moved.arrow]}"


def change_span(
    template: str, moved: Change, lang: str, digits: int = 1, points: float | None = None, **fields
) -> html.Span:
    """The catalogue text ``template`` (its ``{delta}``: the change) coloured by the change's verdict; the
    comparison period's value in its tooltip."""
    moved = as_shown(moved, lang, digits, points)
    base = None
    if moved.base is not None:
        shown = number(moved.base * (points or 1), lang, digits) + ("%" if points else "")
        base = t("compare.base", lang, value=shown)
    return html.Span(
        t(template, lang, delta=change_text(moved, lang, digits, points), **fields),
        className="change " + VERDICT_CLASS.get(moved.verdict, ""),
        title=base,
    )


def compared_text(compare: str, period: str) -> str:
    """The catalogue key of the comparison line for a selection's ``compare`` and ``period``."""
    return COMPARED[compare].format(period=period)
