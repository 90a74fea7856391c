"""Fact tables partitioned by month on PostgreSQL, and the retention that drops old months while the rollups
keep answering for them. Expected months and values are worked out here by hand or from the raw rows (pandas)
before they are dropped, never read back from the code under test."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import Engine, func, insert, select, text

from collectors import protocols
from collectors.config import FeedConfig
from collectors.contract import Batch, Collector, SourceRecord
from collectors.runner import FeedRunner
from collectors.sinks import store
from dashboard.db import partitions, rollups
from dashboard.db.locks import take_turns
from dashboard.db.models import (
    HallTicket,
    Quarantine,
    SensorReading,
    TrafficDaily,
    TrafficHourly,
    TrafficMonthly,
    TrafficObservation,
)
from dashboard.db.upsert import upsert
from dashboard.settings import get_settings

pytestmark = pytest.mark.postgres
TZ = "Asia/Shanghai"


def _where(engine: Engine, table: str) -> dict[str, int]:
    """Rows per partition (the physical table each row sits in)."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")).all()
    return dict(rows)


def _partitions(engine: Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t)"
        ), {"t": table}).scalars())


def _observations(start: datetime, hours: int, segment: str = "S1", every_min: int = 20) -> list[dict]:
    rows = []
    for k in range(hours * 60 // every_min):
        at = start + timedelta(minutes=every_min * k)
        rows.append({"source_id": f"{segment}@{at:%Y%m%dT%H%M}", "segment_code": segment, "observed_at": at,
                     "period_s": 60 * every_min, "speed_kmh": 20.0 + k % 7, "free_flow_kmh": 50.0,
                     "volume": float(10 + k % 5), "occupancy": 0.1, "congested": k % 3 == 0})
    return rows


@pytest.fixture
def retention(monkeypatch):
    """Set CITYOPS_RETENTION_MONTHS for the test (the settings are read once per process)."""

    def set_months(months: int | None) -> None:
        monkeypatch.setenv("CITYOPS_RETENTION_MONTHS", "" if months is None else str(months))
        get_settings.cache_clear()

    yield set_months
    monkeypatch.delenv("CITYOPS_RETENTION_MONTHS", raising=False)
    get_settings.cache_clear()


def test_migration_creates_this_month_three_ahead_and_a_default(postgres_engine):
    this = pd.Period(datetime.now(UTC).replace(tzinfo=None), "M")
    for table in ("traffic_observation", "sensor_reading"):
        expected = {f"{table}_p{(this + k).strftime('%Y%m')}" for k in range(4)} | {f"{table}_default"}
        assert _partitions(postgres_engine, table) == expected
    assert _partitions(postgres_engine, "complaint") == set()  # records updated over months stay whole


def test_a_month_without_partition_is_created_by_the_collectors_and_upserts_stay_idempotent(postgres_engine):
    rows = _observations(datetime(2025, 3, 31, 22, tzinfo=UTC), 4)  # 22:00 on 31 March to 02:00 on 1 April
    with postgres_engine.begin() as conn:
        first = store(conn, "traffic", "ngsi", rows, datetime.now(UTC), timezone=TZ)
    with postgres_engine.begin() as conn:
        again = store(conn, "traffic", "ngsi", rows, datetime.now(UTC), timezone=TZ)
    assert (first.new, again.new, again.unchanged) == (12, 0, 12)  # ON CONFLICT on (source, source_id, observed_at)
    assert _where(postgres_engine, "traffic_observation") == {
        "traffic_observation_p202503": 6, "traffic_observation_p202504": 6,
    }


def test_an_insert_into_a_month_without_partition_lands_in_the_default_one_until_maintenance(postgres_engine):
    rows = [{"source": "import", **row} for row in _observations(datetime(2024, 6, 10, tzinfo=UTC), 2)]
    with postgres_engine.begin() as conn:
        conn.execute(insert(TrafficObservation), rows)  # a plain import, bypassing the collectors
    assert _where(postgres_engine, "traffic_observation") == {"traffic_observation_default": 6}
    with postgres_engine.begin() as conn:
        done = partitions.maintain(conn, datetime.now(UTC), None)
    assert "traffic_observation_p202406" in done["created"] and done["dropped"] == []
    assert _where(postgres_engine, "traffic_observation") == {"traffic_observation_p202406": 6}


def _hourly(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(select(TrafficHourly).where(TrafficHourly.hour >= start, TrafficHourly.hour < end)
                            .order_by(TrafficHourly.hour), conn)
    return frame


def _month(offset: int) -> datetime:
    """The start of the UTC month ``offset`` months from the current one."""
    period = pd.Period(datetime.now(UTC).replace(tzinfo=None), "M") + offset
    return period.to_timestamp().to_pydatetime().replace(tzinfo=UTC)


def test_retention_drops_old_months_and_the_rollups_still_answer_for_them(postgres_engine, retention):
    now = datetime.now(UTC)
    oldest, straddling = _month(-5), _month(-3) - timedelta(hours=4)  # 20:00 on the last day of month -4
    with postgres_engine.begin() as conn:
        for start in (oldest, straddling, _month(-2)):
            store(conn, "traffic", "ngsi", _observations(start, 12), now, timezone=TZ)
    with postgres_engine.connect() as conn:  # the oldest month's hours as pandas computes them from the raw rows
        raw = pd.read_sql(select(TrafficObservation).where(TrafficObservation.observed_at < _month(-4)), conn)
    by_hour = raw.assign(hour=raw.observed_at.dt.floor("h")).groupby("hour").agg(
        observations=("id", "size"), speed_sum=("speed_kmh", "sum"), volume_sum=("volume", "sum"))
    oldest_days = _daily(postgres_engine, oldest, _month(-4) + timedelta(days=1))

    retention(3)  # months -3 … 0 kept: the horizon is the start of month -3
    with postgres_engine.begin() as conn:
        done = partitions.maintain(conn, now, get_settings().retention_months)
    name = "traffic_observation_p{:%Y%m}".format
    assert sorted(done["dropped"]) == [name(_month(-5)), name(_month(-4))]
    assert set(_where(postgres_engine, "traffic_observation")) == {name(_month(-3)), name(_month(-2))}
    assert f"sensor_reading_p{_month(-5):%Y%m}" not in _partitions(postgres_engine, "sensor_reading")

    hourly = _hourly(postgres_engine, oldest, _month(-4))
    assert len(hourly) == 12
    assert hourly.observations.tolist() == by_hour.observations.tolist() == [3] * 12
    assert hourly.speed_sum.tolist() == pytest.approx(by_hour.speed_sum.tolist())
    assert hourly.volume_sum.tolist() == pytest.approx(by_hour.volume_sum.tolist())

    with postgres_engine.begin() as conn:  # a full rebuild keeps what only the rollups still know
        rollups.rebuild(conn, "traffic", TZ)
    assert _hourly(postgres_engine, oldest, _month(-4)).observations.sum() == 36
    assert _hourly(postgres_engine, straddling, straddling + timedelta(hours=12)).observations.sum() == 36
    assert _daily(postgres_engine, oldest, _month(-4) + timedelta(days=1)).equals(oldest_days)


def test_a_rebuild_under_retention_keeps_the_local_day_and_month_straddling_the_horizon(postgres_engine, retention):
    # In New York the horizon (00:00 UTC on the 1st of month -3) is 19:00 or 20:00 on the last day of the month
    # before: that local day and month straddle it. Twelve hours of readings (3 an hour) end at the horizon, in
    # month -4's partition, which retention drops; no reading comes after the horizon.
    zone, horizon, now = "America/New_York", _month(-3), datetime.now(UTC)
    with postgres_engine.begin() as conn:
        store(conn, "traffic", "ngsi", _observations(horizon - timedelta(hours=12), 12), now, timezone=zone)
    retention(3)
    with postgres_engine.begin() as conn:
        partitions.maintain(conn, now, get_settings().retention_months)
        rollups.rebuild(conn, "traffic", zone)
    local = horizon.astimezone(ZoneInfo(zone))
    day = datetime(local.year, local.month, local.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    month = datetime(local.year, local.month, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    with postgres_engine.connect() as conn:
        daily = conn.execute(select(TrafficDaily.day, TrafficDaily.observations)).all()
        monthly = conn.execute(select(TrafficMonthly.month, TrafficMonthly.observations)).all()
    assert [(d.astimezone(UTC), n) for d, n in daily] == [(day, 36)]
    assert [(m.astimezone(UTC), n) for m, n in monthly] == [(month, 36)]


def _daily(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(select(TrafficDaily.day, TrafficDaily.observations, TrafficDaily.speed_sum)
                           .where(TrafficDaily.day >= start, TrafficDaily.day < end).order_by(TrafficDaily.day), conn)


class OldAndNewReadings(Collector):
    """Two readings: one of a month beyond retention, one of the current month."""

    def fetch(self, cursor) -> Batch:
        now = cursor.run_started_at
        times = {"old": now - timedelta(days=200), "new": now - timedelta(minutes=5)}
        return Batch(records=[
            SourceRecord(ref=f"st1:{key}", raw={"t": at.isoformat()}, data={
                "station_code": "st1", "quantity": "pm25", "observed_at": at, "value": 30.0, "unit": "µg/m³"})
            for key, at in times.items()
        ])


def test_the_collectors_quarantine_a_reading_of_a_month_beyond_retention(postgres_engine, retention, monkeypatch):
    monkeypatch.setitem(protocols.PROTOCOLS, "oldnew", f"{__name__}:OldAndNewReadings")
    retention(3)
    feed = FeedConfig(name="air", domain="sensors", protocol="oldnew", url="http://x")
    runner = FeedRunner(postgres_engine, timezone=TZ)
    runner.mirror([feed])
    result = runner.run(feed)
    assert (result.status, result.new, result.rejected) == ("ok", 1, 1)
    with postgres_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SensorReading)).scalar() == 1
        record, field, reason = conn.execute(select(Quarantine.record_ref, Quarantine.field, Quarantine.reason)).one()
    assert (record, field) == ("st1:old", "observed_at")
    assert "before the retention horizon" in reason and "CITYOPS_RETENTION_MONTHS=3" in reason


def test_the_migration_moves_existing_rows_into_their_months_and_back(postgres_engine):
    from alembic import command

    from dashboard.db.migrate import alembic_config, upgrade

    config = alembic_config(postgres_engine.url.render_as_string(hide_password=False))
    with postgres_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0011_session_version")
    assert _partitions(postgres_engine, "traffic_observation") == set()
    rows = [{"source": "old", **row} for row in _observations(datetime(2025, 1, 31, 23, tzinfo=UTC), 2)]
    with postgres_engine.begin() as conn:
        conn.execute(insert(TrafficObservation), rows)
        last_id = conn.execute(select(func.max(TrafficObservation.id))).scalar()
    upgrade(postgres_engine)
    assert _where(postgres_engine, "traffic_observation") == {
        "traffic_observation_p202501": 3, "traffic_observation_p202502": 3,
    }
    with postgres_engine.begin() as conn:  # the id sequence carries on
        new_id = conn.execute(insert(TrafficObservation).returning(TrafficObservation.id),
                              [{"source": "new", **_observations(datetime(2025, 2, 2, tzinfo=UTC), 1)[0]}]).scalar()
    assert new_id == last_id + 1


def _analysed_rows(engine: Engine, partition: str) -> float:
    """The rows the planner believes the partition holds (-1: never analysed)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :p"), {"p": partition}).scalar()


def test_a_month_a_batch_fills_is_analysed_at_once(postgres_engine):
    """Autovacuum (off on some servers, a minute away on the others) is not waited for: a month a batch at least
    doubles is analysed at once, so that the planner knows its rows when it checks the next batch's keys."""
    start = datetime(2025, 5, 3, tzinfo=UTC)
    month = "traffic_observation_p202505"
    rows = _observations(start, 40, every_min=1)  # 2,400 readings, all in May 2025
    with postgres_engine.begin() as conn:
        store(conn, "traffic", "ngsi", rows, datetime.now(UTC), timezone=TZ)
    assert _analysed_rows(postgres_engine, month) == len(rows)
    with postgres_engine.begin() as conn:  # a few more rows do not make it analysed again
        store(conn, "traffic", "ngsi", _observations(start + timedelta(days=5), 2, every_min=1), datetime.now(UTC),
              timezone=TZ)
    assert _analysed_rows(postgres_engine, month) == len(rows)


def test_a_batch_of_a_few_rows_analyses_nothing(postgres_engine):
    with postgres_engine.begin() as conn:
        store(conn, "traffic", "ngsi", _observations(datetime(2025, 7, 3, tzinfo=UTC), 4), datetime.now(UTC),
              timezone=TZ)
    assert _analysed_rows(postgres_engine, "traffic_observation_p202507") == -1


def test_a_table_not_partitioned_a_batch_fills_is_analysed_too(postgres_engine):
    at = datetime(2025, 5, 3, 8, tzinfo=UTC)
    rows = [{"source": "hall", "source_id": f"T{k}", "hall_code": "H1", "status": "waiting",
             "issued_at": at + timedelta(seconds=10 * k), "updated_at": at + timedelta(seconds=10 * k)}
            for k in range(1500)]
    with postgres_engine.begin() as conn:
        upsert(conn, HallTicket.__table__, rows, version="updated_at")
    assert _analysed_rows(postgres_engine, "hall_ticket") == len(rows)


def test_a_table_one_upsert_fills_is_analysed_as_it_doubles(postgres_engine, monkeypatch):
    """A versioned upsert looks up each chunk's stored versions in the table its earlier chunks are filling. Left
    unanalysed, the planner filtered every row against the chunk's 500 keys: 200,000 hall tickets took more than
    14 minutes in one upsert. At each lookup past the first 1,000 rows, the planner must know at least half of
    what the upsert has written, from a few analyses."""
    from dashboard.db import upsert as upserting

    at = datetime(2025, 6, 3, 8, tzinfo=UTC)
    rows = [{"source": "hall", "source_id": f"T{k}", "hall_code": "H1", "status": "waiting",
             "issued_at": at + timedelta(seconds=10 * k), "updated_at": at + timedelta(seconds=10 * k)}
            for k in range(6000)]
    seen: list[tuple[int, float]] = []  # (rows in the table, rows the planner believes it holds) at each lookup
    lookup = upserting._existing_versions

    def watched(conn, *args):
        held = conn.execute(text("SELECT count(*) FROM hall_ticket")).scalar()
        seen.append((held, conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'hall_ticket'")).scalar()))
        return lookup(conn, *args)

    monkeypatch.setattr(upserting, "_existing_versions", watched)
    with postgres_engine.begin() as conn:
        upsert(conn, HallTicket.__table__, rows, version="updated_at")
    assert len(seen) == 12
    assert all(believed >= held / 2 for held, believed in seen if held >= 1000), seen
    assert len({believed for _, believed in seen}) <= 5, seen  # never analysed, then 1,000, 2,000 and 4,000 rows


def test_a_store_creating_a_month_while_another_transaction_does_waits_its_turn_without_a_deadlock(postgres_engine):
    """A store whose rows fall in a month without its partition creates it, taking its turn at partition changes,
    while another transaction holds that turn and creates a month of its own (CREATE … PARTITION OF needs the
    default partition to itself). The store must wait for its turn before it reads the table: a read first keeps
    the default partition from the other, and the two wait on each other until PostgreSQL fails one of them."""
    month, other = datetime(2031, 3, 1, tzinfo=UTC), datetime(2031, 5, 1, tzinfo=UTC)  # beyond those made ahead
    rows = [{**row, "source": "ngsi"} for row in _observations(month + timedelta(days=2), 1)]
    failures: list[BaseException] = []
    holder = postgres_engine.connect()
    transaction = holder.begin()
    take_turns(holder, "partition maintenance")  # as partition maintenance begins

    def store_rows() -> None:
        try:
            with postgres_engine.begin() as conn:
                upsert(conn, TrafficObservation.__table__, rows)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    worker = threading.Thread(target=store_rows)
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive()  # waiting for its turn
    try:
        partitions.create_month(holder, "traffic_observation", other)
        transaction.commit()
    finally:
        holder.close()
    worker.join(timeout=30)
    assert not worker.is_alive() and failures == []
    assert _where(postgres_engine, "traffic_observation") == {"traffic_observation_p203103": len(rows)}
