"""Calendar periods of a city in a half-hour time zone equal the oracle's numbers: in Asia/Kolkata (UTC+05:30) a
local day starts at 18:30 UTC, inside an hour of the rollups. The adversarial city is built with its tickets
placed around Kolkata's midnights (and its rollups for that zone), on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import pytest

from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from tests.conftest import _postgres_engine
from tests.oracle import adversarial_city, oracle, served
from tests.oracle.harness import assert_no_differences, differences
from tests.oracle.test_oracle import (
    DISTRICTS,
    PERIODS,
    _headline_expected,
    day_series_differences,
    percentile_differences,
    ranking_differences,
    registry_differences,
)

KOLKATA = "Asia/Kolkata"


def _sqlite(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('kolkata') / 'city.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kolkata(request, tmp_path_factory):
    """The adversarial city in Kolkata: its engine, the oracle's reading of its facts and its ``now``."""
    databases = _postgres_engine() if request.param == "postgresql" else _sqlite(tmp_path_factory)
    engine = next(databases)
    try:
        adversarial_city.build(engine, timezone=KOLKATA)
        yield engine, oracle.Facts.read(engine), adversarial_city.NOW
    finally:
        databases.close()


def test_tickets_lie_in_the_half_hours_at_the_local_midnights(kolkata):
    """The city puts tickets into the half hour after a Kolkata midnight, which the rollups hold in an hour
    of the day before: without them this module would test nothing."""
    _, facts, now = kolkata
    local = facts.complaints["requested_at"].dt.tz_convert(KOLKATA)
    after_midnight = (local.dt.hour == 0) & (local.dt.minute < 30)  # in the UTC hour from 18:00
    assert after_midnight.sum() >= 5
    assert (local[after_midnight] >= oracle.local_period(now, KOLKATA, "week")[0]).any()


@pytest.mark.parametrize("period", PERIODS)
def test_registry_kpis(kolkata, period):
    engine, facts, now = kolkata
    assert_no_differences(registry_differences(engine, facts, now, period, KOLKATA))


@pytest.mark.parametrize("period", PERIODS)
def test_district_summaries_and_choropleth(kolkata, period):
    engine, facts, now = kolkata
    start, end = oracle.local_period(now, KOLKATA, period)
    areas = served.area_numbers(engine, start, now, KOLKATA)
    lines = []
    for code in DISTRICTS:
        expected = oracle.complaint_numbers(facts, start, end, now, code) | oracle.open_tickets(facts, now, code)
        got = served.district_numbers(engine, code, start, now)
        lines += differences(f"/district/{code} {period} ({KOLKATA})", got, {k: expected[k] for k in got})
        lines += differences(f"map {period} {code} ({KOLKATA})", areas[code], {k: expected[k] for k in areas[code]})
    assert_no_differences(lines)


def test_headline_cards(kolkata):
    engine, facts, now = kolkata
    expected = _headline_expected(facts, now, KOLKATA)
    got = served.headline_numbers(engine, now, KOLKATA)
    lines = differences(f"overview/wall cards ({KOLKATA})", got["cards"], expected)
    lines += differences(f"registry headline KPIs ({KOLKATA})", got["registry"], expected)
    assert_no_differences(lines)


@pytest.mark.parametrize("period", PERIODS)
def test_rankings_and_percentiles(kolkata, period):
    """The department ranking, the roads' TPI and the duration percentiles of periods starting at 18:30 UTC."""
    engine, facts, now = kolkata
    lines = ranking_differences(engine, facts, now, period, KOLKATA)
    assert_no_differences(lines + percentile_differences(engine, facts, now, period, KOLKATA))


def test_hall_and_traffic_days(kolkata):
    engine, facts, now = kolkata
    assert_no_differences(day_series_differences(engine, facts, now, KOLKATA))
