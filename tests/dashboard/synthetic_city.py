"""A small synthetic city written straight through the models, with values chosen to be computed by hand.

``NOW`` is 2026-11-21 04:00 UTC (12:00 in Asia/Shanghai); the local day began at 2026-11-20 16:00 UTC.
Expected values (HJ 633-2026 breakpoints apply in November 2026):

- complaints: 5 received today, 3 yesterday; on-time closure over 30 days 2 / 4 (one closed late, one overdue
  and still open; one due in the future and one due 40 days ago are outside the period);
- halls: called tickets today waited 10, 20 and 60 minutes (mean 30); one ticket still waits since 45 minutes;
- traffic: latest interval speeds 60 / 30 / 15 km/h at free-flow 60 on 1 / 2 / 1 km → TTI 1, 2, 4 → network
  TTI 2.25 → TPI 4.5 (轻度拥堵);
- air: PM2.5 50 and 70 µg/m³ at two stations (mean 60 → IAQI 100, primary PM2.5), NO2 40 / 60, O3 100 / 100;
- feeds: every feed fresh except halls-queue (newest source time 10 minutes old, interval 60 s, two failed
  runs since its last success); two quarantined records, one carrying an HTML payload.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import shapely
from sqlalchemy import Engine, insert

from dashboard.db import feedops, rollups
from dashboard.db.models import (
    Complaint,
    District,
    Feed,
    HallTicket,
    Quarantine,
    RoadSegment,
    SensorReading,
    ServiceHall,
    ServiceType,
    Station,
    TrafficObservation,
)

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
LON0, LAT0, SIDE = 120.55, 30.85, 0.05
FEEDS = {
    "complaints-open311": "complaints",
    "complaints-hotline": "complaints",
    "traffic-ngsi": "traffic",
    "air-ngsi": "sensors",
    "iot-sensorthings": "sensors",
    "halls-queue": "halls",
}
HTML_PAYLOAD = '{"description": "<img src=x onerror=alert(1)><script>alert(2)</script>"}'


def _square(i: int, j: int, side: float = SIDE) -> shapely.Polygon:
    x, y = LON0 + i * side, LAT0 + j * side
    return shapely.box(x, y, x + side, y + side)


def _reference(now: datetime) -> dict[type, list[dict]]:
    districts = [
        {
            "code": "339901",
            "name_zh": "澄东区",
            "name_en": "Chengdong",
            "population": 100_000,
            "geometry": _square(0, 0),
        },
        {"code": "339902", "name_zh": "澄西区", "name_en": "Chengxi", "population": 200_000, "geometry": _square(1, 0)},
        {"code": "339903", "name_zh": "江北区", "name_en": "Jiangbei", "population": 50_000, "geometry": _square(0, 1)},
    ]
    for row in districts:
        row |= {"level": "district", "parent_code": "339900", "area_km2": 25.0}
    street = {
        "code": "339901001",
        "name_zh": "东门街道",
        "name_en": "Dongmen",
        "level": "street",
        "parent_code": "339901",
        "population": 30_000,
        "area_km2": 6.0,
        "geometry": _square(0, 0, SIDE / 2),
    }
    roads = [
        ("R1", "人民路", "Renmin Rd", 1000.0, [(120.56, 30.86), (120.57, 30.86)]),
        ("R2", "解放路", "Jiefang Rd", 2000.0, [(120.57, 30.86), (120.59, 30.87)]),
        ("R3", "滨江路", "Binjiang Rd", 1000.0, [(120.56, 30.91), (120.57, 30.92)]),
    ]
    return {
        District: [*districts, street],
        RoadSegment: [
            {
                "code": c,
                "name_zh": zh,
                "name_en": en,
                "road_class": "arterial",
                "lanes": 4,
                "length_m": length,
                "free_flow_kmh": 60.0,
                "district_code": "339901",
                "geometry": shapely.LineString(coords),
            }
            for c, zh, en, length, coords in roads
        ],
        Station: [
            {
                "code": "A1",
                "name_zh": "城东站",
                "name_en": "East",
                "kind": "air",
                "lon": 120.57,
                "lat": 30.87,
                "district_code": "339901",
            },
            {
                "code": "A2",
                "name_zh": "城西站",
                "name_en": "West",
                "kind": "air",
                "lon": 120.62,
                "lat": 30.87,
                "district_code": "339902",
            },
            {
                "code": "N1",
                "name_zh": "噪声站",
                "name_en": "Noise",
                "kind": "noise",
                "lon": 120.58,
                "lat": 30.88,
                "district_code": "339901",
            },
        ],
        ServiceHall: [
            {
                "code": "H1",
                "name_zh": "市民中心",
                "name_en": "Citizen Centre",
                "lon": 120.575,
                "lat": 30.875,
                "district_code": "339901",
                "windows": 20,
            },
        ],
        ServiceType: [
            {"code": "noise", "name_zh": "噪声扰民", "name_en": "Noise", "department_code": "D1", "deadline_days": 5},
            {
                "code": "road",
                "name_zh": "道路破损",
                "name_en": "Road damage",
                "department_code": "D2",
                "deadline_days": 10,
            },
        ],
    }


def _complaint(n: int, requested: datetime, **fields) -> dict:
    row = {
        "source": "complaints-open311",
        "source_id": f"C{n:04d}",
        "category": "noise",
        "category_name": "噪声扰民",
        "channel": "app",
        "status": "received",
        "description": "楼下施工噪声",
        "district_code": "339901",
        "lon": 120.57,
        "lat": 30.87,
        "requested_at": requested,
        "updated_at": requested,
        "ingested_at": requested,
        "returned_count": 0,
        "extended_count": 0,
    }
    return row | fields


def _complaints(now: datetime) -> list[dict]:
    h = timedelta(hours=1)
    d = timedelta(days=1)
    today = [
        _complaint(1, now - 1 * h, status="dispatched"),
        _complaint(2, now - 2 * h, category="road", category_name="道路破损", district_code="339902", lon=120.62),
        _complaint(3, now - 3 * h, status="closed", closed_at=now - 2 * h),
        _complaint(4, now - 5 * h, district_code="339903", lat=30.92, description="<b>bold</b> & <i>x</i>"),
        _complaint(5, now - 6 * h, location_flag="outside_city", lon=0.0, lat=0.0),
    ]
    yesterday = [_complaint(10 + i, now - 13 * h - i * h, district_code="339902", lon=120.63) for i in range(3)]
    due = [
        _complaint(20, now - 20 * d, status="closed", closed_at=now - 16 * d, due_at=now - 15 * d),
        _complaint(21, now - 12 * d, status="revisited", closed_at=now - 9 * d, due_at=now - 2 * d),
        _complaint(22, now - 10 * d, status="closed", closed_at=now - 3 * d, due_at=now - 5 * d),
        _complaint(23, now - 8 * d, status="accepted", due_at=now - 1 * d),
        _complaint(24, now - 3 * d, status="accepted", due_at=now + 2 * d),
        _complaint(25, now - 45 * d, status="closed", closed_at=now - 35 * d, due_at=now - 40 * d),
    ]
    return today + yesterday + due


def _halls(now: datetime) -> list[dict]:
    m = timedelta(minutes=1)
    waits = [(now - 200 * m, 10), (now - 150 * m, 20), (now - 120 * m, 60), (now - 45 * m, None)]
    rows = []
    for n, (issued, wait) in enumerate(waits):
        called = None if wait is None else issued + wait * m
        rows.append(
            {
                "source": "halls-queue",
                "source_id": f"T{n}",
                "hall_code": "H1",
                "service_item": "社保",
                "channel": "offline",
                "status": "waiting" if called is None else "called",
                "issued_at": issued,
                "called_at": called,
                "updated_at": called or issued,
            }
        )
    rows.append(
        {
            "source": "halls-queue",
            "source_id": "T-old",
            "hall_code": "H1",
            "issued_at": now - timedelta(days=1),
            "called_at": now - timedelta(days=1) + 90 * m,
            "updated_at": now - timedelta(days=1),
        }
    )
    return rows


def _traffic(now: datetime) -> list[dict]:
    latest = now - timedelta(minutes=5)
    earlier = latest - timedelta(minutes=15)
    rows = []
    for when, speeds in ((earlier, (20, 20, 20)), (latest, (60, 30, 15))):
        for code, speed in zip(("R1", "R2", "R3"), speeds, strict=True):
            rows.append(
                {
                    "source": "traffic-ngsi",
                    "source_id": f"{code}@{when.isoformat()}",
                    "segment_code": code,
                    "observed_at": when,
                    "period_s": 900,
                    "speed_kmh": float(speed),
                    "free_flow_kmh": None if code == "R3" else 60.0,
                }
            )
    return rows


def _readings(now: datetime) -> list[dict]:
    latest = now - timedelta(minutes=10)
    values = {"A1": {"pm25": 50, "no2": 40, "o3": 100}, "A2": {"pm25": 70, "no2": 60, "o3": 100}}
    rows = []
    for station, quantities in values.items():
        for quantity, value in quantities.items():
            for when, v in ((latest, value), (latest - timedelta(hours=2), 900)):
                rows.append(
                    {
                        "source": "air-ngsi",
                        "source_id": f"{station}/{quantity}@{when.isoformat()}",
                        "station_code": station,
                        "quantity": quantity,
                        "observed_at": when,
                        "value": float(v),
                        "unit": "ug/m3",
                    }
                )
    rows.append(
        {
            "source": "iot-sensorthings",
            "source_id": "N1/laeq",
            "station_code": "N1",
            "quantity": "laeq",
            "observed_at": latest,
            "value": 55.0,
            "unit": "dB(A)",
        }
    )
    return rows


def _feed_ops(now: datetime) -> tuple[list[dict], list[dict], list[dict]]:
    feeds = [
        {
            "name": name,
            "domain": domain,
            "protocol": "test",
            "interval_s": 60,
            "enabled": True,
            "config_json": json.dumps({"name": name}),
            "updated_at": now - timedelta(days=1),
        }
        for name, domain in FEEDS.items()
    ]
    runs = []
    for name in FEEDS:
        if name == "halls-queue":
            continue
        for k, age in enumerate((180, 60)):
            started = now - timedelta(seconds=age)
            runs.append(
                {
                    "feed": name,
                    "started_at": started,
                    "finished_at": started + timedelta(seconds=2),
                    "status": "ok",
                    "fetched": 12 + k,
                    "new": 10,
                    "updated": 1 + k,
                    "unchanged": 1,
                    "rejected": 0 if name != "complaints-open311" else 2,
                    "max_source_time": now - timedelta(seconds=age + 30),
                }
            )
    halls = [
        ("ok", 900, now - timedelta(minutes=10), None),
        ("failed", 120, None, "ConnectError: connection refused"),
        ("failed", 60, None, "ConnectError: connection refused"),
    ]
    for status, age, source_time, error in halls:
        started = now - timedelta(seconds=age)
        runs.append(
            {
                "feed": "halls-queue",
                "started_at": started,
                "finished_at": started + timedelta(seconds=1),
                "status": status,
                "fetched": 5 if status == "ok" else 0,
                "new": 5 if status == "ok" else 0,
                "updated": 0,
                "unchanged": 0,
                "rejected": 0,
                "max_source_time": source_time,
                "error": error,
            }
        )
    quarantine = [
        {
            "feed": "complaints-open311",
            "received_at": now - timedelta(minutes=1),
            "record_ref": "C9999",
            "field": "lat",
            "reason": "lat: value is not a valid float",
            "payload": HTML_PAYLOAD,
        },
        {
            "feed": "air-ngsi",
            "received_at": now - timedelta(minutes=30),
            "record_ref": "A9/pm25",
            "field": "value",
            "reason": "value: must be ≥ 0",
            "payload": '{"value": -3}',
        },
    ]
    return feeds, runs, quarantine


def _background(now: datetime, seed: int = 7) -> dict[type, list[dict]]:
    """Extra random activity over the last 48 hours, for screenshots (not used by the hand-computed tests)."""
    rng = random.Random(seed)
    statuses = ["received", "dispatched", "accepted", "closed", "returned", "extended", "revisited"]
    complaints = []
    for n in range(240):
        district = rng.choice([(0, 0, "339901"), (1, 0, "339902"), (0, 1, "339903")])
        requested = now - timedelta(minutes=rng.uniform(0, 48 * 60))
        complaints.append(
            _complaint(
                1000 + n,
                requested,
                status=rng.choice(statuses),
                district_code=district[2],
                category=rng.choice(["noise", "road"]),
                lon=LON0 + (district[0] + rng.random()) * SIDE,
                lat=LAT0 + (district[1] + rng.random()) * SIDE,
            )
        )
    return {Complaint: complaints}


def populate(engine: Engine, now: datetime = NOW, background: bool = False) -> None:
    """Fill a migrated, empty database with the synthetic city as seen at ``now``, rollups included."""
    feeds, runs, quarantine = _feed_ops(now)
    tables: dict[type, list[dict]] = _reference(now) | {
        Complaint: _complaints(now),
        HallTicket: _halls(now),
        TrafficObservation: _traffic(now),
        SensorReading: _readings(now),
        Feed: feeds,
        Quarantine: quarantine,
    }
    if background:
        for model, rows in _background(now).items():
            tables[model] = tables[model] + rows
    with engine.begin() as conn:
        for model, rows in tables.items():
            keys = set().union(*(row.keys() for row in rows))
            conn.execute(insert(model), [{key: row.get(key) for key in keys} for row in rows])
        for run in runs:  # as the collectors record them: the feeds' state follows
            feedops.record_run(conn, **run)
        for domain in rollups.ROLLUPS:
            rollups.rebuild(conn, domain)
