"""Compare what the product serves with what the oracle computes, number by number, with a readable diff."""

from __future__ import annotations

import math
from collections.abc import Mapping

#: Relative tolerance: SQLite computes durations with julianday() (about 1e-8 relative), the oracle exactly.
REL = 1e-7
ABS = 1e-9


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def differences(where: str, served: Mapping[str, object], expected: Mapping[str, object]) -> list[str]:
    """One line per number that differs (``where``: surface, period, district), both values shown."""
    lines = []
    for name in sorted(set(served) | set(expected)):
        got, want = served.get(name), expected.get(name)
        if _missing(got) and _missing(want):
            continue
        if _missing(got) or _missing(want) or not math.isclose(float(got), float(want), rel_tol=REL, abs_tol=ABS):
            lines.append(f"{where} · {name}: served {got!r}, oracle {want!r}")
    return lines


def assert_no_differences(lines: list[str]) -> None:
    """Fail with every difference listed (at most 60 lines, then their count)."""
    if lines:
        shown = "\n".join(lines[:60])
        more = f"\n… and {len(lines) - 60} more" if len(lines) > 60 else ""
        raise AssertionError(f"{len(lines)} numbers differ from the oracle:\n{shown}{more}")
