"""The CNEMC preset stores each published AQI beside the readings; every published station-hour agrees with
ours (the real file, read at test time), and a disagreement is named by station and hour."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from collectors.config import load_feeds
from collectors.runner import FeedRunner
from dashboard.alerts.evaluate import evaluate
from dashboard.cli import app
from dashboard.db.models import Alert, PublishedFigure
from dashboard.kpis.published import primary_of
from dashboard.queries import published
from dashboard.settings import get_settings
from tests.oracle import oracle

PRESET = Path(__file__).resolve().parents[2] / "data" / "feeds" / "examples" / "tabular-cnemc.toml"
#: Jiaxing's own feeds (docs/city.md), which read the same CNEMC file.
JIAXING = Path(__file__).resolve().parents[2] / "data" / "cities" / "jiaxing" / "feeds.toml"
CNEMC = "china/cnemc_stations_jiaxing_hangzhou_wuxi_2017-07-07T16_2018-02-20T07.geojson"
RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


def _ingest(engine, realdata, tmp_path, feeds: Path = PRESET) -> None:
    (tmp_path / "air").mkdir()
    shutil.copy(realdata / CNEMC, tmp_path / "air" / "cnemc.geojson")
    (feed,) = load_feeds(feeds, env={"CITYOPS_AIR_DROP_DIR": str(tmp_path / "air")})
    result = FeedRunner(engine).run(feed, now=RUN_AT)
    # 44 station-hours, each 6 readings and the published AQI: every record fetched is counted as stored
    assert (result.status, result.fetched, result.new, result.rejected) == ("ok", 44 * 7, 44 * 7, 0)


def test_primary_names():
    assert primary_of("细颗粒物(PM2.5)") == "pm25"
    assert primary_of("臭氧8小时,颗粒物(PM10)") == "pm10,o3"
    assert primary_of(None) == ""


@pytest.mark.parametrize("feeds", [PRESET, JIAXING], ids=["preset", "jiaxing"])
def test_preset_reproduces_every_published_aqi(engine, realdata, tmp_path, feeds):
    _ingest(engine, realdata, tmp_path, feeds)
    compared = published.aqi_comparison(engine, TZ)
    assert len(compared) == 43
    assert compared["agrees"].all(), compared[~compared["agrees"]].to_string()
    first = compared[(compared["station_code"] == "1195A") & (compared["observed_at"].dt.year == 2017)].iloc[0]
    assert (first["published_aqi"], first["published_primary"], first["aqi"]) == (58, "pm25", 58)
    rates = published.aqi_agreement(engine, TZ)
    assert rates.to_dict("records") == [{"source": "air-cnemc", "compared": 43, "agreeing": 43, "rate": 1.0}]


def test_a_disagreement_is_named_by_station_and_hour(engine, realdata, tmp_path):
    _ingest(engine, realdata, tmp_path)
    with engine.begin() as conn:
        conn.execute(
            update(PublishedFigure)
            .where(
                PublishedFigure.station_code == "1188A",
                PublishedFigure.observed_at == datetime(2017, 7, 7, 8, tzinfo=UTC),
            )
            .values(value=60)
        )
    rates = published.aqi_agreement(engine, TZ)
    assert (rates.at[0, "agreeing"], rates.at[0, "compared"]) == (42, 43)
    observed = published.disagreements(engine, datetime(2017, 7, 7, 9, tzinfo=UTC), TZ)
    assert len(observed) == 22  # the 2017 hour's stations, each with its difference (0 when agreeing)
    wrong = observed[observed["value"] > 0].reset_index(drop=True)
    assert wrong[["subject", "value"]].to_dict("records") == [{"subject": "1188A@2017-07-07T08:00Z", "value": 25.0}]
    assert wrong.at[0, "name_zh"] == "1188A 2017-07-07 16:00"
    evaluate(engine, datetime(2017, 7, 7, 9, tzinfo=UTC), TZ, 3.0)
    with engine.connect() as conn:
        alerts = conn.execute(select(Alert.subject, Alert.message_en).where(Alert.rule == "published_aqi")).all()
    assert [tuple(a) for a in alerts] == [
        ("1188A@2017-07-07T08:00Z", "1188A 2017-07-07 16:00: the published AQI differs from ours by 25")
    ]


def test_reconcile_shows_the_agreement(sqlite_engine, realdata, tmp_path, monkeypatch):
    _ingest(sqlite_engine, realdata, tmp_path)
    monkeypatch.setenv("CITYOPS_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["reconcile"])
    finally:
        get_settings.cache_clear()
    assert "published AQI air-cnemc: 43/43 agree (100.0%)" in result.output, result.output


def test_agreement_over_a_period(engine, realdata, tmp_path):
    """The feeds page's agreement over its period: the published station-hours of [since, until) alone, as the
    oracle counts them from the raw rows."""
    _ingest(engine, realdata, tmp_path)
    since, until = datetime(2017, 7, 7, tzinfo=UTC), datetime(2017, 7, 8, tzinfo=UTC)
    rates = published.aqi_agreement(engine, TZ, since, until).to_dict("records")
    expected = oracle.published_agreement(engine, since, until, TZ)
    assert [(r["source"], r["compared"], r["agreeing"]) for r in rates] == [
        (source, *counts) for source, counts in expected.items()
    ]
    assert 0 < rates[0]["compared"] < 43
    assert published.aqi_agreement(engine, TZ, until, datetime(2018, 1, 1, tzinfo=UTC)).empty
