"""Ingest: the whole collector path vs the raw database ceiling for the same rows.

CityOps' side is a real feed run per domain — traffic observations (NGSI v2 TrafficFlowObserved), sensor
readings (NGSI v2 AirQualityObserved, six pollutants an entity) and complaints (Open311 GeoReport v2 with
their lifecycle notes) — served from memory through httpx's mock transport (no network noise), parsed,
validated, located, upserted on the natural key, rolled up, with the cursor and the run record written in
one transaction. The baseline then writes exactly the rows CityOps stored (read back from its tables) into
an identical, freshly migrated database: one ``sqlite3.executemany`` per table with the same page cache, or
one ``COPY`` per table on PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.report import Result
from collectors.config import FeedConfig
from collectors.http import FeedHttpClient
from collectors.runner import FeedRunner
from dashboard.db.engine import SQLITE_CACHE_KIB, make_engine
from dashboard.db.migrate import upgrade

TARGET_RATIO = 0.5
PAGE = 1000
START = datetime(2026, 11, 1, tzinfo=UTC)
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def traffic_entities(rows: int, segments: int = 300) -> list[dict]:
    """``rows`` TrafficFlowObserved entities (keyValues), 15-minute intervals over ``segments`` segments."""
    entities = []
    for i in range(rows):
        segment, step = i % segments, i // segments
        begin = START + timedelta(minutes=15 * step)
        end = begin + timedelta(minutes=15)
        entities.append({
            "id": f"urn:ngsi-ld:TrafficFlowObserved:R{segment:04d}:{begin:%Y%m%d%H%M}",
            "type": "TrafficFlowObserved",
            "dateObserved": f"{begin:{STAMP}}/{end:{STAMP}}",
            "dateObservedFrom": f"{begin:{STAMP}}",
            "dateObservedTo": f"{end:{STAMP}}",
            "averageVehicleSpeed": 20.0 + (i * 7) % 50,
            "intensity": 100 + i % 400,
            "occupancy": round((i % 90) / 100, 2),
            "congested": (i % 7) == 0,
            "refRoadSegment": f"urn:ngsi-ld:RoadSegment:R{segment:04d}",
        })
    return entities


def air_entities(readings: int, stations: int = 40) -> list[dict]:
    """AirQualityObserved entities (keyValues) of six pollutants each, hourly: ``readings`` readings in all."""
    entities = []
    for i in range(readings // 6):
        station, step = i % stations, i // stations
        observed = START + timedelta(hours=step)
        entities.append({
            "id": f"urn:ngsi-ld:AirQualityObserved:S{station:03d}:{observed:%Y%m%d%H}",
            "type": "AirQualityObserved",
            "dateObserved": f"{observed:{STAMP}}",
            "refPointOfInterest": f"S{station:03d}",
            "pm25": 10.0 + i % 80, "pm10": 20.0 + i % 120, "no2": 5.0 + i % 60,
            "so2": 2.0 + i % 15, "o3": 30.0 + i % 150, "co": 0.4 + (i % 20) / 10,
        })
    return entities


def open311_requests(rows: int) -> list[dict]:
    """``rows`` GeoReport v2 service requests with lifecycle notes (accepted, dispatched, some closed)."""
    requests = []
    for i in range(rows):
        opened = START + timedelta(seconds=37 * i)
        closed = i % 3 != 0
        notes = [
            {"status": "received", "datetime": f"{opened:{STAMP}}"},
            {"status": "dispatched", "datetime": f"{opened + timedelta(hours=1):{STAMP}}", "department_code": "G01"},
        ]
        if closed:
            notes.append({"status": "closed", "datetime": f"{opened + timedelta(hours=30):{STAMP}}"})
        updated = opened + timedelta(hours=30 if closed else 1)
        requests.append({
            "service_request_id": f"SR{i:08d}",
            "status": "closed" if closed else "open",
            "service_code": f"cat{i % 16:02d}",
            "service_name": "道路破损",
            "description": "路面坑洼",
            "requested_datetime": f"{opened:{STAMP}}",
            "updated_datetime": f"{updated:{STAMP}}",
            "expected_datetime": f"{opened + timedelta(days=3):{STAMP}}",
            "address": "澄江市人民路1号",
            "lat": 30.80 + (i % 200) / 1000,
            "long": 120.50 + (i % 300) / 1000,
            "agency_responsible": "G01",
            "extended_attributes": {"lifecycle_status": "closed" if closed else "dispatched", "notes": notes},
        })
    return requests


def _paged(items: list[dict], by_offset: bool) -> httpx.MockTransport:
    """Pages of ``items`` as JSON: NGSI's ``offset`` (with ``Fiware-Total-Count``) or Open311's ``page``."""
    pages = {offset: json.dumps(items[offset : offset + PAGE]).encode() for offset in range(0, len(items), PAGE)}
    total = str(len(items))

    def handler(request: httpx.Request) -> httpx.Response:
        params = parse_qs(request.url.query.decode())
        offset = int(params.get("offset", ["0"])[0]) if by_offset else (int(params.get("page", ["1"])[0]) - 1) * PAGE
        return httpx.Response(200, content=pages.get(offset, b"[]"),
                              headers={"Content-Type": "application/json", "Fiware-Total-Count": total})

    return httpx.MockTransport(handler)


@dataclass(frozen=True)
class Domain:
    """One feed of the benchmark: its configuration, its payload and the tables its rows land in."""

    name: str
    feed: dict
    items: Callable[[int], list[dict]]
    by_offset: bool
    tables: tuple[str, ...]


DOMAINS = {
    "traffic": Domain(
        "traffic observations",
        {"domain": "traffic", "protocol": "ngsi", "url": "http://upstream.bench/ngsi/v2",
         "options": {"entity_type": "TrafficFlowObserved"}},
        traffic_entities, True, ("traffic_observation",),
    ),
    "sensors": Domain(
        "sensor readings",
        {"domain": "sensors", "protocol": "ngsi", "url": "http://upstream.bench/ngsi/v2",
         "options": {"entity_type": "AirQualityObserved"}},
        air_entities, True, ("sensor_reading",),
    ),
    "complaints": Domain(
        "complaints (with lifecycle events)",
        {"domain": "complaints", "protocol": "open311", "url": "http://upstream.bench/open311/v2"},
        open311_requests, False, ("complaint", "complaint_event"),
    ),
}


def _cityops_seconds(url: str, domain: Domain, items: list[dict]) -> float:
    feed = FeedConfig(name=f"bench-{domain.feed['domain']}", page_size=PAGE, backfill_days=3650,
                      max_records_per_run=len(items) + 1, **domain.feed)
    transport = _paged(items, domain.by_offset)
    runner = FeedRunner(make_engine(url), http_factory=lambda f: FeedHttpClient(f, transport=transport))
    started = time.perf_counter()
    result = runner.run(feed, now=START + timedelta(days=3650))
    elapsed = time.perf_counter() - started
    runner.engine.dispose()
    if result.status != "ok" or result.rejected:
        raise RuntimeError(f"benchmark feed {feed.name} failed: {result.status} {result.error} {result.rejected}")
    return elapsed


def _stored(url: str, tables: tuple[str, ...]) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row CityOps stored in ``tables`` (without the surrogate id), as the database holds it."""
    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in tables:
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")
            names = [n for n in result.keys() if n != "id"]
            keep = [i for i, n in enumerate(result.keys()) if n != "id"]
            out[table] = (names, [tuple(row[i] for i in keep) for row in result])
    engine.dispose()
    return out


