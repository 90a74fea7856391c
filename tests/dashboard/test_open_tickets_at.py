"""The backlog and overdue counts at a moment in the past equal the oracle's reading of the raw facts: tickets
requested by then and not closed by then (closing later does not make a ticket closed earlier)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.queries.kpis import open_tickets
from tests.dashboard.synthetic_city import NOW, populate
from tests.oracle import oracle

MOMENTS = [timedelta(0), timedelta(hours=2), timedelta(days=1, hours=5), timedelta(days=6), timedelta(days=40)]


@pytest.fixture
def background_city(engine):
    populate(engine, background=True)
    return engine, oracle.Facts.read(engine)


def test_open_tickets_at_past_moments(background_city):
    engine, facts = background_city
    seen = set()
    for back in MOMENTS:
        moment = NOW - back
        expected = oracle.open_tickets(facts, moment)
        assert open_tickets(engine, moment) == (expected["backlog"], expected["overdue"]), back
        seen.add(open_tickets(engine, moment))
        for district in facts.districts["code"]:
            expected = oracle.open_tickets(facts, moment, district)
            assert open_tickets(engine, moment, district) == (expected["backlog"], expected["overdue"]), (
                back,
                district,
            )
    assert len(seen) > 2, "the moments should see different backlogs"


def test_open_tickets_early_in_the_data_and_before_it(background_city):
    """Moments nearer the first ticket than the last (a year-earlier comparison) and before any ticket."""
    engine, facts = background_city
    first, last = (facts.complaints["requested_at"].agg(f).to_pydatetime() for f in ("min", "max"))
    seen = set()
    for after in (timedelta(hours=-1), timedelta(0), *((last - first) * f for f in (0.05, 0.2, 0.35, 0.49))):
        moment = first + after
        expected = oracle.open_tickets(facts, moment)
        assert open_tickets(engine, moment) == (expected["backlog"], expected["overdue"]), after
        seen.add(open_tickets(engine, moment))
        for district in facts.districts["code"]:
            expected = oracle.open_tickets(facts, moment, district)
            assert open_tickets(engine, moment, district) == (expected["backlog"], expected["overdue"]), (
                after, district)
    assert (0, 0) in seen and len(seen) > 1, seen
