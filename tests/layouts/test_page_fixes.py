"""What a user noticed on the pages: the halls chart's wait on its own axis, the map explorer's breakdown of the
selection beside the map, the department ranking without departments and with names too long for its labels."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.context import RequestContext
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.timespan import TimeSelection, resolve
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.domain import View
from layouts.figures.ranking import ranking_bars, tick_name
from layouts.viewmodels.map import selection, span_for, step_bounds, steps
from tests.dashboard.synthetic_city import NOW, populate
from tests.e2e.city import enrich

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fixes') / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    enrich(engine)
    yield engine
    engine.dispose()


def test_halls_wait_is_drawn_against_a_second_axis(engine, tmp_path):
    settings = Settings(var_dir=tmp_path, auth_mode="open")
    create_app(engine, settings)  # the pages register with an app
    from layouts.pages import halls

    span = resolve(TimeSelection("7d"), NOW, TZ)
    view = View(RequestContext(engine, settings, "en", "light", "public", None), span, None)
    trend_figure = halls.draw(view).figures["trend"]()  # each panel is drawn on its own, when asked
    traces = {trace.name: trace for trace in trend_figure.data}
    wait, issued = traces["Mean wait (min)"], traces["Issued"]
    assert wait.yaxis == "y2" and issued.yaxis in (None, "y")
    axis = trend_figure.layout.yaxis2
    assert axis.overlaying == "y" and axis.side == "right"
    # its own round ticks: by default plotly puts an overlaying axis's ticks on the left axis's grid lines, at
    # values such as 3.68, 7.35, 11.02 minutes
    assert axis.tickmode == "auto"
    # the waits are minutes of the same order as the tickets' waits, not a flat line at the counts' zero
    assert pd.Series(wait.y, dtype=float).max() > 0


def test_ranking_without_departments_says_so():
    empty = pd.DataFrame(columns=["rank", "score", "name_zh", "name_en", "on_time_rate", "satisfaction", "return_rate"])
    figure = ranking_bars(empty, "zh", "dark", "%{y}", "本期没有可排名的部门")
    assert not figure.data
    assert [a.text for a in figure.layout.annotations] == ["本期没有可排名的部门"]
    assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False


def test_a_name_too_long_for_its_label_is_cut_at_a_word_and_whole_in_the_hover():
    # counted by hand (24 columns): the name takes 42; 23 fit beside the "…" and the 24th is the space after
    # "Urban-Rural"; "Market Supervision Admin" stops inside a word, cut back to the space before it
    assert tick_name("Housing and Urban-Rural Development Bureau") == "Housing and Urban-Rural…"
    assert tick_name("Market Supervision Administration") == "Market Supervision…"
    assert tick_name("Urban Management Bureau") == "Urban Management Bureau"  # 23 columns: fits
    assert tick_name("Ecology and Environment Bureau", 30) == "Ecology and Environment Bureau"  # 30 of 30
    # a CJK character takes two columns and a name without spaces is cut between characters
    assert tick_name("人力资源和社会保障局") == "人力资源和社会保障局"  # 20 columns
    assert tick_name("某某市人力资源和社会保障局城乡建设管理办公室") == "某某市人力资源和社会保…"  # 11 × 2 + 1
    ranking = pd.DataFrame({
        "rank": [1, 1, 3],
        "score": [0.95, 0.95, 0.5],
        "name_zh": ["甲", "甲", "乙"],
        "name_en": ["Housing and Urban-Rural Development Bureau", "Housing and Urban-Rural Development Bureau",
                    "Water <Affairs> Bureau"],
        "on_time_rate": [0.9, 0.8, 0.5], "satisfaction": [0.9, 0.9, 0.4], "return_rate": [0.0, 0.1, 0.2],
    })
    drawn = ranking_bars(ranking, "en", "dark", "%{customdata[3]}", "none")
    bars, ticks = drawn.data[0], drawn.layout.yaxis
    # best on top, two departments of one name stay two bars, a name is escaped for plotly's text
    assert list(bars.y) == list(ticks.tickvals) == [0, 1, 2]
    assert list(ticks.ticktext) == ["3. Water &lt;Affairs&gt; Bureau", "1. Housing and Urban-Rural…",
                                    "1. Housing and Urban-Rural…"]
    assert [row[3] for row in bars.customdata] == ["3. Water &lt;Affairs&gt; Bureau",
                                                   "1. Housing and Urban-Rural Development Bureau",
                                                   "1. Housing and Urban-Rural Development Bureau"]
    rates = [rate for row in bars.customdata for rate in row[:3]]
    assert rates == pytest.approx([50, 40, 20, 80, 90, 10, 90, 90, 0])


def _raw(engine) -> pd.DataFrame:
    """The complaints' raw rows (an independent read for pandas)."""
    with engine.connect() as connection:
        frame = pd.read_sql(
            text("SELECT category, category_name, district_code, requested_at FROM complaint"), connection
        )
    frame["requested_at"] = pd.to_datetime(frame["requested_at"], utc=True, format="ISO8601")
    return frame


