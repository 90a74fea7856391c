"""Tabular dialects: fields combined from several columns, computed fields, row filters and files dropped twice,
through the documented examples and hand-made files."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedkit import make_feed
from sqlalchemy import select

from collectors.config import FeedConfigError, load_feeds, parse_feeds
from collectors.runner import FeedRunner
from collectors.tabular.units import canonical
from dashboard.db.models import FeedRun, Quarantine, SensorReading

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "data" / "feeds" / "examples"
FIXTURES = Path(__file__).parent / "fixtures" / "tabular"
NOW = datetime(2026, 11, 22, tzinfo=UTC)


def _example(name: str, env: dict[str, str]):
    (feed,) = load_feeds(EXAMPLES / name, env=env)
    return feed


def _drop(folder: Path, fixture: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / fixture, folder / fixture)


def _readings(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {r.source_id: (r.observed_at, r.value, r.unit) for r in conn.execute(select(SensorReading))}


def test_time_split_over_columns_and_a_computed_value(engine, tmp_path):
    feed = _example("tabular-hourly-split-time.toml", {"CITYOPS_AIR_HOURLY_DROP_DIR": str(tmp_path / "drop")})
    _drop(tmp_path / "drop", "hourly_split.csv")
    result = FeedRunner(engine).run(feed, now=NOW)
    assert (result.status, result.new, result.rejected) == ("ok", 4, 0)
    readings = _readings(engine)
    # Asia/Shanghai (+08:00): 2026-11-21 00:00 local is 2026-11-20 16:00 UTC; NO2 µg/m³ = ppb × 1.88
    assert readings["3399A01:2026:11:21:0"] == (datetime(2026, 11, 20, 16, tzinfo=UTC), pytest.approx(18.8), "µg/m³")
    assert readings["3399A01:2026:11:21:1"][:2] == (datetime(2026, 11, 20, 17, tzinfo=UTC), pytest.approx(23.5))
    assert readings["3399A01:2026:11:21:23"][1] is None  # "NA": no data, stored as such
    assert readings["3399A02:2026:11:21:9"][:2] == (datetime(2026, 11, 21, 1, tzinfo=UTC), pytest.approx(37.6))


def test_a_national_station_file_feeds_only_the_city(engine, tmp_path):
    feed = _example("tabular-national-stations.toml", {"CITYOPS_AIR_NATIONAL_DROP_DIR": str(tmp_path / "drop")})
    _drop(tmp_path / "drop", "national_stations.csv")
    result = FeedRunner(engine).run(feed, now=NOW)
    assert (result.status, result.new, result.rejected) == ("ok", 2, 0)
    assert {k: v[1] for k, v in _readings(engine).items()} == {
        "3399A01:2026-11-21 09:00": 57.0,
        "3399A02:2026-11-21 09:00": 63.0,
    }
    with engine.connect() as conn:
        run = conn.execute(select(FeedRun)).one()
        assert conn.execute(select(Quarantine)).first() is None
    # other cities (2), AQI -1 (1), a point outside the districts (1); pm25 of the two kept rows is read by nothing
    assert (run.fetched, run.filtered, run.unread_json) == (2, 4, '{"pm25": 2}')


def test_a_file_dropped_again_says_so_in_the_run_record(engine, tmp_path, caplog):
    feed = _example("tabular-hourly-split-time.toml", {"CITYOPS_AIR_HOURLY_DROP_DIR": str(tmp_path / "drop")})
    _drop(tmp_path / "drop", "hourly_split.csv")
    runner = FeedRunner(engine)
    runner.run(feed, now=NOW)
    _drop(tmp_path / "drop", "hourly_split.csv")
    with caplog.at_level("INFO", logger="collectors.runner"):
        again = runner.run(feed, now=NOW)
    assert (again.fetched, again.new) == (0, 0)
    with engine.connect() as conn:
        note = conn.execute(select(FeedRun.note).order_by(FeedRun.id.desc()).limit(1)).scalar_one()
    assert "file hourly_split.csv was already processed (same name and SHA-256)" in note
    assert "feeds reprocess air-hourly-split hourly_split.csv" in note
    assert note in caplog.text


def test_value_tables_and_units_tolerate_case_and_spacing(engine, tmp_path):
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "q.csv").write_text(
        "id,when,level,speed\nS1,2026-11-21T09:00:00+08:00, Light  Jam ,36\n", encoding="utf-8"
    )
    feed = make_feed(
        name="traffic-x", domain="traffic", protocol="tabular", url=None, folder=tmp_path / "drop",
        options={
            "key": ["id", "when"],
            "fields": {
                "segment_code": "id",
                "observed_at": "when",
                "congested": {"column": "level", "values": {"light jam": "true", "free": "false"}},
                "speed_kmh": {"column": "speed", "unit": " M / S "},
            },
        },
    )
    assert FeedRunner(engine).run(feed, now=NOW).new == 1
    assert canonical("ug / m3") == "µg/m³" and canonical("KM/H") == "km/h"
    from dashboard.db.models import TrafficObservation

    with engine.connect() as conn:
        row = conn.execute(select(TrafficObservation)).one()
    assert (row.congested, row.speed_kmh) == (True, pytest.approx(129.6))  # 36 m/s × 3.6


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"expr": "__import__('os') * {a}"}, "only numbers, {columns}, + - * / and parentheses"),
        ({"expr": "{a} +"}, "is not arithmetic"),
        ({"template": "{year}-{}"}, "name a column in every {}"),
        ({"template": "{a}", "column": "a"}, "give exactly one of column, path, value, template, columns, expr"),
    ],
)
def test_wrong_computed_fields_are_refused_when_the_file_loads(field, message):
    feed = {
        "name": "t", "domain": "sensors", "protocol": "tabular", "folder": "/tmp",
        "options": {"key": ["a"], "fields": {"value": field}},
    }
    with pytest.raises(FeedConfigError, match="feed t: ") as error:
        parse_feeds({"feed": [feed]})
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"column": "city"}, "needs equals, in, regex, min/max or inside"),
        ({"equals": "x"}, "reads exactly one column or path"),
        ({"inside": "/nonexistent/boundary.geojson"}, "boundary /nonexistent/boundary.geojson"),
    ],
)
def test_wrong_where_conditions_are_refused_when_the_file_loads(condition, message):
    feed = {
        "name": "t", "domain": "sensors", "protocol": "tabular", "folder": "/tmp",
        "options": {"key": ["a"], "where": [condition]},
    }
    with pytest.raises(FeedConfigError, match="feed t: ") as error:
        parse_feeds({"feed": [feed]})
    assert message in str(error.value)
