"""The overview is one screen: at 1920 × 1080 the whole page (time picker, KPI strip, score row, registry cards
and map) fits the viewport without scrolling in both languages, and no card title is cut off; on a laptop's
screen the department ranking's names are not cut off either."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from browsing import READY, assert_clean, open_page, settle

from layouts.figures.ranking import ranking_bars
from layouts.i18n import t

pytestmark = pytest.mark.e2e

#: Titles whose text is wider than their box (cut off with an ellipsis or hidden by overflow).
TRUNCATED = """Array.from(document.querySelectorAll('.kpi-card .kpi-title, .score-card .sc-name, .panel-title'))
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_fits_one_full_hd_screen(context, live_url, screenshots, lang):
    page, problems, callbacks = open_page(context, live_url, f"/?lang={lang}", "light")
    try:
        settle(page, READY["overview"])
        page.wait_for_timeout(500)
        height = page.evaluate("Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        page.screenshot(path=str(screenshots / f"overview-fit-{lang}.png"))
        assert height <= 1080, height
        assert page.evaluate(TRUNCATED) == []
        assert_clean(problems, callbacks, page)
    finally:
        page.close()


#: The y tick labels of the figure drawn in ``#ranking-probe``, with how far each starts left of the figure.
CUT_LABELS = """() => {
  const probe = document.getElementById('ranking-probe');
  const box = probe.querySelector('.main-svg').getBoundingClientRect(), plot = probe._fullLayout._size;
  return {labels: Array.from(probe.querySelectorAll('.ytick text'))
            .map(e => [e.textContent, box.left - e.getBoundingClientRect().left]),
          plot: plot.w, width: box.width};
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_department_ranking_keeps_every_name_inside_a_laptop_overview(context, live_url, lang):
    """The demo city's twelve departments (the longest English name 42 characters) ranked in a panel as wide as
    the overview's at 1280 × 800, drawn by the page's own plotly.js: every label starts inside the figure and
    the bars keep room."""
    departments = pd.read_csv(Path(__file__).parents[2] / "data" / "city" / "departments.csv")
    ranking = pd.DataFrame({"rank": range(1, 13), "score": [1 - i / 100 for i in range(12)],
                            "name_zh": departments["name_zh"], "name_en": departments["name_en"],
                            "on_time_rate": 0.9, "satisfaction": 0.9, "return_rate": 0.0})
    drawn = ranking_bars(ranking, lang, "light", t("ranking.hover", lang), t("ranking.none", lang))
    page, problems, callbacks = open_page(context, live_url, f"/?lang={lang}", "light", viewport=(1280, 800))
    try:
        settle(page, READY["overview"])
        page.wait_for_selector("#overview-ranking .main-svg", timeout=30_000)  # may follow the KPI cards
        panel = page.evaluate("document.querySelector('#overview-ranking .main-svg').getBoundingClientRect().toJSON()")
        page.evaluate(
            """([figure, width, height]) => {
                 const probe = document.createElement('div');
                 probe.id = 'ranking-probe';
                 probe.style.cssText = `width: ${width}px; height: ${height}px`;
                 document.body.prepend(probe);
                 return Plotly.newPlot(probe, figure.data, figure.layout);
               }""",
            [json.loads(drawn.to_json()), panel["width"], panel["height"]],
        )
        drawn_labels = page.evaluate(CUT_LABELS)
        assert len(drawn_labels["labels"]) == 12
        assert [name for name, cut in drawn_labels["labels"] if cut > 0.5] == []
        assert drawn_labels["plot"] >= drawn_labels["width"] / 5, drawn_labels
        assert_clean(problems, callbacks, page)
    finally:
        page.close()
