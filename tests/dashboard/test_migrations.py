"""The Alembic migrations build exactly the schema the models describe, on both dialects."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from dashboard.db.migrate import schema_filter
from dashboard.db.models import Base, Complaint


def test_migrated_schema_matches_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": schema_filter(engine.dialect.name)}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_natural_keys_are_unique_constraints(engine):
    inspector = inspect(engine)
    # PostgreSQL's partitioned tables hold their partition key (the observation time) in every unique key.
    observations = ("observed_at",) if engine.dialect.name == "postgresql" else ()
    expected = {"complaint": (), "traffic_observation": observations, "sensor_reading": observations,
                "hall_ticket": ()}
    for table, partition_key in expected.items():
        keys = [tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)]
        assert ("source", "source_id", *partition_key) in keys, table


def test_sqlite_runs_in_wal_mode(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _hourly_sums(engine, keys: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT {keys}, SUM(received), SUM(due), SUM(due_met), SUM(rated) FROM complaint_hourly "
            f"GROUP BY {keys} ORDER BY {keys}")]


def test_department_rollup_migrates_both_ways_with_the_same_sums(engine):
    """0015 rebuilds the complaint rollups with the department the tickets name; its downgrade sums the
    departments out, and the hourly sums per district and category are the same on either side."""

    from dashboard.db import rollups
    from dashboard.db.migrate import upgrade
    from tests.dashboard.synthetic_city import populate

    populate(engine)
    with engine.begin() as conn:  # two tickets of one hour, district and category name two departments
        first = conn.execute(select(Complaint.source_id).order_by(Complaint.id).limit(1)).scalar()
        row = conn.execute(select(Complaint).where(Complaint.source_id == first)).mappings().one()
        copies = [dict(row, source_id=f"{first}-{d}", department_code=d) for d in ("D8", "D9")]
        conn.execute(insert(Complaint), [{k: v for k, v in c.items() if k != "id"} for c in copies])
        rollups.rebuild(conn, "complaints")
    keys = "hour, district_code, category"
    before = _hourly_sums(engine, keys)
    with engine.connect() as conn:
        named = conn.exec_driver_sql("SELECT COUNT(*) FROM complaint_hourly WHERE department_code = 'D9'").scalar()
        departments = conn.exec_driver_sql("SELECT SUM(received) FROM complaint_department_daily").scalar()
    assert named > 0 and departments == sum(row[3] for row in before) and before
    _downgrade(engine, "0014_partitions")
    assert _hourly_sums(engine, keys) == before
    upgrade(engine)
    assert _hourly_sums(engine, keys) == before


def _downgrade(engine, revision: str) -> None:
    """Run the migrations' downgrades down to ``revision`` on ``engine``."""
    from alembic import command

    from dashboard.db.migrate import alembic_config

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _by_local_month(engine, table: str, time_column: str, keys: str, measure: str) -> dict:
    """SUM(measure) of ``table`` per local month of Asia/Shanghai (the settings' zone) and ``keys``, summed in
    pandas from the rows as stored."""
    import pandas as pd

    with engine.connect() as conn:
        frame = pd.read_sql(f"SELECT {time_column} AS t, {keys}, {measure} AS m FROM {table}", conn)
    local = pd.to_datetime(frame["t"], utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    frame["month"] = local.dt.to_period("M").astype(str)
    return frame.groupby(["month", *keys.split(", ")])["m"].sum().to_dict()


def test_monthly_rollups_are_filled_from_the_daily_level(engine):
    """0021 adds the monthly level and fills it from the daily rows already stored: each local month's sums are
    its days' sums; the downgrade drops the tables."""

    from dashboard.db.migrate import upgrade
    from tests.dashboard.synthetic_city import populate

    populate(engine)
    daily = {"complaint": _by_local_month(engine, "complaint_daily", "day", "category", "received"),
             "duration": _by_local_month(engine, "duration_daily", "day", "kind, bucket", "tickets")}
    assert len({month for month, *_ in daily["complaint"]}) >= 2  # the synthetic city spans two local months
    _downgrade(engine, "0020_city_air_stations")
    assert "complaint_monthly" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert _by_local_month(engine, "complaint_monthly", "month", "category", "received") == daily["complaint"]
    assert _by_local_month(engine, "duration_monthly", "month", "kind, bucket", "tickets") == daily["duration"]


def _by_block(engine, table: str, time_column: str, keys: str, measure: str) -> dict:
    """SUM(measure) of ``table`` per four-hour UTC block (its start hour written out by hand: 0, 4, … 20) and
    ``keys``, summed in pandas from the rows as stored."""
    import pandas as pd

    with engine.connect() as conn:
        frame = pd.read_sql(f"SELECT {time_column} AS t, {keys}, {measure} AS m FROM {table}", conn)
    hours = pd.to_datetime(frame["t"], utc=True)
    frame["block"] = hours.dt.strftime("%Y-%m-%d ") + (hours.dt.hour // 4 * 4).astype(str)
    return frame.groupby(["block", *keys.split(", ")])["m"].sum().to_dict()


def _by_local_dekad(engine, table: str, time_column: str, keys: str, measure: str) -> dict:
    """SUM(measure) of ``table`` per local dekad of Asia/Shanghai (days 1-10, 11-20, 21 on, by hand) and ``keys``,
    summed in pandas from the rows as stored."""
    import pandas as pd

    with engine.connect() as conn:
        frame = pd.read_sql(f"SELECT {time_column} AS t, {keys}, {measure} AS m FROM {table}", conn)
    local = pd.to_datetime(frame["t"], utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    third = local.dt.day.map(lambda day: "1" if day <= 10 else "2" if day <= 20 else "3")
    frame["dekad"] = local.dt.strftime("%Y-%m ") + third
    return frame.groupby(["dekad", *keys.split(", ")])["m"].sum().to_dict()


def test_dekad_rollups_are_filled_from_the_daily_level(engine):
    """0023 adds the dekad level and fills it from the daily rows already stored: each local dekad's sums are its
    days' sums; the downgrade drops the tables."""
    from dashboard.db.migrate import upgrade
    from tests.dashboard.synthetic_city import populate

    populate(engine)
    daily = {"duration": _by_local_dekad(engine, "duration_daily", "day", "kind, bucket", "tickets"),
             "traffic": _by_local_dekad(engine, "traffic_daily", "day", "segment_code", "observations")}
    assert len({dekad for dekad, *_ in daily["duration"]}) >= 2  # the synthetic city's tickets span two dekads
    _downgrade(engine, "0022_block_rollups")
    assert "traffic_dekad" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert _by_local_dekad(engine, "duration_dekad", "dekad", "kind, bucket", "tickets") == daily["duration"]
    assert _by_local_dekad(engine, "traffic_dekad", "dekad", "segment_code", "observations") == daily["traffic"]


def test_block_rollups_are_filled_from_the_hourly_level(engine):
    """0022 adds the four-hour block level and fills it from the hourly rows already stored: each block's sums
    are its four hours' sums; the downgrade drops the tables."""

    from dashboard.db.migrate import upgrade
    from tests.dashboard.synthetic_city import populate

    populate(engine)
    hourly = {"complaint": _by_block(engine, "complaint_hourly", "hour", "category", "received"),
              "duration": _by_block(engine, "duration_hourly", "hour", "kind, bucket", "tickets"),
              "traffic": _by_block(engine, "traffic_hourly", "hour", "segment_code", "observations")}
    assert len({block for block, *_ in hourly["complaint"]}) >= 12  # the synthetic city spans days of blocks
    _downgrade(engine, "0021_monthly_rollups")
    assert "complaint_block" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert _by_block(engine, "complaint_block", "block", "category", "received") == hourly["complaint"]
    assert _by_block(engine, "duration_block", "block", "kind, bucket", "tickets") == hourly["duration"]
    assert _by_block(engine, "traffic_block", "block", "segment_code", "observations") == hourly["traffic"]


def _by_hour(engine, table: str, measures: tuple[str, ...]) -> dict:
    """Per hour, the sums of ``measures`` of ``table``, summed in pandas from the rows as stored."""
    import pandas as pd

    with engine.connect() as conn:
        frame = pd.read_sql(f"SELECT hour, {', '.join(measures)} FROM {table}", conn)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    sums = frame.groupby("hour")[list(measures)].sum()
    return {hour: tuple(round(float(v), 6) for v in row) for hour, row in sums.iterrows()}


def test_city_hourly_rollups_are_filled_from_the_hourly_level(engine):
    """0024 adds the city totals per hour and fills them from the hourly rows already stored: each hour's sums are
    its rows' sums over every district, category and department (or hall and service item); the downgrade drops
    the tables."""
    from dashboard.db.migrate import upgrade
    from tests.dashboard.synthetic_city import populate

    complaint = ("received", "closed", "due_met", "handling_seconds", "overdue_from")
    hall = ("issued", "called", "wait_seconds")
    populate(engine)
    hourly = {"complaint": _by_hour(engine, "complaint_hourly", complaint),
              "hall": _by_hour(engine, "hall_hourly", hall)}
    with engine.connect() as conn:  # the synthetic city has hours of several rows to sum
        most = conn.exec_driver_sql("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM complaint_hourly GROUP BY hour) t")
        assert most.scalar() > 1
    assert len(hourly["complaint"]) >= 12 and len(hourly["hall"]) >= 4, {k: len(v) for k, v in hourly.items()}
    _downgrade(engine, "0023_dekad_rollups")
    assert "complaint_city_hourly" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert _by_hour(engine, "complaint_city_hourly", complaint) == hourly["complaint"]
    assert _by_hour(engine, "hall_city_hourly", hall) == hourly["hall"]
