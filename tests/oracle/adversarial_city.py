"""A generated city built to break numbers: tickets straddling period ends (and the edge of the last 30 days),
deadlines in the future (some within the current hour), reopened and returned tickets, duplicate resends with
newer versions, departments by code and by name, missing coordinates and districts, hall tickets never called, a
district with no tickets at all (zero denominators); air readings every 20 minutes straddling hours, with gaps
and a station gone silent; noise across the day/night boundaries; traffic with stopped and missing speeds,
observations' own free-flow speeds and segments left behind by the latest interval. Stored through the
collectors' sink, as a feed would store it, over the demo city's reference."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from collectors.records import ComplaintRecord, HallTicketRecord, SensorRecord, TrafficRecord
from collectors.sinks import store
from dashboard.geo.reference import load_reference_data

CITY = Path(__file__).resolve().parents[2] / "data" / "city"
#: Thursday 10:40 in Shanghai: mid-hour, mid-week, mid-month.
NOW = datetime(2026, 11, 19, 2, 40, tzinfo=UTC)
TIMEZONE = "Asia/Shanghai"


def _midnights(timezone: str) -> list[datetime]:
    """The local midnights around which tickets are placed on purpose (in Shanghai UTC 16:00, in Kolkata 18:30):
    those of the last eleven days, then those at which the last 30 local days (today included) start and the
    day before."""
    days = [datetime(2026, 11, d) for d in range(9, 20)] + [datetime(2026, 10, 21), datetime(2026, 10, 20)]
    return [day.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC) for day in days]


DISTRICTS = ["339901", "339902", "339903", "339904", "339905", "339906", None]  # 339907 never has a ticket
DEPARTMENTS = ["D01", "D02", "住房和城乡建设局", "城管局", "D05", "某某办", None]
CATEGORIES = [("noise", "噪声扰民"), ("illegal_parking", None), (None, "噪声扰民"), (None, "其他诉求")]


def _ticket(rng: random.Random, i: int, midnights: list[datetime]) -> dict:
    anchor = rng.choice(midnights + [NOW, NOW - timedelta(days=7), NOW - timedelta(minutes=50)])
    requested = anchor + timedelta(minutes=rng.choice([-90, -1, 0, 1, 30, 300]))
    requested = min(requested, NOW - timedelta(minutes=1))
    due = requested + timedelta(minutes=rng.choice([5, 20, 60 * 4, 60 * 24, 60 * 24 * 3]))
    closed = None
    if rng.random() < 0.65:
        closed = requested + timedelta(minutes=rng.choice([1, 10, 90, 60 * 20, 60 * 50, 60 * 100]))
        closed = None if closed >= NOW else closed
    reopened = 1 if closed is not None and rng.random() < 0.1 else 0
    rated = closed is not None and rng.random() < 0.6
    revisited = closed + timedelta(hours=rng.choice([1, 30])) if rated and rng.random() < 0.5 else None
    revisited = None if revisited is None or revisited >= NOW else revisited
    category, name = rng.choice(CATEGORIES)
    located = rng.random() < 0.7
    return dict(
        source_id=f"T{i}",
        category=category,
        category_name=name,
        status="closed" if closed else rng.choice(["accepted", "returned", "dispatched"]),
        department_code=rng.choice(DEPARTMENTS),
        district_code=rng.choice(DISTRICTS),
        lon=120.6 if located else None,
        lat=30.9 if located else None,
        requested_at=requested,
        due_at=due,
        closed_at=closed,
        revisited_at=revisited,
        satisfaction=rng.choice(["satisfied", "basically_satisfied", "unsatisfied"]) if rated else None,
        returned_count=rng.choice([0, 0, 0, 1, 2]),
        reopened_count=reopened,
        updated_at=closed or requested,
    )


def _hall_ticket(rng: random.Random, i: int) -> HallTicketRecord:
    issued = NOW - timedelta(minutes=rng.randrange(1, 60 * 24 * 9))
    wait = rng.choice([None, None, 0, 5, 29, 31, 45, 120])
    called = None if wait is None or issued + timedelta(minutes=wait) >= NOW else issued + timedelta(minutes=wait)
    finished = called + timedelta(minutes=rng.choice([3, 15])) if called and rng.random() < 0.7 else None
    finished = None if finished is None or finished >= NOW else finished
    return HallTicketRecord(
        source_id=f"Q{i}",
        hall_code=rng.choice(["H01", "H02", "H03"]),
        service_item=rng.choice(["社保", "营业执照", None]),
        channel=rng.choice(["online", "offline", None]),
        issued_at=issued,
        called_at=called,
        finished_at=finished,
        visits=rng.choice([None, 1, 2]),
        rating=rng.choice([None, 1, 3, 4, 5]),
        updated_at=finished or called or issued,
    )


AIR = {"pm25": (5, 160), "pm10": (10, 300), "o3": (20, 260), "no2": (5, 220), "so2": (2, 60), "co": (0.2, 6)}
#: Air stations: how long before NOW each stops reporting (3399A03 misses the current hour, 3399A04 the last 3).
SILENT = {"3399A01": 5, "3399A02": 5, "3399A03": 45, "3399A04": 185}
NOISE = ("3399N01", "3399N03", "3399A01")  # an air station's noise reading is rated as class 2
SEGMENTS = ("R0001", "R0002", "R0033", "R0034", "R0035", "R0105", "R0106", "R0107")


def _readings(rng: random.Random) -> list[SensorRecord]:
    rows = []
    for station, silent in SILENT.items():
        at = NOW - timedelta(hours=7, minutes=rng.randrange(20))
        while at <= NOW - timedelta(minutes=silent):
            for quantity, (lo, hi) in AIR.items():
                if rng.random() < 0.85:  # gaps: a pollutant missing from a reading
                    value = rng.choice([round(rng.uniform(lo, hi), 1), 35.0, 75.0, 60.0, 160.0])
                    rows.append(SensorRecord(source_id=f"{station}/{quantity}@{at:%H%M}", station_code=station,
                                             quantity=quantity, observed_at=at, value=value))
            at += timedelta(minutes=20)
    for station in NOISE:  # a day and a half: 06:00 and 22:00 local are 22:00 and 14:00 UTC
        for minutes in range(0, 36 * 60, 25):
            at = NOW - timedelta(minutes=minutes + 3)
            value = rng.choice([44.5, 50.0, 55.0, 60.0, 65.0, 70.0, rng.uniform(40, 75)])
            rows.append(SensorRecord(source_id=f"{station}/laeq@{minutes}", station_code=station, quantity="laeq",
                                     observed_at=at, value=value))
    return rows


def _observations(rng: random.Random) -> list[TrafficRecord]:
    rows = []
    for i, segment in enumerate(SEGMENTS):
        last = NOW - timedelta(minutes=2 if i != 3 else 40)  # R0034 is left behind by the latest interval
        for k in range(40):
            at = last - timedelta(minutes=5 * k)
            speed = rng.choice([None, 0.0, 8.0, 15.0, 20.0, 20.1, 35.0, 60.0, rng.uniform(5, 110)])
            if k == 0:  # the latest interval moderately congested, so that its index is not at the scale's end
                speed = rng.choice([None, 0.0, 30.0, 45.0, 60.0, 80.0])
            free = rng.choice([None, None, 70.0])
            rows.append(TrafficRecord(source_id=f"{segment}@{k}", segment_code=segment, observed_at=at, period_s=300,
                                      speed_kmh=speed, free_flow_kmh=free))
    return rows


def build(
    engine: Engine, seed: int = 7, tickets: int = 600, hall_tickets: int = 300, timezone: str = TIMEZONE
) -> None:
    """Fill ``engine`` (migrated, empty) with the adversarial city at :data:`NOW`, its tickets placed around the
    local midnights of ``timezone`` and its rollups built for it."""
    rng = random.Random(seed)
    midnights = _midnights(timezone)
    first = [_ticket(rng, i, midnights) for i in range(tickets)]
    resent = []
    for row in rng.sample(first, tickets // 5):  # a newer version: closed later, or reopened and open again
        newer = dict(row, updated_at=row["updated_at"] + timedelta(minutes=5))
        if row["closed_at"] is not None and rng.random() < 0.5:
            newer.update(closed_at=None, status="reopened", reopened_count=1, satisfaction=None, revisited_at=None)
        resent.append(newer)
    with engine.begin() as conn:
        load_reference_data(conn, CITY)
        for batch in (first[: tickets // 2], first[tickets // 2 :], resent, first[:50]):  # the last: stale resends
            store(conn, "complaints", "hotline", [ComplaintRecord(**r) for r in batch], NOW, timezone=timezone)
        halls = [_hall_ticket(rng, i) for i in range(hall_tickets)]
        store(conn, "halls", "queue", halls, NOW, timezone=timezone)
        store(conn, "sensors", "air", _readings(rng), NOW, timezone=timezone)
        store(conn, "traffic", "flow", _observations(rng), NOW, timezone=timezone)