def test_selection_breakdown_matches_pandas(engine):
    start = NOW - timedelta(days=7)
    raw = _raw(engine)
    week = raw[(raw["requested_at"] >= start) & (raw["requested_at"] < NOW)]
    sel = ComplaintFilter(start, NOW)
    districts = map_queries.top_districts(engine, sel, 10)
    expected = week["district_code"].value_counts(dropna=False)
    assert dict(zip(districts["key"], districts["count"], strict=True)) == {
        (None if pd.isna(k) else k): int(v) for k, v in expected.items()
    }
    categories = map_queries.top_categories(engine, sel, 10)
    assert categories["count"].sum() == len(week)
    assert list(categories["count"]) == sorted(categories["count"], reverse=True)
    top = map_queries.top_districts(engine, sel, 1)
    assert len(top) == 1 and top["count"].iloc[0] == expected.max()


def test_selection_trend_by_local_day(engine):
    start = NOW - timedelta(days=7)
    hourly = map_queries.hourly(engine, ComplaintFilter(start, NOW))
    days = map_queries.by_grain(hourly, TZ, "day")
    raw = _raw(engine)
    week = raw[(raw["requested_at"] >= start) & (raw["requested_at"] < NOW)]
    expected = week["requested_at"].dt.tz_convert(TZ).dt.date.value_counts()
    local_days = pd.to_datetime(days["hour"], utc=True).dt.tz_convert(TZ)
    got = dict(zip(local_days.dt.date, days["count"], strict=True))
    assert {d: c for d, c in got.items() if c} == {d: int(c) for d, c in expected.items()}
    assert (local_days.dt.hour == 0).all()  # each bucket starts at a local midnight


def test_slider_steps_over_a_custom_90_day_range_are_local_days():
    """2026-09-04 to 2026-12-02 (both included) are 90 local days; each step starts at a local midnight."""
    span = span_for(NOW, TZ, None, {"from": "2026-09-04", "to": "2026-12-02"})
    assert (span.period, span.grain) == ("custom", "day")
    starts = steps(span)
    # the range runs past NOW (2026-11-21 12:00 local): the steps stop at the as-of day, the 79th
    assert len(starts) == 79
    local = [s.astimezone(ZoneInfo(TZ)) for s in starts]
    assert local[0] == datetime(2026, 9, 4, tzinfo=ZoneInfo(TZ))
    assert local[-1] == datetime(2026, 11, 21, tzinfo=ZoneInfo(TZ))
    assert all((b - a) == timedelta(days=1) for a, b in zip(starts, starts[1:], strict=False))
    assert step_bounds(span, 78) == (starts[78], NOW)  # the running day: up to the as-of moment
    whole = span_for(datetime(2026, 12, 3, tzinfo=UTC), TZ, None, {"from": "2026-09-04", "to": "2026-12-02"})
    assert len(steps(whole)) == 90


