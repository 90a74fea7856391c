"""The wall's traffic, air and map panels as served (their figures' traces and hover texts) show the oracle's
numbers (tests/oracle/surfaces.py): the network TPI and the city AQI per hour over the last 24 hours, each road's
TPI and speed and each air station's AQI and level on the maps, and each district's complaints and rate on the
city map; and the map explorer's districts (rate, received, due, met), roads, stations and halls (wait, called)
for calendar and rolling periods; in both languages, on the adversarial city and the demo city."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.i18n import t
from tests.oracle import oracle, pages, readback, surfaces
from tests.oracle.harness import assert_no_differences
from tests.oracle.test_oracle import TZ

LANGUAGES = ("zh", "en")


@pytest.fixture
def wall(page_client):
    """The wall's refresh in each language: panel -> figure."""
    app, http = page_client
    out = {}
    for lang in LANGUAGES:
        served = readback.wall_refresh(app, http, lang)
        assert not served["wall-banner"]["children"]
        out[lang] = {p: v["figure"] for p, v in served["wall-graph"].items()}
    return out


def test_wall_trends(city, wall):
    """The traffic panel's TPI and the air panel's AQI per hour over the 24 hours up to now."""
    _, facts, now = city
    start = now - timedelta(hours=24)
    tpi = surfaces.tpi_hours(facts, start, now, now, TZ)
    aqi = surfaces.aqi_hours(facts, start, now, now, TZ)
    assert aqi
    assert tpi
    lines = []
    for lang, graphs in wall.items():
        shown = readback.series(readback.named_trace(graphs["traffic_trend"], t("traffic.series.tpi", lang)))
        lines += readback.series_differences(f"/wall ({lang}) traffic index per hour 24h", shown, tpi)
        shown = readback.series(readback.named_trace(graphs["environment_aqi"], "AQI"))
        lines += readback.series_differences(f"/wall ({lang}) city AQI per hour 24h", shown, aqi)
    assert_no_differences(lines)


def road_differences(where: str, figure: dict, expected: list, lang: str) -> list[str]:
    """Each road's TPI and speed in its hover text against the oracle's."""
    shown = readback.line_hovers(figure, t("map.layer.roads", lang), t("map.hover.road", lang))
    return readback.matched_differences(f"{where} road (TPI, speed)", shown, expected, ("tpi", "speed"))


def station_differences(where: str, figure: dict, expected: dict[str, float], lang: str) -> list[str]:
    """Each air station's AQI and its level's name (HJ 633 table 2) in its hover text against the oracle's."""
    read = readback.hovers(figure, t("map.layer.stations", lang), t("map.hover.station", lang))
    lines = readback.shown_differences(f"{where} station AQI", readback.hover_values(read, "aqi"), expected)
    for name, texts in read.items():
        level = t(f"aqi.{surfaces.aqi_level(expected[name])}", lang) if name in expected else None
        if level is not None and texts.get("level") != level:
            lines.append(f"{where} station level · {name}: shows {texts.get('level')!r}, oracle {level!r}")
    return lines


def test_wall_maps(city, wall):
    """Each road's TPI and speed on the traffic map and the city map, each air station's AQI and level on the
    air map and the city map, each district's complaints (24 h) and rate per 10k people a day on the city map."""
    engine, facts, now = city
    roads = surfaces.reference_names(engine, "road_segment")
    stations = surfaces.reference_names(engine, "station")
    air = set(facts.stations.loc[facts.stations["kind"] == "air", "code"])
    station_aqi = {k: v for k, v in oracle.latest_station_aqi(facts, now, TZ).items() if k in air}
    areas = surfaces.district_counts(facts, now - timedelta(hours=24), now, now)
    assert station_aqi and areas
    lines = []
    for lang, graphs in wall.items():
        expected = surfaces.latest_roads(facts, roads, lang)
        assert expected
        label = surfaces._label(stations, lang)
        for panel in ("traffic_map", "city_map"):
            lines += road_differences(f"/wall ({lang}) {panel}", graphs[panel], expected, lang)
        for panel in ("environment_map", "city_map"):
            lines += station_differences(f"/wall ({lang}) {panel}", graphs[panel],
                                         {label(code): value for code, value in station_aqi.items()}, lang)
        read = readback.hovers(graphs["city_map"], t("map.layer.choropleth", lang), t("map.hover.district", lang),
                               key="location")
        for key, field in (("received", "count"), ("per_10k", "rate")):
            lines += readback.shown_differences(f"/wall ({lang}) city map district {key}",
                                                readback.hover_values(read, field),
                                                {c: v[key] for c, v in areas.items()})
    assert_no_differences(lines)


# --- the map explorer --------------------------------------------------------------------------------------

#: Explorer periods: a local calendar period, or a window back from now.
EXPLORER = {"today": "day", "this_month": "month", "24h": timedelta(hours=24), "7d": timedelta(days=7)}


def _explorer(http, app, period: str, lang: str) -> dict:
    return pages.callback(http, app, "map-graph.figure", {
        ("map-interval", "n_intervals"): 1, ("map-period", "value"): period,
        ("map-layers", "value"): ["areas", "roads", "stations", "halls"], ("map-mode", "value"): "auto",
        ("map-kpi", "value"): "per_10k", ("map-prefs", "data"): {"lang": lang, "theme": "light"},
    })


@pytest.mark.parametrize("period", EXPLORER)
def test_map_explorer(city, page_client, period):
    """Each district's rate, received, due and met, each road's TPI, each station's AQI and each hall's wait
    and called tickets on the map explorer, in both languages."""
    engine, facts, now = city
    app, http = page_client
    kind = EXPLORER[period]
    start, end = (now - kind, now) if isinstance(kind, timedelta) else oracle.local_period(now, TZ, kind)
    areas = {code: oracle.complaint_numbers(facts, start, end, now, code) for code in facts.districts["code"]}
    roads = surfaces.reference_names(engine, "road_segment")
    stations = surfaces.reference_names(engine, "station")
    hall_names = surfaces.hall_names(engine)
    air = set(facts.stations.loc[facts.stations["kind"] == "air", "code"])
    station_aqi = {k: v for k, v in oracle.latest_station_aqi(facts, now, TZ).items() if k in air}
    lines = []
    for lang in LANGUAGES:
        where = f"/map {period} ({lang})"
        answer = _explorer(http, app, period, lang)
        assert not answer["map-banner"]["children"], where
        figure = answer["map-graph"]["figure"]
        read = readback.hovers(figure, "areas", t("map.hover.area", lang), key="location")
        for key, field in (("per_10k", "value"), ("received", "received"), ("due", "due"), ("due_met", "met")):
            lines += readback.shown_differences(f"{where} district {key}", readback.hover_values(read, field),
                                                {c: numbers[key] for c, numbers in areas.items()})
        lines += road_differences(where, figure, surfaces.latest_roads(facts, roads, lang), lang)
        label = surfaces._label(stations, lang)
        lines += station_differences(where, figure, {label(code): v for code, v in station_aqi.items()}, lang)
        read = readback.hovers(figure, t("map.layer.halls", lang), t("map.hover.hall", lang))
        lines += readback.shown_differences(f"{where} hall wait", readback.hover_values(read, "wait"),
                                            surfaces.hall_waits(facts, hall_names, start, end, now, lang))
        lines += readback.shown_differences(f"{where} hall called", readback.hover_values(read, "called"),
                                            surfaces.hall_called(facts, hall_names, start, end, now, lang))
    assert_no_differences(lines)
