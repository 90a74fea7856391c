"""The hotline drop folder: each export read once, moved away after commit; GB18030; unreadable files rejected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from collectors.config import FeedConfig
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, ComplaintEvent, FeedCursor, Quarantine
from dashboard.geo.crs import wgs84_to_gcj02

RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
HEADER = (
    " 工单编号,受理时间,诉求渠道,诉求类型,诉求内容,所属区县,"
    "所属街道 ,承办单位,工单状态,办结时限,办结时间,满意度,地址,经度,纬度 "
)
ROWS = [
    "G20261121001,2026/11/21 09:05,电话,道路破损,路面塌陷请尽快修复,南湖区,建设街道,市政工程处,办结,2026/11/24 09:05,"
    "2026/11/21 15:40,满意,中山路12号,120.7555,30.7460",
    "G20261121002,2026/11/21 10:30,微信,噪音扰民,夜间施工,330402,-,城管局,派单,2026/11/26 10:30,,NA,,,",
]


def _feed(folder, **extra) -> FeedConfig:
    return FeedConfig(name="hotline", domain="complaints", protocol="hotline-csv", folder=folder, **extra)


def _drop(folder, name, rows=ROWS, encoding="utf-8-sig", header=HEADER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes("\r\n".join([header, *rows]).encode(encoding) + b"\r\n")


def _complaints(engine) -> dict:
    with engine.connect() as conn:
        return {r.source_id: r for r in conn.execute(select(Complaint))}


def test_an_export_is_stored_once_and_moved_to_processed(engine, tmp_path):
    inbox = tmp_path / "inbox"
    _drop(inbox, "12345_export_20261121_1600.csv")
    runner = FeedRunner(engine)
    result = runner.run(_feed(inbox), now=RUN_AT)
    assert (result.status, result.new, result.rejected) == ("ok", 2, 0)
    assert not list(inbox.glob("*.csv"))
    assert (inbox / "processed" / "12345_export_20261121_1600.csv").is_file()

    rows = _complaints(engine)
    closed, open_ = rows["G20261121001"], rows["G20261121002"]
    assert (closed.status, closed.channel, closed.category_name, closed.department_code) == (
        "closed",
        "电话",
        "道路破损",
        "市政工程处",
    )
    assert closed.requested_at == datetime(2026, 11, 21, 1, 5, tzinfo=UTC)  # 09:05 Shanghai
    assert closed.closed_at == closed.updated_at == datetime(2026, 11, 21, 7, 40, tzinfo=UTC)
    assert closed.due_at == datetime(2026, 11, 24, 1, 5, tzinfo=UTC)
    assert (closed.satisfaction, closed.address, closed.lon, closed.lat) == (
        "satisfied",
        "中山路12号",
        120.7555,
        30.746,
    )
    assert closed.district_code is None  # a district name, not a code
    assert (open_.status, open_.district_code, open_.subdistrict_code, open_.satisfaction) == (
        "dispatched",
        "330402",
        None,
        None,
    )
    assert open_.updated_at == open_.requested_at and open_.lon is None
    with engine.connect() as conn:
        events = conn.execute(select(ComplaintEvent.ticket_id, ComplaintEvent.status)).all()
        cursor = conn.execute(select(FeedCursor.partition, FeedCursor.value)).one()
    assert sorted(events) == [("G20261121001", "closed"), ("G20261121001", "received"), ("G20261121002", "received")]
    assert cursor.partition == "12345_export_20261121_1600.csv" and len(cursor.value) == 64


def test_the_same_file_dropped_again_is_not_ingested_again(engine, tmp_path):
    inbox = tmp_path / "inbox"
    runner = FeedRunner(engine)
    _drop(inbox, "12345_export_20261121_1600.csv")
    runner.run(_feed(inbox), now=RUN_AT)
    _drop(inbox, "12345_export_20261121_1600.csv")
    again = runner.run(_feed(inbox), now=RUN_AT + timedelta(minutes=1))
    assert (again.fetched, again.new, again.updated) == (0, 0, 0)
    assert not list(inbox.glob("*.csv")) and len(list((inbox / "processed").iterdir())) == 1


def test_a_move_left_undone_by_a_crash_is_finished_without_reingesting(engine, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    _drop(inbox, "12345_export_20261121_1600.csv")
    runner = FeedRunner(engine)
    monkeypatch.setattr("collectors.tabular.collector.move_to", lambda *a: (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError):
        runner.run(_feed(inbox), now=RUN_AT)  # committed, then died before moving the file
    monkeypatch.undo()
    result = runner.run(_feed(inbox), now=RUN_AT + timedelta(minutes=1))
    assert (result.fetched, result.new) == (0, 0)
    assert len(_complaints(engine)) == 2 and (inbox / "processed" / "12345_export_20261121_1600.csv").is_file()


def test_gb18030_exports_and_gcj02_coordinates(engine, tmp_path):
    inbox = tmp_path / "inbox"
    _drop(inbox, "12345_export_20261121_1700.csv", encoding="gb18030")
    result = FeedRunner(engine).run(_feed(inbox, crs="GCJ02"), now=RUN_AT)
    assert result.new == 2
    row = _complaints(engine)["G20261121001"]
    assert (row.description, row.category_name) == ("路面塌陷请尽快修复", "道路破损")
    assert row.lon != 120.7555  # stored in WGS-84: converting back gives the export's GCJ-02 point
    assert [float(v) for v in wgs84_to_gcj02(row.lon, row.lat)] == pytest.approx([120.7555, 30.7460], abs=1e-8)


def test_bad_rows_are_quarantined_with_file_and_field(engine, tmp_path):
    inbox = tmp_path / "inbox"
    _drop(
        inbox, "e.csv", rows=[ROWS[0], "G3,昨天上午,电话,,,,,,受理,,,,,,", "G4,2026/11/21 11:00,电话,,,,,,挂起,,,,,,"]
    )
    result = FeedRunner(engine).run(_feed(inbox), now=RUN_AT)
    assert (result.new, result.rejected) == (1, 2)
    with engine.connect() as conn:
        entries = {q.record_ref: q for q in conn.execute(select(Quarantine))}
    assert entries["G3"].field == "requested_at" and "昨天上午" in entries["G3"].reason
    assert entries["G4"].field == "status" and '"file": "e.csv"' in entries["G4"].payload
    assert (inbox / "processed" / "e.csv").is_file()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        ("编号,时间\nG1,2026/11/21 09:05\n".encode(), "header row lacks 工单编号, 受理时间"),
        (b"\xff\xfe\xfa\x80 broken", "not decodable as utf-8-sig or gb18030"),
    ],
)
def test_an_unreadable_file_goes_to_rejected_with_its_reason_and_content_in_quarantine(
    engine, tmp_path, content, reason
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bad.csv").write_bytes(content)
    _drop(inbox, "good.csv")
    result = FeedRunner(engine).run(_feed(inbox), now=RUN_AT)
    assert (result.status, result.new, result.rejected) == ("ok", 2, 1)
    assert (inbox / "rejected" / "bad.csv").read_bytes() == content
    assert reason in (inbox / "rejected" / "bad.csv.reason.txt").read_text(encoding="utf-8")
    with engine.connect() as conn:
        entry = conn.execute(select(Quarantine)).one()
    assert entry.record_ref == "bad.csv" and reason in entry.reason and entry.reason.startswith("feed hotline")
    assert entry.payload == content.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def test_a_missing_drop_folder_fails_the_run_clearly(engine, tmp_path):
    result = FeedRunner(engine).run(_feed(tmp_path / "nowhere"), now=RUN_AT)
    assert result.status == "failed" and "feed hotline: drop folder" in result.error


def test_a_reopened_ticket_and_its_redo_count(engine, tmp_path):
    inbox = tmp_path / "inbox"
    header = HEADER.replace("满意度,", "满意度,重办次数,")
    rows = [
        "G20261121003,2026/11/20 09:05,电话,道路破损,路面塌陷,南湖区,建设街道,市政工程处,重办,2026/11/24 09:05,,"
        "不满意,1,,,",
        "G20261121004,2026/11/19 09:05,电话,道路破损,路面塌陷,南湖区,建设街道,市政工程处,已办结,2026/11/24 09:05,"
        "2026/11/21 15:40,满意,,,,",
    ]
    _drop(inbox, "export.csv", rows=rows, header=header)
    result = FeedRunner(engine).run(_feed(inbox), now=RUN_AT)
    assert (result.new, result.rejected) == (2, 0)
    tickets = _complaints(engine)
    assert (tickets["G20261121003"].status, tickets["G20261121003"].reopened_count) == ("reopened", 1)
    assert tickets["G20261121003"].closed_at is None
    assert tickets["G20261121004"].reopened_count == 0  # an empty cell (or no such column): never reopened
