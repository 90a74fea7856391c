"""Natural-key upserts: idempotent re-pulls, newer versions win, older ones never roll a row back."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from dashboard.db.models import Complaint, HallTicket, SensorReading
from dashboard.db.upsert import _is_newer, upsert

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _tickets(n, updated, status="waiting"):
    return [
        {"source": "halls", "source_id": f"T{i}", "hall_code": "H01", "issued_at": T0, "status": status,
         "updated_at": updated}
        for i in range(n)
    ]


def _table(conn, model):
    return sorted(tuple(r) for r in conn.execute(select(model.__table__)).all())


def test_same_rows_twice_change_nothing(engine):
    with engine.begin() as conn:
        first = upsert(conn, HallTicket.__table__, _tickets(1200, T0), version="updated_at")
        before = _table(conn, HallTicket)
        second = upsert(conn, HallTicket.__table__, _tickets(1200, T0), version="updated_at")
        assert _table(conn, HallTicket) == before
    assert (first.new, first.updated, first.unchanged) == (1200, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 1200)


def test_newer_version_updates_and_older_is_ignored(engine):
    with engine.begin() as conn:
        upsert(conn, HallTicket.__table__, _tickets(3, T0), version="updated_at")
        newer = upsert(conn, HallTicket.__table__, _tickets(2, T0 + timedelta(minutes=5), "finished"),
                       version="updated_at")
        older = upsert(conn, HallTicket.__table__, _tickets(3, T0 - timedelta(minutes=5), "abandoned"),
                       version="updated_at")
        rows = dict(conn.execute(select(HallTicket.source_id, HallTicket.status)).all())
        stamp = conn.execute(select(HallTicket.updated_at).where(HallTicket.source_id == "T0")).scalar_one()
    assert (newer.updated, older.updated, older.unchanged) == (2, 0, 3)
    assert rows == {"T0": "finished", "T1": "finished", "T2": "waiting"}
    assert stamp == T0 + timedelta(minutes=5)


def test_duplicates_within_one_batch_are_stored_once(engine):
    reading = {"source": "air", "source_id": "S1:pm25", "station_code": "S1", "quantity": "pm25",
               "observed_at": T0, "value": 35.0, "unit": "µg/m³"}
    with engine.begin() as conn:
        counts = upsert(conn, SensorReading.__table__, [reading, dict(reading), dict(reading, value=99.0)])
        values = conn.execute(select(SensorReading.value)).scalars().all()
    assert (counts.new, counts.unchanged) == (1, 2)
    assert len(values) == 1


def test_several_versions_in_one_batch_store_the_newest_whatever_their_order(engine):
    """A page can hold one ticket at several versions; the newest is kept, on insert and on update alike."""
    waiting, called, finished = (
        dict(_tickets(1, T0 + timedelta(minutes=m), status)[0]) for m, status in ((0, "waiting"), (5, "called"),
                                                                                 (9, "finished"))
    )
    with engine.begin() as conn:
        inserted = upsert(conn, HallTicket.__table__, [called, finished, waiting], version="updated_at")
        first = conn.execute(select(HallTicket.status, HallTicket.updated_at)).one()
        conn.execute(HallTicket.__table__.delete())
        upsert(conn, HallTicket.__table__, [waiting], version="updated_at")
        updated = upsert(conn, HallTicket.__table__, [finished, waiting, called], version="updated_at")
        second = conn.execute(select(HallTicket.status, HallTicket.updated_at)).one()
    assert (inserted.new, inserted.unchanged) == (1, 2)
    assert tuple(first) == ("finished", T0 + timedelta(minutes=9))
    assert (updated.updated, updated.unchanged) == (1, 2)
    assert tuple(second) == ("finished", T0 + timedelta(minutes=9))


def test_one_batch_from_two_sources_is_matched_on_the_whole_key(engine):
    """Ticket T0 of two sources: each source's row is found and updated by its own key."""
    later = T0 + timedelta(minutes=5)
    with engine.begin() as conn:
        upsert(conn, HallTicket.__table__, _tickets(1, T0) + [dict(_tickets(1, T0)[0], source="halls-b")],
               version="updated_at")
        called = [dict(_tickets(1, later, "called")[0], source=s) for s in ("halls", "halls-b")]
        counts = upsert(conn, HallTicket.__table__, called + _tickets(2, T0), version="updated_at")
        rows = sorted(conn.execute(select(HallTicket.source, HallTicket.source_id, HallTicket.status)).all())
    assert (counts.new, counts.updated, counts.unchanged) == (1, 2, 1)
    assert [tuple(r) for r in rows] == [("halls", "T0", "called"), ("halls", "T1", "waiting"),
                                        ("halls-b", "T0", "called")]


