"""The numbers the pages show, in both languages, equal the oracle's: the overview's headline cards and the
district page's tiles and category chart, read from their callbacks' answers through the Dash app's endpoint
(as a browser receives them) and parsed back from their texts at the precision they are shown with. On English
pages, no category with an English name is shown in Chinese."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from unittest import mock

import pandas as pd
import pytest

from dashboard.kpis.registry import load_registry
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.oracle import oracle, pages, readback, served
from tests.oracle.test_oracle import TZ, _headline_expected

LANGUAGES = ("zh", "en")
#: The modules that read the snapshot time of a page (frozen at the city's ``now``).
CLOCKS = ("layouts.components.timepicker.snapshot_time",)
DISTRICTS = ("339901", "339903", "339907")


@pytest.fixture
def client(city, tmp_path):
    engine, _, now = city
    app = create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    with ExitStack() as stack:
        for clock in CLOCKS:
            stack.enter_context(mock.patch(clock, return_value=now))
        yield app, stack.enter_context(app.server.test_client())


def _registry_expected(facts: oracle.Facts, now) -> dict[str, float | None]:
    """The oracle's value of each registry KPI the overview shows for today so far, in the unit shown (rates in
    per cent)."""
    start, end = oracle.local_period(now, TZ, "day")
    numbers = oracle.complaint_numbers(facts, start, end, now) | oracle.hall_numbers(facts, start, end, now)
    numbers |= oracle.open_tickets(facts, now) | oracle.traffic_numbers(facts, start, end, now)
    numbers |= oracle.environment_numbers(facts, start, end, now, TZ)
    registry = load_registry()
    return {
        kpi: None if numbers[name] is None else numbers[name] * (100 if registry[kpi].percent else 1)
        for kpi, name in served.REGISTRY.items()
    }


def _score_card_values(cards) -> dict[str, str]:
    """The number each registry card shows, by KPI id (the card links to its KPI: ``?kpi=<id>&``)."""
    links = [n for n in pages.nodes(cards) if "?kpi=" in str(n["props"].get("href", ""))]
    return {
        link["props"]["href"].split("?kpi=")[1].split("&")[0]: pages.text(pages.by_class(link, "sc-number"))
        for link in links
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_overview_cards_as_shown(city, client, lang):
    """The headline cards and the registry's cards for today so far."""
    _, facts, now = city
    app, http = client
    prefs = {"lang": lang, "theme": "light"}
    answer = pages.callback(http, app, "overview-kpis.children", {
        ("overview-interval", "n_intervals"): 1, ("overview-period", "value"): "day", ("overview-prefs", "data"): prefs,
    })
    assert answer["overview-banner"]["children"] is None
    cards = answer["overview-kpis"]["children"]
    wrong = []
    for kpi, expected in _headline_expected(facts, now).items():
        value = pages.text(pages.by_class(pages.by_id(cards, {"type": "kpi-card", "kpi": kpi}), "kpi-number"))
        if not pages.shows(value, None if expected is None else float(expected)):
            wrong.append(f"overview ({lang}) card {kpi}: shows {value!r}, oracle {expected!r}")
    shown = _score_card_values(answer["overview-cards"]["children"])
    for kpi, expected in _registry_expected(facts, now).items():
        if not pages.shows(shown[kpi], None if expected is None else float(expected)):
            wrong.append(f"overview ({lang}) registry card {kpi}: shows {shown[kpi]!r}, oracle {expected!r}")
    assert not wrong, "\n".join(wrong)


def _category_names(facts: oracle.Facts, lang: str) -> dict[str, str]:
    column = "name_en" if lang == "en" else "name_zh"
    return dict(zip(facts.categories["code"], facts.categories[column], strict=True))


def _district(http, app, code: str, lang: str) -> dict:
    return pages.callback(http, app, "district-tiles.children", {
        ("district-interval", "n_intervals"): 1, ("district-period", "value"): "7d",
        ("district-district", "data"): code, ("district-prefs", "data"): {"lang": lang, "theme": "light"},
    })


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_district_pages_as_shown(city, client, lang):
    """The district page's tiles over its rolling 7 days, which start inside an hour on the adversarial city
    (now − 7 days at 02:40, with tickets placed there), are the oracle's numbers."""
    _, facts, now = city
    app, http = client
    start = now - timedelta(days=7)
    wrong = []
    for code in DISTRICTS:
        answer = _district(http, app, code, lang)
        assert answer["district-banner"]["children"] is None
        tiles = answer["district-tiles"]["children"]
        numbers = oracle.complaint_numbers(facts, start, now, now, code)
        backlog = oracle.open_tickets(facts, now, code)["backlog"]

        expected = {
            "received": numbers["received"], "on_time": _percent(numbers["on_time_rate"]), "backlog": backlog,
            "satisfaction": _percent(numbers["satisfaction"]),
        }
        for key, want in expected.items():
            value = pages.text(pages.by_class(pages.by_id(tiles, f"tile-{key}"), "kpi-number"))
            if not pages.shows(value, want):
                wrong.append(f"/district/{code} ({lang}) tile {key}: shows {value!r}, oracle {want!r}")
        detail = pages.text(pages.by_class(pages.by_id(tiles, "tile-received"), "kpi-detail"))
        if not pages.shows(detail, numbers["per_10k"]):
            wrong.append(f"/district/{code} ({lang}) per 10k a day: shows {detail!r}, oracle {numbers['per_10k']!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_district_categories_as_shown(city, client, lang):
    """The category chart's bars are the oracle's counts under the category's name in the page's language."""
    _, facts, now = city
    app, http = client
    names = _category_names(facts, lang)
    c = facts.complaints
    lines = []
    for code in DISTRICTS:
        received = c[(c["district_code"] == code) & (c["requested_at"] >= pd.Timestamp(now - timedelta(days=7)))
                     & (c["requested_at"] < pd.Timestamp(now))]
        known = received["category"].isin(set(names))
        keys = received["category"].where(known, received["category_name"].fillna(received["category"]))
        expected = {names.get(k, k): float(n) for k, n in keys.fillna("").value_counts().items()}
        figure = _district(http, app, code, lang)["district-categories"]["figure"]
        shown = readback.bars(figure)
        top = sorted(expected.values(), reverse=True)[:12]
        lines += [f"/district/{code} ({lang}) {label}: shows {value}, oracle {expected.get(label)}"
                  for label, value in shown.items() if expected.get(label) != value]
        if len(shown) != len(top):
            lines.append(f"/district/{code} ({lang}): {len(shown)} bars, oracle {len(top)} categories")
        if lang == "en":
            english = set(names.values())
            lines += [f"/district/{code} (en): category shown in Chinese: {label}"
                      for label in shown if pages.CJK.search(label) and label not in english
                      and label in set(_category_names(facts, "zh").values())]
    assert not lines, "\n".join(lines)
