"""Pure figures: the map's offline base, its layers and inert hover text; the trend in local time."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import shapely

from layouts.figures.city_map import MapLayers, city_map
from layouts.figures.map_base import blank_style_url
from layouts.figures.trend import hourly_trend
from layouts.themes import palette

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
DISTRICTS = pd.DataFrame(
    {
        "code": ["1", "2"],
        "name_zh": ["甲区", "乙区"],
        "name_en": ["A", "B"],
        "geometry": [shapely.box(120.5, 30.8, 120.6, 30.9), shapely.box(120.6, 30.8, 120.7, 30.9)],
    }
)


def test_blank_base_has_no_sources():
    for theme in ("dark", "light"):  # served from our assets, by URL: nothing else is fetched
        style = json.loads((LAYOUTS / "assets" / blank_style_url(theme).rsplit("/", 1)[1]).read_text("utf-8"))
        assert style["sources"] == {}
        assert style["layers"] == [
            {"id": "background", "type": "background", "paint": {"background-color": palette(theme).map_background}}
        ]


def test_map_layers_and_escaped_hover():
    layers = MapLayers(
        districts=DISTRICTS,
        rates=pd.DataFrame({"code": ["1", "2"], "count": [3, 0], "per_10k": [1.5, 0.0]}),
        points=pd.DataFrame(
            {
                "category": ["x"],
                "category_name": ["<script>alert(1)</script>"],
                "status": ["closed"],
                "requested_at": [datetime(2026, 11, 21, 4, tzinfo=UTC)],
                "lon": [120.55],
                "lat": [30.85],
            }
        ),
        roads=pd.DataFrame(
            {
                "name_zh": ["路"],
                "name_en": ["Rd"],
                "tpi": [4.5],
                "level": ["light_congestion"],
                "speed_kmh": [30.0],
                "geometry": [shapely.LineString([(120.5, 30.8), (120.6, 30.9)])],
            }
        ),
        stations=pd.DataFrame(
            {
                "name_zh": ["站"],
                "name_en": ["S"],
                "lon": [120.6],
                "lat": [30.85],
                "aqi": [110],
                "level": ["light"],
                "color": ["#FF7E00"],
                "primary": ["pm25"],
            }
        ),
    )
    fig = city_map(layers, "zh", "dark", "Asia/Shanghai")
    assert [trace.type for trace in fig.data] == ["choroplethmap", "scattermap", "scattermap", "scattermap"]
    assert fig.layout.map.style == "/assets/map-blank-dark.json"
    hover = fig.data[2].hovertext[0]
    assert "&lt;script&gt;" in hover and "<script>" not in hover
    assert "12:00" in hover  # shown in Asia/Shanghai
    assert city_map(
        layers, "en", "light", "Asia/Shanghai", style_url="http://tiles.intranet/style.json"
    ).layout.map.style == ("http://tiles.intranet/style.json")


def test_trend_in_local_time():
    hourly = pd.DataFrame({"hour": pd.to_datetime(["2026-11-21T03:00Z", "2026-11-21T04:00Z"]), "count": [2, 5]})
    fig = hourly_trend(hourly, "en", "light", "Asia/Shanghai")
    assert pd.Timestamp(fig.data[0].x[0]).hour == 11
    assert list(fig.data[0].y) == [2, 5]


def test_time_axes_say_the_year_only_outside_the_current_one():
    from datetime import UTC, datetime

    import pandas as pd

    from dashboard import clock
    from layouts.figures.charts import time_lines

    frame = pd.DataFrame({"hour": pd.to_datetime(["2025-03-01T16:00Z", "2025-03-02T16:00Z"]), "n": [3, 4]})
    with clock.set_to(datetime(2026, 12, 2, 6, 0, tzinfo=UTC)):
        past = time_lines(frame, {"n": "n"}, "en", "dark", "Asia/Shanghai", grain="day")
        this_year = frame.assign(hour=frame["hour"] + pd.DateOffset(years=1))
        current = time_lines(this_year, {"n": "n"}, "en", "dark", "Asia/Shanghai", grain="day")
        new_year = pd.DataFrame({"hour": pd.to_datetime(["2026-01-01T01:00Z"]), "n": [1]})  # 2026 data, 2025 span
        reaching = time_lines(new_year, {"n": "n"}, "en", "dark", "Asia/Shanghai",
                              span=(datetime(2025, 12, 31, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)))
    assert past.layout.xaxis.tickformat == "%Y-%m-%d" and "%Y" in past.data[0].hovertemplate
    assert current.layout.xaxis.tickformat == "%m-%d" and "%Y" not in current.data[0].hovertemplate
    assert reaching.layout.xaxis.type == "date" and "%Y" in reaching.layout.xaxis.tickformat


def test_the_score_trend_says_the_year_of_an_archive():
    from datetime import UTC, date, datetime

    import pandas as pd

    from dashboard import clock
    from layouts.figures.score_trend import score_trend

    with clock.set_to(datetime(2026, 12, 2, 6, 0, tzinfo=UTC)):
        old = score_trend(pd.DataFrame({"day": [date(2025, 10, 27), date(2025, 10, 28)], "city_score": [1, 1]}), "dark")
        new = score_trend(pd.DataFrame({"day": [date(2026, 12, 1), date(2026, 12, 2)], "city_score": [1, 1]}), "dark")
    assert old.layout.xaxis.tickformat == "%Y-%m-%d" and new.layout.xaxis.tickformat == "%m-%d"


def test_the_wall_trend_says_the_year_of_an_archive():
    from datetime import UTC, datetime

    import pandas as pd

    from dashboard import clock
    from layouts.figures.trend import hourly_trend

    hours = pd.DataFrame({"hour": pd.to_datetime(["2025-10-28T06:00Z", "2025-10-28T07:00Z"]), "count": [3, 4]})
    with clock.set_to(datetime(2026, 12, 2, 6, 0, tzinfo=UTC)):
        old = hourly_trend(hours, "zh", "dark", "Asia/Shanghai")
        new = hourly_trend(hours.assign(hour=hours["hour"] + pd.DateOffset(years=1)), "zh", "dark", "Asia/Shanghai")
    assert "%Y" in old.layout.xaxis.tickformat and "%Y" not in new.layout.xaxis.tickformat


def test_day_and_month_axes_tick_on_whole_days_and_months():
    from datetime import UTC, datetime

    import pandas as pd

    from layouts.figures.charts import time_lines

    frame = pd.DataFrame({"hour": pd.to_datetime(["2026-11-30T16:00Z"]), "n": [3]})
    two_days = (datetime(2026, 11, 30, 16, tzinfo=UTC), datetime(2026, 12, 2, 7, tzinfo=UTC))
    quarter = (datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))
    year = (datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))

    def dtick(span, grain):
        return time_lines(frame, {"n": "n"}, "en", "dark", "Asia/Shanghai", span=span, grain=grain).layout.xaxis.dtick

    assert dtick(two_days, "day") == 86_400_000  # one tick a day, not four of the same day
    assert dtick(quarter, "day") == 10 * 86_400_000  # 92 days: a tick every 10 days
    assert dtick(year, "month") == "M2"  # 12 months and a day: every other month


def test_time_lines_break_where_intervals_hold_no_value():
    """A line is not drawn across intervals nothing was measured in (a hall closed at night): hand-made points
    with a gap of 7 hours, and local days of New York around its clocks going back (a 25-hour day is no gap)."""
    from datetime import UTC, datetime

    import pandas as pd

    from layouts.figures.charts import time_lines

    hours = pd.to_datetime(["2026-12-06T00:00Z", "2026-12-06T01:00Z", "2026-12-06T09:00Z", "2026-12-06T10:00Z"])
    frame = pd.DataFrame({"hour": hours, "issued": [5, 6, 7, 8], "wait": [12.0, 14.0, 30.0, 20.0]})
    span = (datetime(2026, 12, 5, 12, tzinfo=UTC), datetime(2026, 12, 6, 12, tzinfo=UTC))
    fig = time_lines(frame, {"issued": "n", "wait": "min"}, "en", "dark", "Asia/Shanghai", bars=("issued",), span=span)
    bars, line = fig.data
    assert list(bars.y) == [5, 6, 7, 8]  # bars as they are
    assert [None if pd.isna(v) else v for v in line.y] == [12.0, 14.0, None, 30.0, 20.0]
    assert pd.Timestamp(line.x[2]) == pd.Timestamp("2026-12-06T10:00")  # local: an hour after 09:00 (01:00Z)
    # days of New York: Oct 31 (24 h), Nov 1 (25 h: clocks go back), Nov 2, then Nov 4 after a day without data
    days = pd.to_datetime(["2026-10-31T04:00Z", "2026-11-01T04:00Z", "2026-11-02T05:00Z", "2026-11-04T05:00Z"])
    daily = time_lines(pd.DataFrame({"hour": days, "wait": [1.0, 2.0, 3.0, 4.0]}), {"wait": "min"}, "en", "dark",
                       "America/New_York", grain="day")
    assert [None if pd.isna(v) else v for v in daily.data[0].y] == [1.0, 2.0, 3.0, None, 4.0]


def test_a_long_line_marks_the_points_it_cannot_join():
    """On a line of many points (no markers), a point with no value on either side would not show: it is marked."""
    import pandas as pd

    from layouts.figures.charts import SPARSE_POINTS, time_lines

    hours = pd.date_range("2026-12-01T00:00Z", periods=SPARSE_POINTS + 12, freq="h")
    values = [float(i) for i in range(len(hours))]
    values[29] = values[31] = None  # the point of 30 stands alone
    fig = time_lines(pd.DataFrame({"hour": hours, "wait": values}), {"wait": "min"}, "en", "dark", "UTC")
    sizes = list(fig.data[0].marker.size)
    assert fig.data[0].mode == "lines+markers" and sizes[30] == 5 and sum(sizes) == 5
    joined = time_lines(pd.DataFrame({"hour": hours, "wait": range(len(hours))}), {"wait": "min"}, "en", "dark", "UTC")
    assert joined.data[0].mode == "lines"
    # a comparison line too: three days two days apart are three marked points, not an invisible line
    days = pd.to_datetime(["2026-11-01T16:00Z", "2026-11-03T16:00Z", "2026-11-05T16:00Z"])
    base = (pd.DataFrame({"hour": days, "wait": [1.0, 2.0, 3.0]}), pd.DateOffset(days=7), "WoW")
    compared = time_lines(base[0], {"wait": "min"}, "en", "dark", "UTC", grain="day", overlay=base)
    assert "markers" in compared.data[1].mode and [v for v in compared.data[1].y if v == v] == [1.0, 2.0, 3.0]


def test_a_narrow_maps_colour_bar_lies_across_its_foot():
    """The overview's small map is a narrow column on a laptop: its districts' colour bar lies across the map's
    foot (at its right edge, as on the wider maps, it covered a third of the city), and the districts are fitted
    above it; on a wide panel it stands at the right edge, where the city leaves room."""
    boxes = [shapely.box(120.5, 30.8, 120.6, 30.9), shapely.box(120.6, 30.8, 120.7, 30.9)]
    areas = pd.DataFrame({"code": ["1", "2"], "name_zh": ["甲区", "乙区"], "name_en": ["A", "B"], "geometry": boxes})
    layers = MapLayers(districts=areas, rates=areas[["code"]].assign(count=[3, 7], per_10k=[0.2, 0.5]))

    def bar(fit_px):
        figure = city_map(layers, "en", "dark", "UTC", fit_px=fit_px)
        (shown,) = [trace.colorbar for trace in figure.data if trace.showscale]
        return shown, figure.layout.map.center.lat

    (wide, wide_lat), (narrow, narrow_lat) = bar((1050, 480)), bar((250, 450))
    assert (wide.orientation, wide.xanchor) in ((None, "right"), ("v", "right")) and wide_lat == pytest.approx(30.85)
    assert (narrow.orientation, narrow.yanchor, narrow.y) == ("h", "bottom", 0.01)
    assert narrow_lat < 30.85  # the view's centre below the districts': they sit above the bar


def test_the_note_of_skipped_areas_stands_above_a_colour_bar_across_the_foot():
    """A narrow map's bar lies across its foot, where the note naming the areas it could not draw stood too."""
    boxes = [shapely.box(120.5, 30.8, 120.6, 30.9), shapely.Point(120.65, 30.85)]
    areas = pd.DataFrame({"code": ["1", "2"], "name_zh": ["甲区", "乙区"], "name_en": ["A", "B"], "geometry": boxes})
    layers = MapLayers(districts=areas, rates=areas[["code"]].assign(count=[3, 7], per_10k=[0.2, 0.5]))
    for fit_px in ((250, 450), (1050, 480)):
        figure = city_map(layers, "en", "dark", "UTC", fit_px=fit_px, font_size=11)
        (bar,) = [trace.colorbar for trace in figure.data if trace.showscale]
        (note,) = [a for a in figure.layout.annotations if a.yanchor == "bottom"]
        if bar.orientation == "h":  # the bar's own height: its thickness, pads, ticks and title, by hand
            assert note.y >= bar.y + (12 + 2 * 10 + 11) / fit_px[1], (note.y, bar.y)
        else:
            assert fit_px == (1050, 480) and note.y == 0.01

