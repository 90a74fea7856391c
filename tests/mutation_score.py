"""Mutation score per module from ``mutmut results --all true`` (read on stdin): ``make mutate`` prints it.

A mutant counts as killed when a test failed on it or it ran past its time limit; a mutant no test reaches
counts as a survivor (nothing would notice it), so the score is killed / (all − skipped)."""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

# "    dashboard.privacy.x_mask_text__mutmut_31: survived"; methods read "module.xǁClassǁmethod__mutmut_N"
LINE = re.compile(r"^\s*(?P<module>[\w.]+)\.x(?:_|ǁ)\S*__mutmut_\d+: (?P<status>.+?)\s*$")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def scores(lines) -> dict[str, Counter]:
    by_module: dict[str, Counter] = defaultdict(Counter)
    for line in lines:
        if match := LINE.match(line):
            by_module[match["module"]][match["status"]] += 1
    return by_module


def main() -> int:
    by_module = scores(sys.stdin)
    for module, counts in sorted(by_module.items()):
        tested = sum(counts.values()) - counts["skipped"] - counts["not checked"]
        killed = sum(n for status, n in counts.items() if status in KILLED)
        score = f"{100 * killed / tested:.1f} %" if tested else "n/a"
        detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(f"{module}: {killed} of {tested} mutants killed ({score}); {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