def test_versions_compare_as_instants_whatever_their_zone():
    """A stored time without a zone is UTC; one with a zone is that instant (09:00+08:00 is 01:00 UTC)."""
    candidate = datetime(2026, 11, 20, 1, 5, tzinfo=UTC)
    assert _is_newer(candidate, datetime(2026, 11, 20, 1, 0))
    assert not _is_newer(candidate, datetime(2026, 11, 20, 1, 10))
    assert _is_newer(candidate, datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=8))))
    assert _is_newer(candidate, None) and not _is_newer(None, candidate)


def test_a_newer_version_never_changes_the_rows_own_id(engine):
    with engine.begin() as conn:
        upsert(conn, HallTicket.__table__, _tickets(1, T0), version="updated_at")
        stored_id = conn.execute(select(HallTicket.id)).scalar_one()
        newer = dict(_tickets(1, T0 + timedelta(minutes=5), "called")[0], id=stored_id + 100)
        upsert(conn, HallTicket.__table__, [newer], version="updated_at")
        assert tuple(conn.execute(select(HallTicket.id, HallTicket.status)).one()) == (stored_id, "called")


def test_updates_are_counted_over_every_chunk(engine):
    with engine.begin() as conn:
        upsert(conn, HallTicket.__table__, _tickets(1200, T0), version="updated_at")
        counts = upsert(conn, HallTicket.__table__, _tickets(1200, T0 + timedelta(minutes=1), "called"),
                        version="updated_at")
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1200, 0)


def test_a_time_with_a_zone_is_stored_as_its_instant(engine):
    reading = {"source": "air", "source_id": "S1:pm25", "station_code": "S1", "quantity": "pm25",
               "observed_at": datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=8))), "value": 35.0,
               "unit": "µg/m³"}
    with engine.begin() as conn:
        upsert(conn, SensorReading.__table__, [reading])
        assert conn.execute(select(SensorReading.observed_at)).scalar_one() == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_an_observation_resent_with_another_time_is_stored_once(engine):
    """An upstream with a skewed clock resends an observation id with another time; on PostgreSQL the monthly
    partitions' unique key holds observed_at, yet the observation is stored once, with its first time —
    resent alone, within one batch, or into another month's partition."""
    reading = {"source": "air", "source_id": "S1:pm25", "station_code": "S1", "quantity": "pm25",
               "observed_at": T0, "value": 35.0, "unit": "µg/m³"}
    skewed = dict(reading, observed_at=T0 + timedelta(seconds=90))
    other_month = dict(reading, observed_at=datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    with engine.begin() as conn:
        first = upsert(conn, SensorReading.__table__, [reading, skewed])
        again = upsert(conn, SensorReading.__table__, [skewed, other_month])
        stored = conn.execute(select(SensorReading.source_id, SensorReading.observed_at)).all()
    assert (first.new, first.unchanged, again.new, again.unchanged) == (1, 1, 0, 2)
    assert stored == [("S1:pm25", T0)]


def test_columns_left_out_of_the_rows_get_their_declared_defaults(engine):
    """A feed that does not say how often a ticket was returned, extended or reopened stores 0 (the columns'
    defaults), also for the rows of a batch whose first row does say it."""
    base = {"source": "hotline", "status": "received", "category": "noise", "requested_at": T0, "updated_at": T0,
            "ingested_at": T0}
    rows = [dict(base, source_id="C1", returned_count=2), dict(base, source_id="C2")]
    with engine.begin() as conn:
        counts = upsert(conn, Complaint.__table__, rows, version="updated_at")
        stored = conn.execute(select(Complaint.source_id, Complaint.returned_count, Complaint.extended_count,
                                     Complaint.reopened_count).order_by(Complaint.source_id)).all()
    assert counts.new == 2
    assert [tuple(r) for r in stored] == [("C1", 2, 0, 0), ("C2", 0, 0, 0)]


@pytest.mark.postgres
def test_stored_versions_are_looked_up_with_one_array_parameter_on_postgresql(postgres_engine):
    """On PostgreSQL the lookup of a batch's stored versions is one statement text whatever the batch size, its
    keys passed as one array (so psycopg can prepare it once and a batch never makes a placeholder per key)."""
    lookups = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "hall_ticket" in statement:
            lookups.append((statement, parameters))

    event.listen(postgres_engine, "before_cursor_execute", remember)
    with postgres_engine.begin() as conn:
        for size in (2, 5):
            upsert(conn, HallTicket.__table__, _tickets(size, T0), version="updated_at")
    event.remove(postgres_engine, "before_cursor_execute", remember)
    assert len(lookups) == 2 and lookups[0][0] == lookups[1][0]
    assert [sorted(v for v in params.values() if isinstance(v, list)) for _, params in lookups] == [
        [[f"T{i}" for i in range(2)]], [[f"T{i}" for i in range(5)]]
    ]
