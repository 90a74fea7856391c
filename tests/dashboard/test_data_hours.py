"""How far back each KPI domain's data reaches (``kpis.data_hours``, read by every comparison with a period before):
the first and the last hour of each hourly rollup, equal to Python's min and max over the rollup's rows, on SQLite
and PostgreSQL; SQLite's plan reads one end of each rollup's hour index (a MIN and a MAX in one SELECT made it
scan the whole table: half a second a refresh at a year's scale)."""

from __future__ import annotations

from sqlalchemy import select, text

from dashboard.queries import kpis
from tests.dashboard.synthetic_city import populate


def test_data_hours_are_each_rollups_first_and_last_hour(engine):
    populate(engine)
    hours = kpis.data_hours(engine)
    with engine.connect() as conn:
        for domain, model in kpis.DOMAIN_HOURS.items():
            stored = [kpis._utc(h) for (h,) in conn.execute(select(model.hour))]
            assert stored, domain
            assert hours[domain] == (min(stored), max(stored)), domain


def test_a_domain_without_rows_has_no_hours(sqlite_engine):
    assert kpis.data_hours(sqlite_engine) == dict.fromkeys(kpis.DOMAIN_HOURS, (None, None))


def test_data_hours_read_the_ends_of_the_hour_indexes(sqlite_engine):
    populate(sqlite_engine)
    statement = kpis.DATA_HOURS.compile(sqlite_engine)
    with sqlite_engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
    on_rollups = [step for step in plan if "_hourly" in step]
    assert len(on_rollups) == 2 * len(kpis.DOMAIN_HOURS), plan
    assert all(step.startswith("SEARCH") for step in on_rollups), plan
