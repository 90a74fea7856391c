"""The complaints page and the wall as served (their callbacks' outputs: tile texts, figure data, KPI strip) show
the oracle's numbers (tests/oracle/surfaces.py), for every period × district × language, on the adversarial city
and the demo city."""

from __future__ import annotations

import html
import json
from contextlib import ExitStack
from datetime import timedelta
from unittest import mock

import pandas as pd
import pytest

from dashboard.i18n import t
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.oracle import oracle, pages, surfaces
from tests.oracle.harness import assert_no_differences, differences
from tests.oracle.test_oracle import DISTRICTS, TZ, _headline_expected
from tests.reliability.dashpages import open_page, page_callbacks, page_layout, post_callback

LANGUAGES = ("zh", "en")
#: Page periods and the oracle's local period each is.
PERIODS = {"today": "day", "this_week": "week", "this_month": "month"}
#: What reads the moment a page is drawn for (frozen at the city's ``now``).
CLOCKS = ("layouts.components.timepicker.snapshot_time", "layouts.viewmodels.wall.snapshot_time")


@pytest.fixture
def client(city, tmp_path):
    engine, _, now = city
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    with ExitStack() as stack:
        for clock in CLOCKS:
            stack.enter_context(mock.patch(clock, return_value=now))
        yield app, stack.enter_context(app.server.test_client())


def numbers_in(value: str) -> list[tuple[float, float]]:
    """Every number a text shows, with half the unit of its last digit."""
    return [pages.shown(m.group(0)) for m in pages.NUMBER.finditer(value)]


def _near(shown: tuple[float, float], expected: float) -> bool:
    return abs(shown[0] - expected) <= shown[1]


def _series(trace: dict) -> dict:
    """A trace's points: local time (naive) -> value."""
    xs = [pd.Timestamp(x) for x in pages.values(trace.get("x"))]
    return dict(zip(xs, pages.values(trace.get("y")), strict=True))


def _bars(figure: dict, counts: bool = False) -> dict[str, float]:
    """A ranked bar chart's bars: label -> value (``counts``: without bars of 0, the oracle's categories with
    nothing received have none; a category with tickets due but none received is drawn at 0)."""
    if not figure["data"]:
        return {}
    bars = figure["data"][0]
    labels = [html.unescape(str(y)) for y in pages.values(bars["y"])]
    return {k: v for k, v in zip(labels, pages.values(bars["x"]), strict=True) if v or not counts}


def funnel_differences(where: str, figure: dict, expected: dict[str, float]) -> list[str]:
    """The funnel's five stages (in order) and the side steps' note against the oracle's."""
    stages = figure["data"][0]
    shown = dict(zip(surfaces.STAGES, pages.values(stages["x"]), strict=False))
    lines = [f"{where}: {len(pages.values(stages['y']))} stages shown"] if len(shown) != len(surfaces.STAGES) else []
    note = figure["layout"]["annotations"][0]["text"]
    side = [n[0] for n in numbers_in(note)]
    shown |= dict(zip(surfaces.SIDE_STEPS, side, strict=False))
    return lines + differences(where, shown, expected)


def bars_differences(where: str, shown: dict[str, float], expected: dict[str, float], limit: int) -> list[str]:
    """Each bar is the oracle's value under its label; as many bars as the oracle has (at most ``limit``), none
    of them unlabelled."""
    expected = {k: v for k, v in expected.items() if v is not None and not pd.isna(v)}
    lines = [f"{where} {label!r}: shows {value}, oracle {expected.get(label)}" for label, value in shown.items()
             if label not in expected or not _near((value, 1e-6), expected[label])]
    if len(shown) != min(limit, len(expected)):
        lines.append(f"{where}: {len(shown)} bars, oracle {min(limit, len(expected))}")
    lines += [f"{where}: a bar without a label" for label in shown if not label.strip()]
    return lines


def series_differences(where: str, shown: dict, expected: dict) -> list[str]:
    """Per interval, the value shown against the oracle's (no value: none there)."""
    keys = set(shown) | set(expected)
    return differences(where, {str(k): shown.get(k) for k in keys}, {str(k): expected.get(k) for k in keys})


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
        shown = pages.text(pages.by_class(tile, "kpi-number"))
        if not pages.shows(shown, value):
            lines.append(f"{where} tile {key}: shows {shown!r}, oracle {value!r}")
        detail = pages.text(pages.by_class(tile, "kpi-detail"))
        found = numbers_in(detail)[: len(details)] if key == "received" else numbers_in(detail)
        wanted = [d for d in details if d is not None]
        matched = len(found) == len(wanted) and all(
            any(_near(f, w) for f in found) for w in wanted) and all(any(_near(f, w) for w in wanted) for f in found)
        if not matched:
            lines.append(f"{where} tile {key} detail: shows {detail!r}, oracle {wanted!r}")
    return lines


