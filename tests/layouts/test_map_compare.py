"""The map explorer's comparison (环比 / 同比): the compared span's step that matches the slider's step, and the
selection's count and districts over it, against hand-computed bounds and the oracle's count of the raw facts;
the selection's count read from the rollups over any bounds, against the oracle; the roads as at its end.

The synthetic city's now is 2026-11-21T04:00Z (noon in Shanghai); its first complaint is of October 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from dashboard.kpis.timespan import TimeSelection, comparison, resolve
from dashboard.queries import map as map_queries
from dashboard.queries.complaints import ComplaintFilter
from dashboard.settings import Settings
from layouts.viewmodels import map as view_model
from tests.dashboard.synthetic_city import NOW, populate
from tests.oracle import oracle

TZ = "Asia/Shanghai"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _span(selection: TimeSelection, now: datetime = NOW):
    return resolve(selection, now, TZ)


def test_every_period_button_keeps_the_urls_comparison_and_as_of():
    span = view_model.span_for(NOW, TZ, "7d", {"compare": "year", "as_of": "2026-11-10T12:00"})
    assert (span.compare, span.as_of) == ("year", utc("2026-11-10T04:00"))
    assert view_model.span_for(NOW, TZ, "7d", {"from": "2026-11-01", "to": "2026-11-02"}).period == "7d"


def test_a_step_is_compared_with_the_same_step_of_the_compared_span():
    # February 2026 (28 days) against January: its 28th day against 28 January
    feb = _span(TimeSelection("last_month", as_of=datetime(2026, 3, 15, 12), compare="previous"))
    jan = comparison(feb, TZ)
    assert view_model.compared_bounds(feb, jan, 27) == (utc("2026-01-27T16:00"), utc("2026-01-28T16:00"))
    assert view_model.compared_bounds(feb, jan, None) == (utc("2025-12-31T16:00"), utc("2026-01-31T16:00"))
    # March (31 days) against February: its 29th-31st days have none
    march = _span(TimeSelection("last_month", as_of=datetime(2026, 4, 15, 12), compare="previous"))
    february = comparison(march, TZ)
    assert view_model.compared_bounds(march, february, 27) == (utc("2026-02-27T16:00"), utc("2026-02-28T16:00"))
    assert view_model.compared_bounds(march, february, 28) is None
    # the whole of March (the slider at its end) against the whole of February
    assert view_model.compared_bounds(march, february, 31) == (utc("2026-01-31T16:00"), utc("2026-02-28T16:00"))
    # hours of a day against the same hours a year earlier
    day = _span(TimeSelection("custom", datetime(2026, 3, 2), datetime(2026, 3, 3), compare="year"), NOW)
    assert view_model.compared_bounds(day, comparison(day, TZ), 9) == (utc("2025-03-02T01:00"), utc("2025-03-02T02:00"))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from dashboard.db.engine import make_engine
    from dashboard.db.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('map-compare') / 'city.db'}")
    upgrade(engine)
    populate(engine)
    yield engine, oracle.Facts.read(engine)
    engine.dispose()


def test_the_selection_against_the_week_before(city):
    engine, facts = city
    span = _span(TimeSelection("custom", date(2026, 11, 14), date(2026, 11, 20), compare="previous"))
    whole = view_model.compared(engine, span, ComplaintFilter(span.start, span.end), None)
    # 7 to 13 November, local days
    start, end = utc("2026-11-06T16:00"), utc("2026-11-13T16:00")
    assert whole.total == oracle.complaint_numbers(facts, start, end, NOW)["received"]
    for code in ("339901", "339902"):
        assert whole.districts.get(code, 0) == oracle.complaint_numbers(facts, start, end, NOW, code)["received"]
    # the last day (step 6: 20 November) against 13 November, for one district
    step = view_model.selection(span, 6, district="339901")
    day = view_model.compared(engine, span, step, 6)
    then = oracle.complaint_numbers(facts, utc("2026-11-12T16:00"), end, NOW, "339901")["received"]
    assert day.total == then and sum(day.districts.values()) == then
    assert 0 < day.total < whole.total  # one day, not the week
    assert whole.total > 0 and (whole.kind, whole.period) == ("previous", "custom")


def test_no_data_a_year_back(city):
    engine, _ = city
    span = _span(TimeSelection("7d", compare="year"))
    compared = view_model.compared(engine, span, ComplaintFilter(span.start, span.end), None)
    assert compared.total is None and compared.categories == {} and compared.districts == {}
    assert view_model.compared(engine, _span(TimeSelection("7d")), ComplaintFilter(span.start, span.end), None) is None


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-10-31T16:00", "2026-11-20T16:00"),  # whole local days: the daily rollup
        ("2026-11-14T04:00", "2026-11-21T04:00"),  # the last 7 days: hours at both edges
        ("2026-11-20T13:00", "2026-11-20T14:00"),  # one hour of the slider
        ("2026-11-18T04:01", "2026-11-21T03:00:30"),  # minutes at the edges (tickets at 04:00 out, 03:00 in)
        ("2025-11-01T00:00", "2026-11-21T04:00"),  # more than a year, months of it empty
    ],
)
@pytest.mark.parametrize("district", [None, "339901"])
def test_the_count_from_the_rollups_is_the_facts(city, start, end, district):
    engine, facts = city
    sel = ComplaintFilter(utc(start), utc(end), district=district)
    expected = oracle.complaint_numbers(facts, utc(start), utc(end), NOW, district)["received"]
    assert map_queries.count(engine, sel, TZ) == expected == map_queries.count(engine, sel)


def test_roads_stand_as_at_the_end_of_the_selection(city):
    engine, facts = city
    end = NOW - timedelta(minutes=10)  # between the city's two traffic intervals (03:40 and 03:55 UTC)
    sel = ComplaintFilter(end - timedelta(hours=1), end)
    roads = view_model._layers(engine, Settings(), sel, {"roads"}, "auto", "far")["roads"]
    # each segment's newest observation by then, read from the raw facts
    t = facts.traffic[(facts.traffic["observed_at"] <= end) & (facts.traffic["speed_kmh"] > 0)]
    newest = t.groupby("segment_code")["observed_at"].max()
    assert (facts.traffic["observed_at"] > end).any() and not roads.empty
    assert dict(zip(roads["code"], pd.to_datetime(roads["observed_at"], utc=True), strict=True)) == newest.to_dict()
