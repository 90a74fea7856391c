"""The complaints page and the wall as served (their callbacks' outputs: tile texts, figure data, KPI strip) show
the oracle's numbers (tests/oracle/surfaces.py), for every period × district × language, on the adversarial city
and the demo city."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.i18n import t
from tests.oracle import oracle, pages, readback, surfaces
from tests.oracle.harness import assert_no_differences
from tests.oracle.test_oracle import DISTRICTS, TZ, _headline_expected

LANGUAGES = ("zh", "en")
#: Page periods and the oracle's local period each is (a rolling window: its length back from now).
PERIODS = {"today": "day", "this_week": "week", "this_month": "month", "7d": timedelta(days=7)}


def bounds(period: str, now) -> tuple:
    """The [start, end) of a page period at ``now``: a local calendar period, or a window ending at ``now``."""
    kind = PERIODS[period]
    return (now - kind, now) if isinstance(kind, timedelta) else oracle.local_period(now, TZ, kind)


# --- /complaints -------------------------------------------------------------------------------------------


def _complaints(http, app, period: str, district: str | None, lang: str) -> dict:
    return pages.callback(http, app, "complaints-tiles.children", {
        ("complaints-interval", "n_intervals"): 1, ("complaints-district", "value"): district,
        ("complaints-prefs", "data"): {"lang": lang, "theme": "light", "time": {"period": period}},
    })


def tile_differences(where: str, tiles, numbers: dict, backlog: dict) -> list[str]:
    """The five complaint tiles' values and the numbers of their detail lines."""
    def pct(share):
        return None if share is None else share * 100

    rated = numbers["rated"]
    expected = {
        "received": (numbers["received"], [numbers["per_10k"]]),
        "on_time": (pct(numbers["on_time_rate"]), [numbers["due_met"], numbers["due"]]),
        "backlog": (backlog["backlog"], [backlog["overdue"]]),
        "satisfaction": (pct(numbers["satisfaction"]), [numbers["satisfied"], rated]),
        "handling": (numbers["handling_hours"], [numbers["closed"]]),
    }
    lines = []
    for key, (value, details) in expected.items():
        tile = pages.by_id(tiles, f"tile-{key}")
        number = pages.text(pages.by_class(tile, "kpi-number"))
        if not pages.shows(number, value):
            lines.append(f"{where} tile {key}: shows {number!r}, oracle {value!r}")
        detail = pages.text(pages.by_class(tile, "kpi-detail"))
        found = readback.numbers_in(detail)
        found = found[: len(details)] if key == "received" else found  # "per 10k people": the rate comes first
        wanted = [d for d in details if d is not None]
        if not readback.same_numbers(found, wanted):
            lines.append(f"{where} tile {key} detail: shows {detail!r}, oracle {wanted!r}")
    return lines


def _rated(facts: oracle.Facts, start, end, now, district) -> dict[str, float]:
    """The satisfaction tile's counts: rated in the period (at the return visit, else at closure), satisfied."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    rated = c[c["satisfaction"].notna() & oracle._in(c["revisited_at"].fillna(c["closed_at"]), start, end, now)]
    return {"rated": float(len(rated)), "satisfied": float(rated["satisfaction"].isin(oracle.SATISFIED).sum())}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("period", PERIODS)
def test_complaints_page_as_shown(city, page_client, period, lang):
    """Tiles, funnel, trend, categories and departments of /complaints, for the city and each district."""
    engine, facts, now = city
    app, http = page_client
    start, end = bounds(period, now)
    history = surfaces.events(engine)
    grain = "hour" if period == "today" else "day"
    lines = []
    for district in (None, *DISTRICTS):
        where = f"/complaints {period} {district or 'city'} ({lang})"
        answer = _complaints(http, app, period, district, lang)
        assert answer["complaints-banner"]["children"] is None, where
        numbers = oracle.complaint_numbers(facts, start, end, now, district) | _rated(facts, start, end, now, district)
        tiles = answer["complaints-tiles"]["children"]
        lines += tile_differences(where, tiles, numbers, oracle.open_tickets(facts, now, district))
        lines += readback.funnel_differences(f"{where} funnel", answer["complaints-funnel"]["figure"],
                                             surfaces.funnel(facts, history, start, end, now, district))
        trend = answer["complaints-trend"]["figure"]["data"]
        expected = surfaces.complaint_trend(facts, start, end, now, TZ, grain, district)
        for i, name in enumerate(("received", "closed")):
            series = readback.series(trend[i]) if len(trend) > i else {}
            lines += readback.series_differences(f"{where} trend {name}", {k: v for k, v in series.items() if v},
                                                 expected[name])
        none = t("complaints.categories.none", lang)
        lines += readback.bars_differences(
            f"{where} categories", readback.bars(answer["complaints-categories"]["figure"], counts=True),
            surfaces.categories(facts, start, end, now, lang, district, none), 12)
        none = t("complaints.departments.none", lang)
        lines += readback.bars_differences(
            f"{where} departments on time", readback.bars(answer["complaints-departments"]["figure"]),
            surfaces.departments(facts, start, end, now, lang, district, none), 12)
    assert_no_differences(lines)


# --- /wall -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wall_as_shown(city, page_client, lang):
    """The wall's KPI strip and the numbers of its complaints and service-hall panels."""
    engine, facts, now = city
    app, http = page_client
    served = readback.wall_refresh(app, http, lang)
    assert not served["wall-banner"]["children"]
    graphs = {p: v["figure"] for p, v in served["wall-graph"].items()}
    lines = []
    strip = served["wall-kpis"]["children"]
    for kpi, expected in _headline_expected(facts, now).items():
        value = pages.text(pages.by_class(pages.by_id(strip, {"type": "kpi-card", "kpi": kpi}), "kpi-number"))
        if not pages.shows(value, None if expected is None else float(expected)):
            lines.append(f"/wall ({lang}) strip {kpi}: shows {value!r}, oracle {expected!r}")
    week, day = now - timedelta(days=7), now - timedelta(hours=24)
    lines += readback.funnel_differences(f"/wall ({lang}) funnel 7d", graphs["complaints_funnel"],
                                         surfaces.funnel(facts, surfaces.events(engine), week, now, now))
    categories = surfaces.categories(facts, day, now, now, lang, none=t("complaints.categories.none", lang))
    lines += readback.bars_differences(f"/wall ({lang}) categories 24h",
                                       readback.bars(graphs["complaints_categories"], counts=True), categories, 8)
    midnight = oracle.local_period(now, TZ, "day")[0]
    waits = surfaces.hall_waits(facts, surfaces.hall_names(engine), midnight, now, now, lang)
    lines += readback.bars_differences(f"/wall ({lang}) hall waits today", readback.bars(graphs["halls_ranking"]),
                                       waits, 8)
    received = surfaces.per_interval(facts.complaints["requested_at"], now - timedelta(hours=48), now, now, TZ, "hour")
    trend = readback.series(graphs["city_trend"]["data"][0])
    lines += readback.series_differences(f"/wall ({lang}) received per hour 48h",
                                         {k: v for k, v in trend.items() if v}, received)
    halls = surfaces.hall_hours(facts, day, now, now, TZ)
    for i, name in enumerate(("issued", "wait_min")):
        series = readback.series(graphs["halls_trend"]["data"][i])
        lines += readback.series_differences(f"/wall ({lang}) halls {name} per hour", series, halls[name])
    assert_no_differences(lines)
