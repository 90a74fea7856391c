"""Population is optional: when any district lacks one, the per-capita KPIs are unavailable (no value), never
computed from a partial sum."""

import math

import pytest
from sqlalchemy import update

from dashboard.db import rollups
from dashboard.db.models import District
from dashboard.kpis.periods import period_bounds
from dashboard.kpis.registry import load_registry
from dashboard.queries import kpis
from dashboard.queries.complaints import complaint_summary
from tests.dashboard.synthetic_city import NOW

TZ = "Asia/Shanghai"


@pytest.fixture
def rolled(city):
    with city.begin() as conn:
        for domain in rollups.ROLLUPS:
            rollups.rebuild(conn, domain)
    return city


def _per_10k(engine) -> float:
    start, end = period_bounds(NOW, TZ, "day", 0)
    return kpis.kpi_values(engine, load_registry(), start, end, NOW, TZ).set_index("id").at["complaints_per_10k",
                                                                                           "value"]


def test_per_capita_unavailable_with_a_district_unknown(rolled):
    assert _per_10k(rolled) == pytest.approx(5 / 0.5 / 350_000 * 10_000)  # every district known (test_kpi_values)
    with rolled.begin() as conn:
        conn.execute(update(District).where(District.code == "339902").values(population=None))
    assert math.isnan(_per_10k(rolled))


def test_city_wide_district_summary_has_no_partial_population(rolled):
    start, end = period_bounds(NOW, TZ, "day", 0)
    assert complaint_summary(rolled, None, start, end).population == 350_000
    with rolled.begin() as conn:
        conn.execute(update(District).where(District.code == "339902").values(population=None))
    assert complaint_summary(rolled, None, start, end).population is None
