"""The complaint funnel of a week reads that week's tickets through the requested_at index. Grouped by the ticket's
id alone, SQLite walked the whole complaint table in id order to spare a sort: the wall's week funnel read every
ticket ever stored (475 ms a cold wall at a year of a 3-million-people city, 90–150 ms through the index)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from dashboard.queries import complaints
from dashboard.queries.complaints import ComplaintFilter

START = datetime(2025, 1, 1, tzinfo=UTC)
#: Two years of tickets, two an hour requested at the same moment: a week is under 1 % of them.
TICKETS = 2 * 2 * 365 * 24


def _stored_years(path: str) -> None:
    rows = [
        ("test", f"T{i}", "noise", "closed" if i % 3 else "accepted", "D01",
         (START + timedelta(hours=i // 2)).strftime("%Y-%m-%d %H:%M:%S.000000"))
        for i in range(TICKETS)
    ]
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO complaint (source, source_id, category, status, district_code, requested_at, updated_at, "
            "ingested_at, returned_count, extended_count, reopened_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
            [(*row, row[5], row[5]) for row in rows],
        )


def _funnel_plan(engine, sel: ComplaintFilter, monkeypatch) -> list[str]:
    statements = []
    read = complaints.read_frame
    monkeypatch.setattr(complaints, "read_frame", lambda e, s, *a, **k: statements.append(s) or read(e, s, *a, **k))
    complaints.funnel(engine, sel)
    compiled = statements[0].compile(dialect=engine.dialect)
    values = compiled.construct_params()
    bind = compiled._bind_processors
    params = tuple(bind[k](values[k]) if k in bind else values[k] for k in compiled.positiontup)
    with engine.connect() as conn:
        return [row[3] for row in conn.connection.driver_connection.execute(f"EXPLAIN QUERY PLAN {compiled}", params)]


def test_a_weeks_funnel_reads_its_tickets_through_the_time_index(sqlite_engine, monkeypatch):
    _stored_years(sqlite_engine.url.database)
    with sqlite_engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    end = START + timedelta(days=400)
    for district in (None, "D01"):
        plan = _funnel_plan(sqlite_engine, ComplaintFilter(end - timedelta(days=7), end, district=district),
                            monkeypatch)
        on_complaints = [step for step in plan if "complaint " in f"{step} " and "complaint_event" not in step]
        assert on_complaints and all(step.startswith("SEARCH") for step in on_complaints), (district, plan)


def test_a_weeks_funnel_counts_the_weeks_tickets(sqlite_engine):
    _stored_years(sqlite_engine.url.database)
    end = START + timedelta(days=400)
    counts = complaints.funnel(sqlite_engine, ComplaintFilter(end - timedelta(days=7), end)).set_index("step")
    week = [i for i in range(TICKETS) if end - timedelta(days=7) <= START + timedelta(hours=i // 2) < end]
    assert counts.loc["received", "tickets"] == len(week) == 2 * 7 * 24
    assert counts.loc["closed", "tickets"] == sum(1 for i in week if i % 3)
