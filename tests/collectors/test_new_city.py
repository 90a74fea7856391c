"""A new city is onboarded by configuration alone: its feeds.toml is assembled from the documented examples
(data/feeds/examples) and every feed is ingested end to end through the runner — a GB18030 hotline export
in a folder, an XLSX service-hall export, a GCJ-02 JSON complaint API on a local HTTP server, the CNEMC file."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from collectors.config import load_feeds
from collectors.runner import FeedRunner
from dashboard.db.models import Complaint, HallTicket, SensorReading
from dashboard.geo.crs import gcj02_to_wgs84

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "feeds" / "examples"
CITY_FEEDS = (
    "tabular-hotline-gb18030.toml",
    "tabular-halls-xlsx.toml",
    "tabular-complaints-api.toml",
    "tabular-cnemc.toml",
)
CNEMC = "china/cnemc_stations_jiaxing_hangzhou_wuxi_2017-07-07T16_2018-02-20T07.geojson"
RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)

HOTLINE = (
    " 工单号 ,登记时间,事项分类,来电内容,责任单位, 区划代码,办理状态,回访结果,经度,纬度\r\n"
    "J001,2026/11/21 9:05,市容环境,垃圾未清运,城管局,330402,已办结,满意,120.7555,30.7460\r\n"
    "J002,2026/11/21 10:30:15,噪音扰民,夜间施工\x00,环保局,南湖区,处理中,无,无,无\r\n"
)


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


API_RECORDS = [
    {
        "orderNo": "V-1",
        "createTime": _ms("2026-11-21T08:00:00+08:00"),
        "updateTime": _ms("2026-11-21T09:30:00+08:00"),
        "finishTime": _ms("2026-11-21T09:30:00+08:00"),
        "state": 2,
        "type": {"name": "道路破损"},
        "content": "井盖缺失",
        "location": {"address": "中山路1号", "lng": 120.7555, "lat": 30.7460},
    },
    {
        "orderNo": "V-2",
        "createTime": _ms("2026-11-21T09:00:00+08:00"),
        "updateTime": _ms("2026-11-21T09:10:00+08:00"),
        "finishTime": -1,
        "state": 1,
        "type": {"name": "占道经营"},
        "content": "流动摊贩",
        "location": {"address": "-", "lng": 120.76, "lat": 30.75},
    },
]


@pytest.fixture
def vendor_api():
    """The vendor's complaint API: records under data.list, paged by pageNo/pageSize."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            seen.append(query)
            page, size = int(query["pageNo"]), int(query["pageSize"])
            body = json.dumps({"code": 0, "data": {"list": API_RECORDS[(page - 1) * size :][:size]}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


def _excel_serial(moment: datetime) -> float:
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86400


def _drop_halls_export(folder: Path) -> None:
    folder.mkdir(parents=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "取号明细"
    sheet.append(["南湖区政务服务中心 取号明细 2026-11-21"])
    sheet.append(["大厅编码 ", "票号", "事项名称", "渠道", "窗口", "取号时间", "叫号时间", "办结时间", "评价"])
    sheet.append(
        [
            "H01",
            "A001",
            "营业执照",
            "现场",
            "3",
            datetime(2026, 11, 21, 9, 0),
            _excel_serial(datetime(2026, 11, 21, 9, 12)),
            datetime(2026, 11, 21, 9, 30),
            "满意",
        ]
    )
    sheet.append(["H01", "A002", "社保查询", "线上", None, datetime(2026, 11, 21, 9, 5), None, None, None])
    book.save(folder / "halls_20261121.xlsx")


def test_a_new_city_from_documented_examples_only(engine, realdata, tmp_path, vendor_api, monkeypatch):
    url, requests = vendor_api
    (tmp_path / "hotline").mkdir()
    (tmp_path / "hotline" / "8890_20261121.csv").write_bytes(HOTLINE.encode("gb18030"))
    _drop_halls_export(tmp_path / "halls")
    (tmp_path / "air").mkdir()
    shutil.copy(realdata / CNEMC, tmp_path / "air" / "cnemc.geojson")
    feeds_toml = tmp_path / "feeds.toml"
    feeds_toml.write_text("\n".join((EXAMPLES / name).read_text(encoding="utf-8") for name in CITY_FEEDS), "utf-8")
    env = {
        "CITYOPS_HOTLINE_DROP_DIR": str(tmp_path / "hotline"),
        "CITYOPS_HALLS_DROP_DIR": str(tmp_path / "halls"),
        "CITYOPS_AIR_DROP_DIR": str(tmp_path / "air"),
        "CITYOPS_VENDOR_API_URL": url,
    }
    monkeypatch.setenv("VENDOR_API_TOKEN", "s3cret")
    feeds = load_feeds(feeds_toml, env=env)
    runner = FeedRunner(engine)
    results = {f.name: runner.run(f, now=RUN_AT) for f in feeds}
    assert {n: (r.status, r.new, r.rejected) for n, r in results.items()} == {
        "complaints-8890": ("ok", 2, 0),
        "halls-xlsx": ("ok", 2, 0),
        "complaints-vendor-api": ("ok", 2, 0),
        "air-cnemc": ("ok", 44 * 7, 0),  # 6 pollutants and the published AQI per station-hour
    }
    with engine.connect() as conn:
        complaints = {r.source_id: r for r in conn.execute(select(Complaint))}
        tickets = {r.source_id: r for r in conn.execute(select(HallTicket))}
        readings = {r.source_id: r for r in conn.execute(select(SensorReading))}

    closed, pending = complaints["J001"], complaints["J002"]
    assert (closed.status, closed.satisfaction, closed.district_code, closed.category_name) == (
        "closed",
        "satisfied",
        "330402",
        "市容环境",
    )
    assert closed.requested_at == datetime(2026, 11, 21, 1, 5, tzinfo=UTC)
    assert [float(v) for v in gcj02_to_wgs84(120.7555, 30.7460)] == pytest.approx([closed.lon, closed.lat], abs=1e-9)
    assert (pending.status, pending.description, pending.district_code, pending.satisfaction, pending.lon) == (
        "accepted",
        "夜间施工",
        None,
        None,
        None,
    )

    assert requests[0]["updatedSince"] == "2026-11-20 16:00:00"  # first run: backfill_days=1, in the feed's zone
    assert (requests[0]["cityCode"], requests[0]["pageNo"], requests[0]["pageSize"]) == ("330400", "1", "200")
    api = complaints["V-1"]
    assert (api.status, api.category_name, api.address) == ("closed", "道路破损", "中山路1号")
    assert api.closed_at == api.updated_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert (complaints["V-2"].status, complaints["V-2"].closed_at, complaints["V-2"].address) == (
        "dispatched",
        None,
        None,
    )

    served, waiting = tickets["H01:A001"], tickets["H01:A002"]
    assert (served.hall_code, served.channel, served.window, served.rating) == ("H01", "offline", "3", 4)
    assert served.issued_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert served.called_at == datetime(2026, 11, 21, 1, 12, tzinfo=UTC)  # an Excel serial date
    assert served.updated_at == served.finished_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert (waiting.channel, waiting.called_at, waiting.updated_at) == ("online", None, waiting.issued_at)

    first = "1188A:2017-07-07T16:00:00"
    assert readings[f"{first}:pm25"].value == 13.0 and readings[f"{first}:pm25"].unit == "µg/m³"
    assert (readings[f"{first}:co"].value, readings[f"{first}:co"].unit) == (0.5, "mg/m³")
    assert readings[f"{first}:pm25"].observed_at == datetime(2017, 7, 7, 8, 0, tzinfo=UTC)
    silent = [r for key, r in readings.items() if key.startswith("1192A:2018-02-20T07:00:00:")]
    assert len(silent) == 6 and all(r.value is None for r in silent)  # "-;" is no data, never 0
    assert readings["1223A:2018-02-20T07:00:00:pm10"].value is None
    assert readings["1223A:2018-02-20T07:00:00:pm25"].value == 69.0

    again = {f.name: runner.run(f, now=RUN_AT) for f in feeds}
    assert all((r.status, r.new, r.updated) == ("ok", 0, 0) for r in again.values()), again
