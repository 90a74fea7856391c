"""KPI reads: the overview's KPI reads from the rollups vs the naive full-scan query, one year of a
3-million-people city (≈ 9M facts).

The database is built once (facts with raw ``sqlite3.executemany``, rollups with ``rollups.rebuild``) and
cached under bench/.data/ (git-ignored). Each overview KPI read (today's and yesterday's period sums, percentile
and backlog index ranges, the department ranking, district rates) is timed uncached over
``REPEATS`` random days of the year; the naive baseline computes the same day's complaint, hall, traffic and
sensor KPIs with one aggregate pass over each fact table. The 14-day trend is timed and printed apart.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.report import Result
from dashboard.db import rollups
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.periods import period_bounds
from dashboard.kpis.registry import load_registry
from dashboard.queries import kpis

DATA = Path(__file__).with_name(".data")
VERSION = 1
START = datetime(2025, 11, 22, tzinfo=UTC)
END = START + timedelta(days=365)
TZ = "Asia/Shanghai"
SEED = 20261122
REPEATS = 20
TARGET_P95_MS = 20.0
TARGET_RATIO = 100.0

DISTRICTS = 12
POPULATION = 3_000_000
CATEGORIES = 20
DEPARTMENTS = 10
SEGMENTS = 150
AIR_STATIONS = 20
NOISE_STATIONS = 10
HALLS = 15
COMPLAINTS = 1_200_000
HALL_TICKETS = 1_500_000
POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")


def _times(seconds: np.ndarray) -> list[str | None]:
    """Seconds after START as the SQLite text of UTCDateTime (None for NaN)."""
    base = np.datetime64(START.replace(tzinfo=None), "us")
    values = base + (np.nan_to_num(seconds) * 1e6).astype("timedelta64[us]")
    text = np.char.replace(np.datetime_as_string(values, unit="us"), "T", " ")
    return [None if np.isnan(s) else v for s, v in zip(seconds, text.tolist(), strict=True)]


def _reference(conn: sqlite3.Connection, rng: np.random.Generator) -> None:
    weights = rng.dirichlet(np.ones(DISTRICTS) * 4)
    conn.executemany(
        "INSERT INTO district (code, name_zh, name_en, level, population, geometry) "
        "VALUES (?, ?, ?, 'district', ?, '')",
        [(f"D{i:02d}", f"区{i}", f"District {i}", int(w * POPULATION)) for i, w in enumerate(weights)],
    )
    conn.executemany(
        "INSERT INTO department (code, name_zh, name_en) VALUES (?, ?, ?)",
        [(f"G{i:02d}", f"部门{i}", f"Department {i}") for i in range(DEPARTMENTS)],
    )
    conn.executemany(
        "INSERT INTO service_type (code, name_zh, name_en, department_code, deadline_days) VALUES (?, ?, ?, ?, ?)",
        [
            (f"cat{i:02d}", f"类型{i}", f"Category {i}", f"G{i % DEPARTMENTS:02d}", float(1 + i % 7))
            for i in range(CATEGORIES)
        ],
    )
    classes = ("expressway", "arterial", "secondary")
    conn.executemany(
        "INSERT INTO road_segment (code, name_zh, name_en, road_class, length_m, free_flow_kmh, geometry) "
        "VALUES (?, ?, ?, ?, ?, ?, '')",
        [
            (
                f"S{i:03d}",
                f"路{i}",
                f"Road {i}",
                classes[i % 3],
                float(rng.uniform(300, 3000)),
                (80.0, 60.0, 45.0)[i % 3],
            )
            for i in range(SEGMENTS)
        ],
    )
    stations = [(f"A{i:02d}", "air") for i in range(AIR_STATIONS)] + [
        (f"N{i:02d}", "noise") for i in range(NOISE_STATIONS)
    ]
    conn.executemany(
        "INSERT INTO station (code, name_zh, name_en, kind, lon, lat) VALUES (?, ?, ?, ?, 120.6, 30.9)",
        [(c, c, c, k) for c, k in stations],
    )
    conn.executemany(
        "INSERT INTO service_hall (code, name_zh, name_en, lon, lat) VALUES (?, ?, ?, 120.6, 30.9)",
        [(f"H{i:02d}", f"大厅{i}", f"Hall {i}") for i in range(HALLS)],
    )


def _complaints(conn: sqlite3.Connection, rng: np.random.Generator) -> int:
    n, span = COMPLAINTS, (END - START).total_seconds()
    requested = np.sort(rng.uniform(0, span, n))
    category = rng.integers(0, CATEGORIES, n)
    due = requested + (1 + category % 7) * 86400.0
    handling = rng.lognormal(np.log(30 * 3600), 0.9, n)
    closed = np.where(requested + handling < span, requested + handling, np.nan)
    rated = ~np.isnan(closed) & (rng.random(n) < 0.6)
    revisited = np.where(rated, closed + 86400.0, np.nan)
    satisfaction = np.where(rng.random(n) < 0.9, "satisfied", "unsatisfied")
    district = rng.integers(0, DISTRICTS, n)
    returned = (rng.random(n) < 0.05).astype(int)
    times = [_times(a) for a in (requested, closed, due, revisited)]
    rows = (
        (
            "bench",
            f"C{i}",
            f"cat{category[i]:02d}",
            "closed" if times[1][i] else "accepted",
            f"G{category[i] % DEPARTMENTS:02d}",
            f"D{district[i]:02d}",
            times[0][i],
            times[1][i],
            times[2][i],
            times[3][i],
            times[0][i],
            satisfaction[i] if rated[i] else None,
            int(returned[i]),
            times[0][i],
        )
        for i in range(n)
    )
    conn.executemany(
        "INSERT INTO complaint (source, source_id, category, status, department_code, district_code, requested_at, "
        "closed_at, due_at, revisited_at, updated_at, satisfaction, returned_count, extended_count, ingested_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        rows,
    )
    return n


def _traffic(conn: sqlite3.Connection, rng: np.random.Generator) -> int:
    free = np.array([(80.0, 60.0, 45.0)[i % 3] for i in range(SEGMENTS)])
    total = 0
    for day in range(365):
        steps = np.arange(96) * 900.0 + day * 86400.0 + 900.0
        local_hour = ((steps / 3600 + 8) % 24)[:, None]
        rush = np.exp(-((local_hour - 8.5) ** 2) / 2) + np.exp(-((local_hour - 18) ** 2) / 2)
        speed = free[None, :] / (1 + 1.5 * rush * rng.uniform(0.5, 1.5, (96, SEGMENTS)))
        times = _times(np.repeat(steps, SEGMENTS))
        flat = speed.ravel()
        conn.executemany(
            "INSERT INTO traffic_observation (source, source_id, segment_code, observed_at, period_s, speed_kmh) "
            "VALUES ('bench', ?, ?, ?, 900, ?)",
            ((f"{day}:{i}", f"S{i % SEGMENTS:03d}", times[i], float(flat[i])) for i in range(flat.size)),
        )
        total += flat.size
    return total


def _sensors(conn: sqlite3.Connection, rng: np.random.Generator) -> int:
    hours = np.arange(365 * 24) * 3600.0 + 1800.0
    times = _times(hours)
    scale = {"pm25": 40, "pm10": 70, "o3": 90, "no2": 35, "so2": 8, "co": 0.8, "laeq": 55}
    series = [(f"A{s:02d}", p) for s in range(AIR_STATIONS) for p in POLLUTANTS]
    series += [(f"N{s:02d}", "laeq") for s in range(NOISE_STATIONS)]
    for station, quantity in series:
        values = scale[quantity] * rng.lognormal(0, 0.4, hours.size)
        conn.executemany(
            "INSERT INTO sensor_reading (source, source_id, station_code, quantity, observed_at, value) "
            "VALUES ('bench', ?, ?, ?, ?, ?)",
            ((f"{station}/{quantity}/{i}", station, quantity, times[i], float(values[i])) for i in range(hours.size)),
        )
    return len(series) * hours.size


def _halls(conn: sqlite3.Connection, rng: np.random.Generator) -> int:
    n = HALL_TICKETS
    day = rng.integers(0, 365, n)
    issued = day * 86400.0 + rng.uniform(1 * 3600, 9 * 3600, n)  # 09:00–17:00 local
    called = issued + rng.exponential(12 * 60, n)
    finished = called + rng.exponential(10 * 60, n)
    times = [_times(a) for a in (issued, called, finished)]
    hall = rng.integers(0, HALLS, n)
    online = rng.random(n) < 0.55
    visits = np.where(rng.random(n) < 0.93, 1, 2)
    rating = rng.choice([5, 5, 5, 5, 4, 3], n)
    conn.executemany(
        "INSERT INTO hall_ticket (source, source_id, hall_code, service_item, channel, issued_at, called_at, "
        "finished_at, visits, rating, updated_at) VALUES ('bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                f"T{i}",
                f"H{hall[i]:02d}",
                f"item{i % 12}",
                "online" if online[i] else "offline",
                times[0][i],
                times[1][i],
                times[2][i],
                int(visits[i]),
                int(rating[i]),
                times[2][i],
            )
            for i in range(n)
        ),
    )
    return n


def build(path: Path) -> int:
    """Build the benchmark database at ``path`` (if absent); returns its number of facts."""
    marker = path.with_suffix(f".v{VERSION}")
    if path.exists() and marker.exists():
        return int(marker.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = np.random.default_rng(SEED)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        _reference(conn, rng)
        facts = _complaints(conn, rng) + _traffic(conn, rng) + _sensors(conn, rng) + _halls(conn, rng)
    conn.close()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as db:
        for domain in rollups.ROLLUPS:
            rollups.rebuild(db, domain)
    with engine.connect() as db:
        db.exec_driver_sql("ANALYZE")
    engine.dispose()
    marker.write_text(str(facts))
    return facts


NAIVE = (
    "SELECT sum(requested_at >= :s AND requested_at < :e), sum(requested_at >= :s AND requested_at < :e "
    "AND closed_at IS NOT NULL), sum(due_at >= :s AND due_at < :e), sum(due_at >= :s AND due_at < :e AND "
    "closed_at <= due_at), sum(CASE WHEN closed_at >= :s AND closed_at < :e THEN julianday(closed_at) - "
    "julianday(requested_at) END), sum(coalesce(revisited_at, closed_at) >= :s AND coalesce(revisited_at, "
    "closed_at) < :e AND satisfaction IN ('satisfied', 'basically_satisfied')), sum(closed_at IS NULL) "
    "FROM complaint",
    "SELECT sum(CASE WHEN issued_at >= :s AND issued_at < :e THEN julianday(called_at) - julianday(issued_at) END), "
    "sum(issued_at >= :s AND issued_at < :e AND channel = 'online') FROM hall_ticket",
    "SELECT segment_code, sum(1.0 / speed_kmh) FROM traffic_observation WHERE julianday(observed_at) >= "
    "julianday(:s) AND julianday(observed_at) < julianday(:e) AND speed_kmh > 0 GROUP BY segment_code",
    "SELECT station_code, quantity, strftime('%Y-%m-%d %H', observed_at) AS h, avg(value) FROM sensor_reading "
    "WHERE julianday(observed_at) >= julianday(:s) AND julianday(observed_at) < julianday(:e) GROUP BY 1, 2, 3",
)


def _overview_reads(engine, registry, now: datetime) -> dict[str, float]:
    """Seconds of each KPI read the overview makes at ``now`` (uncached: no app context)."""
    today, yesterday = period_bounds(now, TZ, "day"), period_bounds(now, TZ, "day", back=1)
    reads = {
        "complaint_sums": lambda: kpis.complaint_sums(engine, today[0], now),
        "complaint_sums (yesterday)": lambda: kpis.complaint_sums(engine, *yesterday),
        "hall_sums": lambda: kpis.hall_sums(engine, today[0], now),
        "segment_sums": lambda: kpis.segment_sums(engine, today[0], now),
        "sensor_hours": lambda: kpis.sensor_hours(engine, today[0], now),
        "handling_seconds": lambda: kpis.handling_seconds(engine, today[0], now),
        "wait_seconds": lambda: kpis.wait_seconds(engine, today[0], now),
        "open_tickets": lambda: kpis.open_tickets(engine, now),
        "department_sums": lambda: kpis.department_sums(engine, today[0], now),
        "district_rates": lambda: kpis.district_rates(engine, today[0], now),
    }
    timings = {}
    for name, read in reads.items():
        started = time.perf_counter()
        read()
        timings[name] = time.perf_counter() - started
    return timings


def _seconds(read) -> float:
    started = time.perf_counter()
    read()
    return time.perf_counter() - started


def _naive(path: Path, now: datetime) -> float:
    start = period_bounds(now, TZ, "day")[0]
    conn = sqlite3.connect(path)
    params = {"s": start.strftime("%Y-%m-%d %H:%M:%S.%f"), "e": now.strftime("%Y-%m-%d %H:%M:%S.%f")}
    started = time.perf_counter()
    for sql in NAIVE:
        conn.execute(sql, params).fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def run() -> list[Result]:
    """Build (or reuse) the year and time the overview's reads against the naive scan."""
    path = DATA / "kpi-year.sqlite"
    facts = build(path)
    engine = make_engine(f"sqlite:///{path}")
    registry = load_registry()
    rng = np.random.default_rng(1)
    moments = [
        START + timedelta(days=int(d), hours=int(h))
        for d, h in zip(rng.integers(20, 364, REPEATS + 1), rng.integers(0, 24, REPEATS + 1), strict=True)
    ]
    _overview_reads(engine, registry, moments[0])  # warm-up: imports, page cache
    per_read: dict[str, list[float]] = {}
    totals = []
    for now in moments[1:]:
        timings = _overview_reads(engine, registry, now)
        for name, seconds in timings.items():
            per_read.setdefault(name, []).append(seconds)
        totals.append(sum(timings.values()))
    trend = [_seconds(lambda now=now: kpis.kpi_trend(engine, registry, now, TZ, 14)) for now in moments[1:6]]
    naive = [_naive(path, now) for now in moments[1:6]]
    engine.dispose()
    all_reads = [s for values in per_read.values() for s in values]
    p95 = float(np.percentile(all_reads, 95)) * 1000
    slowest = max(per_read, key=lambda k: np.percentile(per_read[k], 95))
    naive_s = statistics.median(naive)
    rollup_s = statistics.median(totals)
    ratio = naive_s / rollup_s
    return [
        Result(
            name=f"KPI reads, SQLite, one year, {facts:,} facts: p95 of each overview read",
            ratio=TARGET_P95_MS / p95,
            target=f"p95 ≤ {TARGET_P95_MS:.0f} ms",
            met=p95 <= TARGET_P95_MS,
            detail=f"p95 {p95:.1f} ms over {len(all_reads)} reads ({len(per_read)} kinds × {REPEATS} days); slowest "
            f"kind {slowest} p95 {np.percentile(per_read[slowest], 95) * 1000:.1f} ms",
        ),
        Result(
            name="KPI reads: all overview KPIs of a day from rollups vs the naive full scan of the facts",
            ratio=ratio,
            target=f"≥ {TARGET_RATIO:.0f}× faster",
            met=ratio >= TARGET_RATIO,
            detail=f"rollups {rollup_s * 1000:.1f} ms per overview (median); naive scan {naive_s * 1000:.0f} ms; "
            f"not included: the 14-day trend (daily buckets over 14 × 24 rollup hours) "
            f"{statistics.median(trend) * 1000:.0f} ms median, served from the cache",
        ),
    ]