def test_slider_steps_over_one_day_are_hours_and_over_a_year_months():
    yesterday = span_for(NOW, TZ, "yesterday")
    hours = steps(yesterday)
    assert len(hours) == 24 and hours[0] == datetime(2026, 11, 19, 16, tzinfo=UTC)
    assert step_bounds(yesterday, 5) == (datetime(2026, 11, 19, 21, tzinfo=UTC), datetime(2026, 11, 19, 22, tzinfo=UTC))
    day = span_for(NOW, TZ, None, {"from": "2026-11-20T00:00", "to": "2026-11-21T00:00"})
    assert (day.grain, len(steps(day))) == ("hour", 24)
    last_year = span_for(NOW, TZ, "last_year")
    months = [s.astimezone(ZoneInfo(TZ)) for s in steps(last_year)]
    assert last_year.grain == "month" and len(months) == 12
    assert [(m.month, m.day, m.hour) for m in months[:2]] == [(1, 1, 0), (2, 1, 0)]


def test_a_step_selects_the_complaints_of_that_hour(engine):
    """The slider on one hour of the last 24 hours counts what pandas counts in that hour."""
    span = span_for(NOW, TZ, "24h")
    raw = _raw(engine)
    for step in range(len(steps(span))):
        start, end = step_bounds(span, step)
        expected = int(((raw["requested_at"] >= start) & (raw["requested_at"] < end)).sum())
        assert map_queries.count(engine, selection(span, step)) == expected
    assert map_queries.count(engine, selection(span, None)) == int(
        ((raw["requested_at"] >= span.start) & (raw["requested_at"] < span.end)).sum()
    )


@pytest.mark.parametrize("grain", ["hour", "day"])
def test_selection_trend_from_the_rollups_matches_the_facts(engine, grain):
    """Unfiltered (or one district), the trend beside the map reads the rollups; it counts what pandas counts
    per local hour or day over the raw complaints."""
    start = NOW - timedelta(days=7)
    raw = _raw(engine)
    for district in (None, "339902"):
        frame = map_queries.selection_trend(engine, ComplaintFilter(start, NOW, district), TZ, grain)
        rows = raw[(raw["requested_at"] >= start) & (raw["requested_at"] < NOW)]
        if district:
            rows = rows[rows["district_code"] == district]
        local = rows["requested_at"].dt.tz_convert(TZ)
        keys = local.dt.floor("h") if grain == "hour" else local.dt.normalize()
        expected = {k.tz_convert("UTC"): int(v) for k, v in keys.value_counts().items()}
        pairs = zip(frame["hour"], frame["count"], strict=True)
        got = {pd.Timestamp(h).tz_convert("UTC"): int(c) for h, c in pairs if c}
        assert got == expected, district


@pytest.mark.parametrize(("lang", "unnamed"), [("zh", "未注明事项"), ("en", "Item not given")])
def test_every_service_item_bar_has_a_label(engine, tmp_path, lang, unnamed):
    """Tickets naming no service item (stored as an empty item) are a bar of their own, labelled in the page's
    language; the other bars keep their item."""
    settings = Settings(var_dir=tmp_path, auth_mode="open")
    create_app(engine, settings)
    from layouts.pages.halls import _items

    named = ["社保业务", ""]
    items = pd.DataFrame({"service_item": named, "name_zh": named, "name_en": named, "issued": [4, 1]})
    context = RequestContext(engine, settings, lang, "light", "public", None)
    figure = _items(items, View(context, resolve(TimeSelection("24h"), NOW, "Asia/Shanghai"), None))
    labels = list(figure.layout.yaxis.ticktext)
    assert sorted(labels) == sorted(["社保业务", unnamed])


@pytest.mark.parametrize("city", ["synthetic", "empty"])
def test_a_selection_without_complaints_has_empty_leaders(engine, tmp_path, city):
    """A year before the synthetic city's first complaint, and a city with no complaints or categories at all
    (a real city's first day): no leading categories or districts, not an error."""
    if city == "empty":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        upgrade(engine)
    sel = ComplaintFilter(NOW - timedelta(days=400), NOW - timedelta(days=393))
    for top in (map_queries.top_categories, map_queries.top_districts):
        frame = top(engine, sel, 5)
        assert frame.empty and list(frame.columns) == ["key", "name_zh", "name_en", "count"], top.__name__
