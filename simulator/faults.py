"""Fault injection, decided per request from the seed and a request counter (so a run is reproducible)."""

from __future__ import annotations

import copy
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from simulator.config import FaultConfig

BAD_COORDINATE = (300.0, 123.456)


@dataclass(frozen=True)
class RecordSpec:
    """Where a feed's records keep their id, times, numbers and coordinates (key-value form)."""

    id_field: str
    required: tuple[str, ...]
    times: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    lat_lon: tuple[str, str] | None = None
    geometry: str | None = None
    bad_time: str = "2026-02-30T25:61:00+08:00"

    def restricted_to(self, served: list[str]) -> RecordSpec:
        """The spec of records served with only these attributes: only those can be malformed."""
        kept = set(served) | {self.id_field}
        return replace(
            self,
            required=tuple(f for f in self.required if f in kept),
            times=tuple(f for f in self.times if f in kept),
            numbers=tuple(f for f in self.numbers if f in kept),
            lat_lon=self.lat_lon if self.lat_lon and set(self.lat_lon) <= kept else None,
            geometry=self.geometry if self.geometry in kept else None,
        )


@dataclass
class RequestFaults:
    """The faults drawn for one request."""

    number: int
    rng: random.Random
    config: FaultConfig
    skew: int = field(init=False)

    def __post_init__(self) -> None:
        self.skew = int(round(self.config.clock_skew_seconds))

    @property
    def alters_records(self) -> bool:
        """Whether records may be malformed, duplicated or shuffled (else they are served as rendered)."""
        return bool(self.config.malformed_rate or self.config.duplicate_rate or self.config.shuffle)

    def _malform(self, record: dict, spec: RecordSpec) -> dict:
        record = copy.deepcopy(record)
        kinds = ["wrong_type", "missing"]
        if spec.times:
            kinds.append("bad_time")
        if spec.lat_lon or spec.geometry:
            kinds.append("bad_coordinates")
        kind = self.rng.choice(kinds)
        if kind == "wrong_type":
            numbers = [f for f in spec.numbers if f in record]
            if numbers:
                record[self.rng.choice(numbers)] = "n/a"
            else:
                record[self.rng.choice([f for f in spec.required if f != spec.id_field])] = 12345
        elif kind == "missing":
            record.pop(self.rng.choice([f for f in spec.required if f != spec.id_field]), None)
        elif kind == "bad_time":
            record[self.rng.choice(spec.times)] = spec.bad_time
        elif spec.lat_lon:
            record[spec.lat_lon[0]], record[spec.lat_lon[1]] = BAD_COORDINATE[1], BAD_COORDINATE[0]
        else:
            record[spec.geometry] = {"type": "Point", "coordinates": list(BAD_COORDINATE)}
        return record

    def apply(self, records: list[dict], spec: RecordSpec) -> tuple[list[dict], list[str]]:
        """Malform, duplicate and shuffle records as configured; returns them and the ids served malformed."""
        out, malformed = [], []
        for record in records:
            if self.config.malformed_rate and self.rng.random() < self.config.malformed_rate:
                malformed.append(str(record[spec.id_field]))
                record = self._malform(record, spec)
            out.append(record)
            if self.config.duplicate_rate and self.rng.random() < self.config.duplicate_rate:
                out.append(copy.deepcopy(record))
        if self.config.shuffle:
            self.rng.shuffle(out)
        return out, malformed


class FaultInjector:
    """Counts requests and decides the transport-level fault of each; ``sleep`` makes the injected waits."""

    def __init__(self, seed: int, config: FaultConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self.seed = seed
        self.config = config
        self.sleep = sleep
        self._count = 0
        self._lock = threading.Lock()

    def next_request(self) -> RequestFaults:
        """Draw the faults of the next request."""
        with self._lock:
            self._count += 1
            number = self._count
        return RequestFaults(number, random.Random(self.seed * 1_000_003 + number), copy.copy(self.config))

    def transport_fault(self, faults: RequestFaults) -> tuple[int, str] | None:
        """Sleep as configured; returns (status, reason) when the request must fail instead of being served."""
        config = faults.config
        if config.outage:
            return 503, "service unavailable (simulated outage)"
        if config.rate_limit and faults.number % config.rate_limit == 0:
            return 429, "too many requests (simulated rate limit)"
        draw = faults.rng.random()
        if draw < config.error_rate:
            return 500, "internal server error (simulated)"
        if faults.rng.random() < config.timeout_rate:
            self.sleep(config.timeout_seconds)
        if config.latency_ms:
            self.sleep(config.latency_ms / 1000)
        return None
