"""The small year of the KPI-reads benchmark that its baseline tests share: built once per run (the tests using it
run on one worker, ``--dist loadgroup``) and only read."""

from __future__ import annotations

import pytest

from bench import kpi_reads
from dashboard.db.engine import make_engine


@pytest.fixture(scope="session")
def small_year(tmp_path_factory):
    """(path, engine, facts) of a year of the benchmark's city at 0.5 % of its size."""
    path = tmp_path_factory.mktemp("kpi") / "year.sqlite"
    facts = kpi_reads.build(path, kpi_reads.Size.of(0.005))
    engine = make_engine(f"sqlite:///{path}")
    yield path, engine, facts
    engine.dispose()
