"""Recovering after a fix: a dry run shows the mistake, a replay or a reprocessed file repairs it, and
reconciliation stays clean."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from collectors.config import load_feeds
from collectors.replay import ReplayError, replay, reprocess
from collectors.runner import FeedRunner
from dashboard.cli import app
from dashboard.db.models import FeedRun, FeedState, Quarantine, SensorReading
from dashboard.db.reconcile import reconcile
from dashboard.settings import get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / "data" / "feeds" / "examples" / "tabular-hourly-split-time.toml"
FIXTURES = Path(__file__).parent / "fixtures" / "tabular"
NOW = datetime(2026, 11, 22, tzinfo=UTC)
#: The mistake: the template writes "2026-11-21 00:00", the format expects slashes.
WRONG = '"%Y/%m/%d %H:%M"'


def _feeds_file(tmp_path: Path, wrong: bool) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("${CITYOPS_AIR_HOURLY_DROP_DIR:-var/drop/air-hourly}", str(tmp_path / "drop"))
    if wrong:
        text = text.replace('"%Y-%m-%d %H:%M"', WRONG)
    path = tmp_path / ("wrong.toml" if wrong else "fixed.toml")
    path.write_text(text, encoding="utf-8")
    return path


def _feed(tmp_path: Path, wrong: bool):
    (feed,) = load_feeds(_feeds_file(tmp_path, wrong))
    return feed


def _drop(tmp_path: Path) -> None:
    (tmp_path / "drop").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "hourly_split.csv", tmp_path / "drop" / "hourly_split.csv")


def _account(engine, name: str):
    with engine.connect() as conn:
        return next(a for a in reconcile(conn) if a.feed == name)


def _quarantined(engine, field: str | None = None) -> int:
    stmt = select(func.count()).select_from(Quarantine)
    if field is not None:
        stmt = stmt.where(Quarantine.field == field)
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def _ingest_wrong(engine, tmp_path):
    wrong = _feed(tmp_path, wrong=True)
    runner = FeedRunner(engine)
    runner.mirror([wrong])
    _drop(tmp_path)
    result = runner.run(wrong, now=NOW)
    assert (result.new, result.rejected) == (0, 4)
    assert _quarantined(engine, "observed_at") == 4 and _account(engine, wrong.name).problems == []
    return runner


def test_a_fixed_mapping_replayed_leaves_no_quarantine_and_reconcile_clean(engine, tmp_path):
    _ingest_wrong(engine, tmp_path)
    fixed = _feed(tmp_path, wrong=False)
    result = replay(engine, fixed, now=NOW)
    assert (result.replayed, result.new, result.rejected, result.kept) == (4, 4, 0, 0)
    assert _quarantined(engine, "observed_at") == 0
    account = _account(engine, fixed.name)
    assert account.problems == [] and (account.rejected, account.released, account.stored) == (4, 4, 4)
    with engine.connect() as conn:
        run = conn.execute(select(FeedRun).where(FeedRun.kind == "replay")).one()
        assert conn.execute(select(func.count()).select_from(SensorReading)).scalar_one() == 4
    assert (run.fetched, run.new, run.released, run.note) == (4, 4, 4, "replay of 4 quarantined records")
    assert replay(engine, fixed, now=NOW).replayed == 0  # nothing left to replay


def test_a_replay_that_still_fails_quarantines_anew_and_reconciles(engine, tmp_path):
    _ingest_wrong(engine, tmp_path)
    still_wrong = _feed(tmp_path, wrong=True)
    with engine.connect() as conn:
        state_before = conn.execute(select(FeedState)).one()
    result = replay(engine, still_wrong, since=NOW, now=NOW)
    assert (result.replayed, result.new, result.rejected) == (4, 0, 4)
    assert _quarantined(engine) == 4 and _account(engine, still_wrong.name).problems == []
    with engine.connect() as conn:  # a replay is no poll of the upstream: the feed's health is as it was
        assert conn.execute(select(FeedState)).one() == state_before


def test_a_processed_file_reprocessed_after_the_fix(engine, tmp_path):
    _ingest_wrong(engine, tmp_path)
    assert (tmp_path / "drop" / "processed" / "hourly_split.csv").is_file()
    fixed = _feed(tmp_path, wrong=False)
    result = reprocess(engine, fixed, "hourly_split.csv")
    assert (result.status, result.fetched, result.new, result.rejected) == ("ok", 4, 4, 0)
    assert _quarantined(engine) == 0 and _account(engine, fixed.name).problems == []
    assert (tmp_path / "drop" / "processed" / "hourly_split.csv").is_file()  # moved away again once stored
    with pytest.raises(ReplayError, match="no processed or rejected file nothing.csv"):
        reprocess(engine, fixed, "nothing.csv")


def test_a_rejected_file_reprocessed_after_the_fix(engine, tmp_path):
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "hourly_split.csv").write_bytes(b"\x00binary")
    feed = _feed(tmp_path, wrong=False)
    runner = FeedRunner(engine)
    runner.mirror([feed])
    assert runner.run(feed, now=NOW).rejected == 1
    assert (tmp_path / "drop" / "rejected" / "hourly_split.csv.reason.txt").is_file()
    shutil.copy(FIXTURES / "hourly_split.csv", tmp_path / "drop" / "rejected" / "hourly_split.csv")  # the fixed file
    assert reprocess(engine, feed, "hourly_split.csv", runner).new == 4
    assert not (tmp_path / "drop" / "rejected" / "hourly_split.csv.reason.txt").exists()
    assert _quarantined(engine) == 0 and _account(engine, feed.name).problems == []


@pytest.fixture
def cli_env(monkeypatch, sqlite_engine):
    monkeypatch.setenv("CITYOPS_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))

    def use(feeds_file: Path) -> None:
        monkeypatch.setenv("CITYOPS_FEEDS_FILE", str(feeds_file))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_check_warns_of_a_required_field_without_mapping(cli_env, tmp_path):
    text = _feeds_file(tmp_path, wrong=False).read_text(encoding="utf-8")
    path = tmp_path / "no_time.toml"
    path.write_text("\n".join(li for li in text.splitlines() if "observed_at" not in li), encoding="utf-8")
    cli_env(path)
    result = CliRunner().invoke(app, ["check", "air-hourly-split"])
    assert result.exit_code == 1
    assert "required field observed_at has no mapping: every record would be quarantined" in result.output
    every = CliRunner().invoke(app, ["check"])  # all feeds: the mapping's gap is a failed check
    assert every.exit_code == 1
    assert "FAIL feed air-hourly-split mapping: required field observed_at has no mapping" in every.output
    cli_env(_feeds_file(tmp_path, wrong=False))
    assert CliRunner().invoke(app, ["check", "air-hourly-split"]).exit_code == 0


def test_check_sample_reports_what_would_happen_and_writes_nothing(cli_env, tmp_path, sqlite_engine):
    _drop(tmp_path)
    cli_env(_feeds_file(tmp_path, wrong=True))
    result = CliRunner().invoke(app, ["check", "air-hourly-split", "--sample", "10"])
    assert result.exit_code == 1, result.output
    assert "dry run of 4 records read (nothing written)" in result.output
    assert "would be stored:      0" in result.output and "would be quarantined: 4" in result.output
    cause = "observed_at: {year}-{month:02}-{day:02} {hour:02}:00: not a time in the format %Y/%m/%d %H:%M"
    assert f"4 × {cause}: '…'" in result.output
    assert f"e.g. record 3399A01:2026:11:21:0: {cause}: '2026-11-21 00:00'" in result.output
    assert (tmp_path / "drop" / "hourly_split.csv").is_file()  # not moved
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FeedRun)).scalar_one() == 0
    cli_env(_feeds_file(tmp_path, wrong=False))
    fixed = CliRunner().invoke(app, ["check", "air-hourly-split", "--sample", "10"])
    assert fixed.exit_code == 0 and "would be stored:      4" in fixed.output, fixed.output
    assert "unread source fields: none" in fixed.output


def test_cli_replay_and_reprocess(cli_env, tmp_path, sqlite_engine):
    _ingest_wrong(sqlite_engine, tmp_path)
    cli_env(_feeds_file(tmp_path, wrong=False))
    result = CliRunner().invoke(app, ["quarantine", "replay", "air-hourly-split", "--since", "2026-11-01T00:00:00"])
    assert result.exit_code == 0, result.output
    assert "replayed=4 new=4 updated=0 unchanged=0 filtered=0 still_quarantined=0" in result.output
    again = CliRunner().invoke(app, ["feeds", "reprocess", "air-hourly-split", "hourly_split.csv"])
    assert again.exit_code == 0 and "ok fetched=4 new=0" in again.output, again.output