def _rated(facts: oracle.Facts, start, end, now, district) -> dict[str, float]:
    """The satisfaction tile's counts: rated in the period (at the return visit, else at closure), satisfied."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    rated = c[c["satisfaction"].notna() & oracle._in(c["revisited_at"].fillna(c["closed_at"]), start, end, now)]
    return {"rated": float(len(rated)), "satisfied": float(rated["satisfaction"].isin(oracle.SATISFIED).sum())}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("period", PERIODS)
def test_complaints_page_as_shown(city, client, period, lang):
    """Tiles, funnel, trend, categories and departments of /complaints, for the city and each district."""
    engine, facts, now = city
    app, http = client
    start, end = oracle.local_period(now, TZ, PERIODS[period])
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
        lines += funnel_differences(f"{where} funnel", answer["complaints-funnel"]["figure"],
                                    surfaces.funnel(facts, history, start, end, now, district))
        trend = answer["complaints-trend"]["figure"]["data"]
        expected = surfaces.complaint_trend(facts, start, end, now, TZ, grain, district)
        for i, name in enumerate(("received", "closed")):
            shown = _series(trend[i]) if len(trend) > i else {}
            lines += series_differences(f"{where} trend {name}", {k: v for k, v in shown.items() if v},
                                        expected[name])
        categories = surfaces.categories(facts, start, end, now, lang, district, t("complaints.categories.none", lang))
        lines += bars_differences(f"{where} categories", _bars(answer["complaints-categories"]["figure"], counts=True),
                                  categories, 12)
        departments = surfaces.departments(facts, start, end, now, lang, district,
                                           t("complaints.departments.none", lang))
        lines += bars_differences(f"{where} departments on time", _bars(answer["complaints-departments"]["figure"]),
                                  departments, 12)
    assert_no_differences(lines)


# --- /wall -------------------------------------------------------------------------------------------------


def wall_refresh(app, http, lang: str) -> dict:
    """The wall's refresh callback (every scene, figures sent whole): ``{id: {property: value}}``, pattern ids
    as their ``panel``."""
    http.get(f"/wall?lang={lang}")  # the page shell: Dash's pages router and the CSRF cookie
    layout = page_layout(open_page(app, http, "/wall", f"?lang={lang}"))
    key, body = next((k, b) for k, b in page_callbacks(http, layout) if "wall-banner.children" in k)
    for item in body["state"]:
        if item["id"] in ("wall-drawn", "wall-deferred"):
            item["value"] = None
    answer = post_callback(http, body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    out: dict = {}
    for component, props in answer.get_json()["response"].items():
        if component.startswith("{"):
            ident = json.loads(component)
            out.setdefault(ident["type"], {})[ident["panel"]] = props
        else:
            out[component] = props
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wall_as_shown(city, client, lang):
    """The wall's KPI strip and the numbers of its complaints and service-hall panels."""
    engine, facts, now = city
    app, http = client
    shown = wall_refresh(app, http, lang)
    assert not shown["wall-banner"]["children"]
    graphs = {p: v["figure"] for p, v in shown["wall-graph"].items()}
    lines = []
    strip = shown["wall-kpis"]["children"]
    for kpi, expected in _headline_expected(facts, now).items():
        value = pages.text(pages.by_class(pages.by_id(strip, {"type": "kpi-card", "kpi": kpi}), "kpi-number"))
        if not pages.shows(value, None if expected is None else float(expected)):
            lines.append(f"/wall ({lang}) strip {kpi}: shows {value!r}, oracle {expected!r}")
    week, day = now - timedelta(days=7), now - timedelta(hours=24)
    lines += funnel_differences(f"/wall ({lang}) funnel 7d", graphs["complaints_funnel"],
                                surfaces.funnel(facts, surfaces.events(engine), week, now, now))
    categories = surfaces.categories(facts, day, now, now, lang, none=t("complaints.categories.none", lang))
    lines += bars_differences(f"/wall ({lang}) categories 24h", _bars(graphs["complaints_categories"], counts=True),
                              categories, 8)
    midnight = oracle.local_period(now, TZ, "day")[0]
    waits = surfaces.hall_waits(facts, surfaces.hall_names(engine), midnight, now, now, lang)
    lines += bars_differences(f"/wall ({lang}) hall waits today", _bars(graphs["halls_ranking"]), waits, 8)
    received = surfaces.per_interval(facts.complaints["requested_at"], now - timedelta(hours=48), now, now, TZ, "hour")
    trend = _series(graphs["city_trend"]["data"][0])
    lines += series_differences(f"/wall ({lang}) received per hour 48h", {k: v for k, v in trend.items() if v},
                                received)
    halls = surfaces.hall_hours(facts, day, now, now, TZ)
    for i, name in enumerate(("issued", "wait_min")):
        series = _series(graphs["halls_trend"]["data"][i])
        lines += series_differences(f"/wall ({lang}) halls {name} per hour", series, halls[name])
    assert_no_differences(lines)
