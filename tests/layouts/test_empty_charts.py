"""A time chart with nothing to draw says so in words, like every other empty panel, instead of bare axes: the
environment page's AQI and pollutant charts on a city without readings, in both languages; a comparison's
series alone is still drawn. A map without an area or a place to draw says so instead of an empty base. A
period starting within an hour, day or month keeps that first bucket on its time axis."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import shapely

from dashboard.context import RequestContext
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.timespan import TimeSelection, resolve
from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.domain import View
from layouts.figures.charts import time_lines
from layouts.figures.city_map import MapLayers, city_map
from layouts.figures.explorer_map import ExplorerLayers, explorer_map

CATALOGUES = Path(__file__).resolve().parents[2] / "dashboard" / "i18n" / "catalogues"
#: What an empty panel says, read from the catalogues themselves.
CATALOGUE = {lang: json.loads((CATALOGUES / f"ui.{lang}.json").read_text("utf-8")) for lang in ("zh", "en")}
NO_DATA = {lang: CATALOGUE[lang]["fresh.none"] for lang in ("zh", "en")}
NOW = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
TZ = "Asia/Shanghai"
#: The columns of the air trend when the rollup holds no reading.
AIR_COLUMNS = ["hour", "aqi", "level", "color", "primary", "pm25", "pm10", "no2", "o3"]


def _says_no_data(figure, lang: str, text: str | None = None) -> bool:
    texts = [a.text for a in figure.layout.annotations]
    return (
        len(figure.data) == 0
        and texts == [text or NO_DATA[lang]]
        and figure.layout.xaxis.visible is False
        and figure.layout.yaxis.visible is False
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_trend_says_no_data(lang):
    span = (datetime(2026, 11, 20, 16, tzinfo=UTC), NOW)
    frame = pd.DataFrame(columns=AIR_COLUMNS)
    assert _says_no_data(time_lines(frame, {"aqi": "AQI"}, lang, "dark", TZ, span=span), lang)
    hours = pd.to_datetime(["2026-11-21T01:00Z", "2026-11-21T02:00Z"])
    gaps = pd.DataFrame({"hour": hours, "aqi": [None, None]})  # hours present, no value in any
    assert _says_no_data(time_lines(gaps, {"aqi": "AQI"}, lang, "light", TZ, span=span), lang)


def test_a_comparison_alone_is_still_drawn():
    hours = pd.to_datetime(["2025-11-21T01:00Z", "2025-11-21T02:00Z"])
    before = pd.DataFrame({"hour": hours, "aqi": [40.0, 55.0]})
    figure = time_lines(
        pd.DataFrame(columns=AIR_COLUMNS), {"aqi": "AQI"}, "en", "dark", TZ,
        overlay=(before, pd.DateOffset(years=1), "Year before"),
    )
    dashed = [trace for trace in figure.data if trace.line.dash == "dash"]
    assert [list(trace.y) for trace in dashed] == [[40.0, 55.0]]
    assert not figure.layout.annotations


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('empty') / 'city.db'}")
    upgrade(engine)  # the schema, no reading
    yield engine
    engine.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_environment_page_without_readings(engine, tmp_path, lang):
    settings = Settings(var_dir=tmp_path, auth_mode="open")
    create_app(engine, settings)  # the pages register with an app
    from layouts.pages import environment

    context = RequestContext(engine, settings, lang, "dark", "public", None)
    view = View(context, resolve(TimeSelection("24h"), NOW, TZ), None)
    figures = environment.draw(view).figures
    assert _says_no_data(figures["aqi"](), lang)
    assert _says_no_data(figures["pollutants"](), lang)
    assert _says_no_data(figures["map"](), lang, CATALOGUE[lang]["map.none"])  # no district, no station


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_map_without_areas_or_places_says_so(lang):
    nothing = pd.DataFrame(columns=["code", "name_zh", "name_en", "geometry"])
    unseen = CATALOGUE[lang]["map.none"]
    assert _says_no_data(city_map(MapLayers(districts=nothing), lang, "dark", TZ), lang, unseen)
    assert _says_no_data(explorer_map(ExplorerLayers(outlines=nothing), lang, "light", TZ), lang, unseen)
    area = shapely.box(120.5, 30.8, 120.6, 30.9)
    one = pd.DataFrame({"code": ["1"], "name_zh": ["甲区"], "name_en": ["A"], "geometry": [area]})
    assert city_map(MapLayers(districts=one), lang, "dark", TZ).data
    assert explorer_map(ExplorerLayers(outlines=one), lang, "dark", TZ).data


@pytest.mark.parametrize(
    ("grain", "bucket", "left"),
    [
        ("day", "2026-11-24T16:00Z", "2026-11-24 12:00"),  # the local day 11-25 from its midnight, half a day before
        ("hour", "2026-11-25T07:00Z", "2026-11-25 14:30"),  # the local hour 15:00, half an hour before
        ("month", "2026-10-31T16:00Z", "2026-10-17 00:00"),  # the local month of November, 15 days before
    ],
)
def test_the_first_bucket_of_a_period_starting_mid_bucket_is_on_the_axis(grain, bucket, left):
    """A rolling period from 15:40 local: its first bucket stands at the local start of the hour, day or month
    it counts, before the period's start; the axis opens there (and half a bucket more, for the bar's width)."""
    span = (datetime(2026, 11, 25, 7, 40, tzinfo=UTC), datetime(2026, 12, 2, 7, 40, tzinfo=UTC))
    frame = pd.DataFrame({"hour": pd.to_datetime([bucket]), "n": [3]})
    figure = time_lines(frame, {"n": "n"}, "en", "dark", TZ, bars=("n",), span=span, grain=grain)
    start, end = (pd.Timestamp(v) for v in figure.layout.xaxis.range)
    assert start == pd.Timestamp(left) and end == pd.Timestamp("2026-12-02 15:40")
    assert pd.Timestamp(figure.data[0].x[0]) > start


@pytest.mark.parametrize(
    ("rates", "scale", "grey"),
    [
        ((None, None), None, ["1", "2"]),
        ((0.0, 3.5), (0, 3.5, ["1", "2"]), []),
        ((1.2, 3.5), (1.2, 3.5, ["1", "2"]), []),
        ((0.0, 0.0), (0, 1, ["1", "2"]), []),
        ((2.0, 2.0), (0, 2.0, ["1", "2"]), []),
        ((None, 3.5), (0, 3.5, ["2"]), ["1"]),
    ],
)
def test_a_choropleth_scale_starts_at_0_or_above_and_unknown_areas_are_grey(rates, scale, grey):
    """Complaints per 10k residents: known, the scale runs from the smallest to the largest value, and from 0 when
    every area has the same (never −0.4 … 0.4); an area whose rate is unknown (no population, as everywhere in
    Jiaxing's samples) is neither the scale's low end nor 0: it is filled the theme's neutral grey, in a trace of
    its own with no colour bar, and keeps its hover."""
    boxes = [shapely.box(120.5, 30.8, 120.6, 30.9), shapely.box(120.6, 30.8, 120.7, 30.9)]
    areas = pd.DataFrame({"code": ["1", "2"], "name_zh": ["甲区", "乙区"], "name_en": ["A", "B"], "geometry": boxes,
                          "received": [0, 7], "due": [0, 0], "due_met": [0, 0], "per_10k": list(rates)})
    explorer = explorer_map(ExplorerLayers(outlines=areas, areas=areas), "en", "dark", TZ)
    rates_frame = areas[["code"]].assign(count=[0, 7], per_10k=list(rates))
    city = city_map(MapLayers(districts=areas[["code", "name_zh", "name_en", "geometry"]], rates=rates_frame), "en",
                    "dark", TZ)
    for figure in (explorer, city):
        fills = [trace for trace in figure.data if trace.type == "choroplethmap"]
        scaled = [trace for trace in fills if trace.showscale]
        greys = [trace for trace in fills if not trace.showscale]
        if scale is None:
            assert scaled == []
        else:
            (choropleth,) = scaled
            assert (choropleth.zmin, choropleth.zmax, list(choropleth.locations)) == scale
            assert choropleth.colorscale[0][1] != "#9AA7B4"
        if grey:
            (unknown,) = greys
            assert list(unknown.locations) == grey
            assert {colour for _, colour in unknown.colorscale} == {"#9AA7B4"}  # the dark theme's muted grey
            assert all("—" in text for text in unknown.hovertext), unknown.hovertext
        else:
            assert greys == []
        assert sum(len(trace.hovertext) for trace in fills) == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_map_about_roads_or_stations_says_when_it_has_none(lang):
    """The traffic page's map of a city without roads, the environment page's with no station reading in the
    hour, the halls page's without halls: the districts alone, and a note saying what is missing; a map of
    complaints, which draws roads and stations beside them when there are some, says nothing of them."""
    one = pd.DataFrame({"code": ["1"], "name_zh": ["甲区"], "name_en": ["A"],
                        "geometry": [shapely.box(120.5, 30.8, 120.6, 30.9)]})
    none = pd.DataFrame()
    notes = {}
    for subject in ("roads", "stations", None):
        layers = MapLayers(districts=one, roads=none, stations=none, subject=subject)
        figure = city_map(layers, lang, "dark", TZ)
        notes[subject] = [a.text for a in figure.layout.annotations]
    halls = explorer_map(ExplorerLayers(outlines=one, halls=none, subject="halls"), lang, "dark", TZ)
    notes["halls"] = [a.text for a in halls.layout.annotations]
    assert notes == {"roads": [CATALOGUE[lang]["map.absent.roads"]],
                     "stations": [CATALOGUE[lang]["map.absent.stations"]], None: [],
                     "halls": [CATALOGUE[lang]["map.absent.halls"]]}
