"""The traffic page's speed and congested tiles as served: the network speed (total length over total travel time)
and the congested length share (graded by road class, GB/T 33171-2016) of the period's newest hour with a moving
observation, the overview's KPIs of that hour; and its speeds by road class, the network speed of each class's
segments over the period. On the adversarial and the demo city, over a calendar period and a rolling window."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest

from dashboard.i18n import t
from tests.oracle import oracle, pages, readback
from tests.oracle.test_complaints_wall import LANGUAGES, bounds

PERIODS = ("today", "7d")


def newest_hour_expected(facts: oracle.Facts, start, now) -> dict[str, float | None]:
    """The oracle's network speed and congested share (%) of the newest hour of [start, now) with a moving
    observation on a road of the city, counted from ``start`` when that hour began before it."""
    traffic = facts.traffic[
        oracle._in(facts.traffic["observed_at"], start, now, now)
        & (facts.traffic["speed_kmh"] > 0)
        & facts.traffic["segment_code"].isin(facts.segments["code"])
    ]
    if traffic.empty:
        return {"speed": None, "congested": None}
    hour = traffic["observed_at"].max().floor("h")
    numbers = oracle.traffic_numbers(facts, max(hour, pd.Timestamp(start)), hour + timedelta(hours=1), now)
    share = numbers["congested_share"]
    return {"speed": numbers["network_speed"], "congested": None if share is None else share * 100}


def class_speeds_expected(facts: oracle.Facts, start, now, lang: str) -> dict[str, float]:
    """The oracle's network speed of [start, now) over the segments of each road class, by the class's name."""
    speeds = {}
    for road_class, segments in facts.segments.groupby("road_class"):
        speed = oracle.traffic_numbers(replace(facts, segments=segments), start, now, now)["network_speed"]
        if speed is not None:
            speeds[t(f"road.{road_class}", lang)] = speed
    return speeds


def _traffic_page(page_client, period: str, lang: str) -> dict:
    app, http = page_client
    answer = pages.callback(http, app, "traffic-tiles.children", {
        ("traffic-interval", "n_intervals"): 1,
        ("traffic-prefs", "data"): {"lang": lang, "theme": "light", "time": {"period": period}},
    })
    assert answer["traffic-banner"]["children"] is None
    return answer


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("period", PERIODS)
def test_traffic_tiles_as_shown(city, page_client, period, lang):
    _, facts, now = city
    start, _ = bounds(period, now)
    answer = _traffic_page(page_client, period, lang)
    tiles = answer["traffic-tiles"]["children"]
    wrong = []
    for key, expected in newest_hour_expected(facts, start, now).items():
        value = pages.text(pages.by_class(pages.by_id(tiles, f"tile-{key}"), "kpi-number"))
        if not pages.shows(value, expected):
            wrong.append(f"/traffic {period} ({lang}) tile {key}: shows {value!r}, oracle {expected!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("period", PERIODS)
def test_speeds_by_road_class_as_shown(city, page_client, period, lang):
    _, facts, now = city
    start, _ = bounds(period, now)
    shown = readback.bars(_traffic_page(page_client, period, lang)["traffic-classes"]["figure"])
    expected = class_speeds_expected(facts, start, now, lang)
    assert expected, "the city has observed roads in the period"
    wrong = [f"/traffic {period} ({lang}) {name}: shows {shown.get(name)}, oracle {speed}"
             for name, speed in expected.items() if shown.get(name) != pytest.approx(speed)]
    assert not wrong and len(shown) == len(expected), "\n".join(wrong) or f"{shown} != {expected}"
