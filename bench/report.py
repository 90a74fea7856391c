"""The results table: printed, and appended to bench/results.md with the machine and the date."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("results.md")


@dataclass
class Result:
    """One benchmark figure: a ratio against its same-run baseline, with the absolute numbers behind it."""

    name: str
    ratio: float
    target: str
    met: bool | None  # None: reported, with no target
    detail: str


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _met(result: Result) -> str:
    return "n/a" if result.met is None else "yes" if result.met else "no"


def render(results: list[Result]) -> str:
    """A Markdown table of the results."""
    lines = [
        "| benchmark | ratio | target | met | measured |",
        "|---|---|---|---|---|",
        *(f"| {r.name} | {r.ratio:.2f}× | {r.target} | {_met(r)} | {r.detail} |" for r in results),
    ]
    return "\n".join(lines)


def publish(results: list[Result], seconds: float | None = None) -> str:
    """Print the table and append it, with CPU, cores, date and (when given) the run's duration, to
    bench/results.md."""
    took = f", the whole run took {seconds / 60:.1f} min" if seconds is not None else ""
    header = (
        f"## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {_cpu()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}{took}"
    )
    table = render(results)
    print(header, table, sep="\n\n")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(f"\n{header}\n\n{table}\n")
    return table
