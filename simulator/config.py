"""Configuration of the simulated city: what to serve, where, and which faults to inject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_SEED = 20261121


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FaultConfig:
    """Faults injected per request; all off by default."""

    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    latency_ms: float = 0.0
    malformed_rate: float = 0.0
    duplicate_rate: float = 0.0
    shuffle: bool = False
    outage: bool = False
    clock_skew_seconds: float = 0.0
    rate_limit: int = 0
    retry_after_seconds: int = 1

    def update(self, **changes: object) -> None:
        """Set the given fields (unknown names or wrong types raise ``ValueError``)."""
        known = {f.name: f.type for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
            current = getattr(self, name)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"fault {name!r} must be true or false")
            elif isinstance(current, int | float) and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError(f"fault {name!r} must be a number")
            setattr(self, name, type(current)(value))

    def as_dict(self) -> dict[str, object]:
        """The faults as plain JSON-able values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class SimulatorConfig:
    """How the simulated city runs: seed, history, address, folders and feed cadences."""

    seed: int = DEFAULT_SEED
    history_days: float = 30
    host: str = "127.0.0.1"
    port: int = 8900
    drop_dir: Path = Path("var/drop/hotline")
    data_dir: Path = Path("data/city")
    clock: Callable[[], datetime] = _utc_now
    traffic_interval_minutes: int = 15
    hotline_export_minutes: int = 60
    hotline_encoding: str = "utf-8-sig"
    faults: FaultConfig = field(default_factory=FaultConfig)