def _sqlite_baseline(path: str, rows: dict[str, tuple[list[str], list[tuple]]]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # the same page cache as CityOps' connections
    started = time.perf_counter()
    with conn:
        for table, (names, values) in rows.items():
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values
            )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _postgres_baseline(url: str, rows: dict[str, tuple[list[str], list[tuple]]]) -> float:
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for table, (names, values) in rows.items():
                with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


class _Databases:
    """Two fresh, migrated databases (CityOps' and the baseline's): SQLite files, or PostgreSQL databases."""

    def __init__(self, server_url: str | None) -> None:
        self.server_url = server_url
        self.folder = tempfile.TemporaryDirectory(prefix="cityops-ingest-")
        self.created: list[str] = []

    def fresh(self, name: str) -> str:
        if self.server_url is None:
            url = f"sqlite:///{Path(self.folder.name) / f'{name}.db'}"
        else:
            database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
            admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            admin.dispose()
            self.created.append(database)
            url = make_url(self.server_url).set(database=database).render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url

    def close(self) -> None:
        if self.created:
            admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for database in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()
        self.folder.cleanup()


def run(rows: int, domain: str = "traffic", server_url: str | None = None) -> Result:
    """Ingest ``rows`` records of ``domain`` both ways (SQLite, or the PostgreSQL server at ``server_url``)."""
    spec = DOMAINS[domain]
    items = spec.items(rows)
    databases = _Databases(server_url)
    try:
        _cityops_seconds(databases.fresh("warmup"), spec, items[:PAGE])  # imports, caches
        cityops_url = databases.fresh("cityops")
        cityops = _cityops_seconds(cityops_url, spec, items)
        stored = _stored(cityops_url, spec.tables)
        baseline_url = databases.fresh("baseline")
        if server_url is None:
            baseline = _sqlite_baseline(baseline_url.removeprefix("sqlite:///"), stored)
        else:
            baseline = _postgres_baseline(baseline_url, stored)
    finally:
        databases.close()
    facts = len(stored[spec.tables[0]][1])
    written = sum(len(values) for _, values in stored.values())
    ratio = baseline / cityops
    engine_name, ceiling = ("SQLite", "raw executemany") if server_url is None else ("PostgreSQL", "raw COPY")
    return Result(
        name=f"ingest, {engine_name}, {facts:,} {spec.name}",
        ratio=ratio,
        target=f"≥ {TARGET_RATIO}× of {ceiling}" if server_url is None else f"none (reported against {ceiling})",
        met=ratio >= TARGET_RATIO if server_url is None else None,
        detail=f"CityOps {facts / cityops:,.0f} records/s (fetch, parse, validate, upsert, rollups, cursor, run "
        f"record); {ceiling} of the same {written:,} rows {written / baseline:,.0f} rows/s",
    )
