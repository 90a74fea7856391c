"""A database holding only last year's data: pages open on the newest data's period with a notice in both
languages, dates carry the year, and the numbers equal the oracle's reading of the raw facts (pandas)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard import clock
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.timespan import TimeSelection, resolve
from dashboard.queries.history import newest_fact_time
from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.domain import View
from layouts.components.frame import page_context, page_request
from layouts.components.timepicker import context_span, settle
from layouts.viewmodels.complaints import complaints_view
from layouts.viewmodels.overview import overview_view
from tests.dashboard.synthetic_city import NOW, populate
from tests.oracle import oracle

#: The moment the pages are opened: more than a year after the synthetic city's last data (NOW, Nov 2026).
LIVE = datetime(2027, 12, 20, 4, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("archive")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    app = create_app(engine, Settings(var_dir=folder, auth_mode="open"))
    with clock.set_to(LIVE):
        yield app, engine, oracle.Facts.read(engine)
    engine.dispose()


def _newest(engine) -> pd.Timestamp:
    """The newest event time over the raw fact tables, by plain SQL."""
    times = []
    with engine.connect() as conn:
        for table, column in (("complaint", "requested_at"), ("hall_ticket", "issued_at"),
                              ("traffic_observation", "observed_at"), ("sensor_reading", "observed_at")):
            value = conn.execute(text(f"SELECT MAX({column}) FROM {table}")).scalar()
            if value is not None:
                moment = pd.Timestamp(value)
                times.append(moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC"))
    return max(times)


def test_newest_fact_time_is_that_of_the_raw_facts(archive):
    app, engine, _ = archive
    assert newest_fact_time(engine) == _newest(engine).to_pydatetime()


@pytest.mark.parametrize(("lang", "notice", "dated"), [("zh", "最近的数据截至", "2026年11月21日"),
                                                        ("en", "The newest data is from", "21 Nov 2026")])
def test_a_domain_page_opens_on_the_newest_data(archive, lang, notice, dated):
    from layouts.pages import complaints

    app, engine, facts = archive
    with app.server.test_request_context("/complaints"):
        page = str(complaints.layout(lang=lang))
        settled = settle("complaints", page_request(lang, "dark", query={}))
        span = context_span(settled.context, "complaints")
        view = complaints_view(View(page_request(lang, "dark"), span, None))
    assert notice in page and dated in page
    after_newest = _newest(engine).floor("min") + pd.Timedelta(minutes=1)
    assert settled.context.time == {"as_of": after_newest.strftime("%Y-%m-%dT%H:%MZ")}
    assert span.end == after_newest and span.start == after_newest - pd.Timedelta(days=7)
    expected = oracle.complaint_numbers(facts, span.start, span.end, span.as_of)
    assert view.kpis.summary.received == expected["received"] > 0
    assert view.kpis.summary.due_met == expected["due_met"]
    opened = oracle.open_tickets(facts, span.as_of)
    assert (view.kpis.backlog, view.kpis.overdue) == (opened["backlog"], opened["overdue"])


def test_a_chosen_month_of_the_archive(archive):
    app, engine, facts = archive
    with app.server.test_request_context("/complaints"):
        settled = settle("complaints", page_request("en", "dark", query={"from": "2026-11-01", "to": "2026-11-30"}))
        span = context_span(settled.context, "complaints")
        view = complaints_view(View(page_request("en", "dark"), span, None))
    assert settled.newest is None  # a period named in the URL is opened as named
    assert (span.start, span.end) == (datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC))
    expected = oracle.complaint_numbers(facts, span.start, span.end, LIVE)
    assert view.kpis.summary.received == expected["received"] > 0


def test_the_overview_opens_on_the_newest_day(archive):
    from layouts.pages import overview

    app, engine, facts = archive
    with app.server.test_request_context("/"):
        page = str(overview.layout(lang="zh"))
        context = settle("overview", page_request("zh", "dark", query={})).context
        span = context_span(context, "overview")
        view = overview_view(context, span)
    assert "最近的数据截至" in page
    day = resolve(TimeSelection("today"), span.as_of, TZ)
    cards = {card.id: card.value for card in view.kpis}
    assert cards["complaints_today"] == oracle.complaint_numbers(facts, day.start, span.as_of, span.as_of)["received"]
    assert cards["complaints_today"] == 5  # the synthetic city's five tickets of its last day
    registry = view.table.set_index("id")["value"]
    assert registry["complaints_received"] == 5


def test_the_wall_shows_the_archive_at_its_newest_moment(archive):
    from layouts.pages import wall
    from layouts.viewmodels.wall import wall_view

    app, engine, facts = archive
    with app.server.test_request_context("/wall"):
        page = wall.layout(lang="zh")
        stored = next(c.data for c in page.children if getattr(c, "id", None) == "wall-prefs")
        view = wall_view(page_context(stored), ["city_trend"])
        chosen = wall_view(page_request("zh", "dark", query={"as_of": "2026-11-20T12:00+08:00"}), ["city_trend"])
    assert view.now == (_newest(engine).floor("min") + pd.Timedelta(minutes=1)).to_pydatetime()
    assert {k.id: k.value for k in view.kpis}["complaints_today"] == 5
    assert chosen.now == datetime(2026, 11, 20, 4, tzinfo=UTC)
    moment = chosen.now
    expected = oracle.complaint_numbers(facts, datetime(2026, 11, 19, 16, tzinfo=UTC), moment, moment)
    assert {k.id: k.value for k in chosen.kpis}["complaints_today"] == expected["received"]


def _newest_until(engine, table: str, column: str, moment: datetime) -> datetime:
    """The newest event time of ``table`` at or before ``moment``, by plain SQL and pandas."""
    with engine.connect() as conn:
        times = pd.to_datetime(pd.read_sql(text(f"SELECT {column} FROM {table}"), conn)[column], utc=True,
                               format="ISO8601")
    return times[times <= pd.Timestamp(moment)].max().to_pydatetime()


@pytest.mark.parametrize(("domain", "table", "column"), [("complaints", "complaint", "requested_at"),
                                                         ("sensors", "sensor_reading", "observed_at")])
def test_at_a_past_moment_the_data_time_is_the_newest_fact_by_then(archive, domain, table, column):
    from layouts.viewmodels.domain import page_freshness

    app, engine, _ = archive
    moment = NOW - pd.Timedelta(minutes=37)
    fresh = page_freshness(engine, (domain,), moment, 2.0)
    assert not fresh.stale
    assert fresh.as_of == _newest_until(engine, table, column, moment) < moment


def test_facts_without_feed_state_have_a_data_time(tmp_path):
    """A database of imported facts has no feed state: its pages give the newest fact's time, not "no data"."""
    from layouts.viewmodels.domain import page_freshness

    engine = make_engine(f"sqlite:///{tmp_path / 'imported.db'}")
    upgrade(engine)
    populate(engine, NOW)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM feed_state"))
    moment = NOW + pd.Timedelta(minutes=1)
    fresh = page_freshness(engine, ("complaints",), moment, 2.0)
    engine.dispose()
    assert fresh.as_of == _newest_until(engine, "complaint", "requested_at", moment)
    assert not fresh.stale


def test_the_overview_cards_at_a_past_moment_give_the_newest_fact_by_then(archive):
    from dashboard.queries.kpis import headline_values, kpi_registry
    from layouts.viewmodels.overview import overview_kpis

    app, engine, _ = archive
    moment = NOW - pd.Timedelta(minutes=37)
    registry = kpi_registry(engine, None)
    feeds = {h.kpi.id: tuple(h.kpi.feeds) for h in headline_values(engine, registry, moment, TZ)}
    cards = {card.id: card for card in overview_kpis(engine, moment, TZ, 2.0, registry)}
    complaint_cards = [i for i in cards if feeds[i] == ("complaints",)]
    assert complaint_cards
    expected = _newest_until(engine, "complaint", "requested_at", moment)
    for i in complaint_cards:
        assert cards[i].freshness.as_of == expected < moment and not cards[i].freshness.stale


def test_the_feeds_page_stays_at_now(archive):
    """Feed health is about now: its runs a year ago, not the archive's last day, where no feed had run yet."""
    from layouts.pages import feeds

    app, engine, facts = archive
    with app.server.test_request_context("/feeds"):
        page = str(feeds.layout(lang="en"))
    assert "The newest data is from" not in page and "feeds-time-history" not in page
