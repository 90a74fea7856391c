"""Ingest: the whole collector path vs the raw ``sqlite3.executemany`` ceiling for the same rows.

CityOps' side is a real feed run: NGSI v2 pages (JSON bytes, served from memory through httpx's mock
transport, so no network noise) parsed by the NGSI collector, validated, upserted on the natural key,
rolled up, with the cursor and the run record written in one transaction. The baseline inserts the same,
already parsed rows with one ``executemany`` into an identical, freshly migrated table.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx

from bench.report import Result
from collectors.config import FeedConfig
from collectors.http import FeedHttpClient
from collectors.runner import FeedRunner
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade

TARGET_RATIO = 0.5
PAGE = 1000
START = datetime(2026, 11, 1, tzinfo=UTC)


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
            "dateObserved": f"{begin:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
            "dateObservedFrom": f"{begin:%Y-%m-%dT%H:%M:%SZ}",
            "dateObservedTo": f"{end:%Y-%m-%dT%H:%M:%SZ}",
            "averageVehicleSpeed": 20.0 + (i * 7) % 50,
            "intensity": 100 + i % 400,
            "occupancy": round((i % 90) / 100, 2),
            "congested": (i % 7) == 0,
            "refRoadSegment": f"urn:ngsi-ld:RoadSegment:R{segment:04d}",
        })
    return entities


def _transport(entities: list[dict]) -> httpx.MockTransport:
    pages = {offset: json.dumps(entities[offset : offset + PAGE]).encode() for offset in range(0, len(entities), PAGE)}
    total = str(len(entities))

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(parse_qs(request.url.query.decode()).get("offset", ["0"])[0])
        return httpx.Response(200, content=pages.get(offset, b"[]"),
                              headers={"Content-Type": "application/json", "Fiware-Total-Count": total})

    return httpx.MockTransport(handler)


def _fresh_database(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _baseline_seconds(path: str, entities: list[dict]) -> float:
    rows = [
        ("bench", e["id"], e["refRoadSegment"].rsplit(":", 1)[1],
         e["dateObservedTo"].replace("T", " ").replace("Z", ".000000"), 900, e["averageVehicleSpeed"],
         e["intensity"], e["occupancy"], e["congested"])
        for e in entities
    ]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO traffic_observation (source, source_id, segment_code, observed_at, period_s, speed_kmh, "
            "volume, occupancy, congested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _cityops_seconds(url: str, entities: list[dict]) -> tuple[float, int]:
    feed = FeedConfig(name="bench-traffic", domain="traffic", protocol="ngsi", url="http://upstream.bench/ngsi/v2",
                      page_size=PAGE, backfill_days=3650, max_records_per_run=len(entities) + 1,
                      options={"entity_type": "TrafficFlowObserved"})
    transport = _transport(entities)
    runner = FeedRunner(make_engine(url), http_factory=lambda f: FeedHttpClient(f, transport=transport))
    started = time.perf_counter()
    result = runner.run(feed, now=START + timedelta(days=3650))
    elapsed = time.perf_counter() - started
    runner.engine.dispose()
    if result.status != "ok":
        raise RuntimeError(f"benchmark feed failed: {result.error}")
    return elapsed, result.new


def run(rows: int) -> Result:
    """Ingest ``rows`` traffic observations both ways and compare rows per second."""
    entities = traffic_entities(rows)
    with tempfile.TemporaryDirectory() as folder:
        _cityops_seconds(_fresh_database(Path(folder), "warm-up.db"), entities[:PAGE])  # imports, caches
        baseline_url = _fresh_database(Path(folder), "baseline.db")
        cityops_url = _fresh_database(Path(folder), "cityops.db")
        baseline = _baseline_seconds(baseline_url.removeprefix("sqlite:///"), entities)
        cityops, stored = _cityops_seconds(cityops_url, entities)
    if stored != rows:
        raise RuntimeError(f"stored {stored} of {rows} rows")
    ratio = baseline / cityops
    return Result(
        name=f"ingest, SQLite, {rows:,} traffic observations",
        ratio=ratio,
        target=f"≥ {TARGET_RATIO}× of raw executemany",
        met=ratio >= TARGET_RATIO,
        detail=f"CityOps {rows / cityops:,.0f} rows/s (parse+validate+upsert+rollup+cursor); "
        f"raw executemany {rows / baseline:,.0f} rows/s",
    )
