"""Every overview and wall card states the period its number covers, so that two numbers of one KPI (the
latest interval's and the day's so far) are never shown without saying which is which."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.kpis.freshness import Freshness
from dashboard.kpis.registry import load_registry
from layouts.components.kpi_card import kpi_card
from layouts.components.score_card import score_card
from layouts.viewmodels.overview import KpiValue

FRESH = Freshness(datetime(2026, 11, 21, 8, tzinfo=UTC), None)
EXPECTED = {
    "complaints_today": ("今日累计", "today so far"),
    "on_time_closure": ("近 30 天", "last 30 days"),
    "hall_wait": ("今日累计", "today so far"),
    "network_tpi": ("当前 15 分钟", "latest 15 minutes"),
    "city_aqi": ("最近 1 小时", "latest hour"),
}


def _title(component) -> str:
    title = component.children.children[0]
    return "".join(c if isinstance(c, str) else c.children for c in title.children)


@pytest.mark.parametrize("kpi", list(EXPECTED))
def test_headline_cards_state_their_period(kpi):
    card = KpiValue(
        kpi,
        1.0,
        FRESH,
        level="smooth" if kpi == "network_tpi" else "good",
        facts={
            "days": 30,
            "yesterday": 1,
            "on_time": 1,
            "due": 1,
            "called": 1,
            "tti": 1.0,
            "segments": 1,
            "length_km": 1.0,
            "primary": (),
            "stations": 1,
        },
    )
    for lang, expected in zip(("zh", "en"), EXPECTED[kpi], strict=True):
        assert _title(kpi_card(card, lang, "Asia/Shanghai")).endswith(f"· {expected}"), (kpi, lang)


def test_registry_cards_state_the_period_so_far():
    """In each card's tooltip (its title shows whole; the page's time picker states the period above)."""
    kpi = next(iter(load_registry()))
    for period, lang, expected in (("day", "zh", "今日累计"), ("week", "en", "this week so far")):
        card = score_card(kpi, {"value": 0.4}, None, [], FRESH, period, lang, "Asia/Shanghai")
        name = card.children.children[0]
        assert name.title.endswith(f" · {expected}")
