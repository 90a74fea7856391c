"""Hostile input for the parser fuzzers, and what every parser must do with it."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from collectors.contract import Rejected
from dashboard.db.reconcile import FACT_TABLES

EXAMPLES = int(os.environ.get("CITYOPS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RUN_AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
#: Longest reason a reject may carry, whatever the size of what arrived.
MAX_REASON_CHARS = 2000

#: Values that break parsers: wrong types, extremes, NaN, markup, NUL, impossible dates, ids too long to store.
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "-",
            "-;",
            "NA",
            "NaN",
            "1e999",
            "9" * 400,
            "<script>alert(1)</script>",
            "\x00",
            "0000-00-00",
            "2026-13-45T25:61:00Z",
            "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "180.5",
            "-91",
            "站" * 300,
            "x" * 100_000,
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def spoiled(draw, records: list[dict]) -> tuple[list[dict], set[int]]:
    """``records`` with some of them given a hostile value in one field, or that field removed, and the indexes
    of those spoilt."""
    out, spoilt = [], set()
    for i, record in enumerate(records):
        record = dict(record)
        if draw(st.booleans()):
            key = draw(st.sampled_from(sorted(record)))
            if draw(st.booleans()):
                record.pop(key)
            else:
                record[key] = draw(HOSTILE)
            spoilt.add(i)
        out.append(record)
    return out, spoilt


def check_rejects(feed_name: str, rejected: list[Rejected]) -> None:
    """Every reject names its feed and record, and the field unless the whole record is malformed; its reason
    stays short whatever arrived."""
    for reject in rejected:
        reason = reject.reason
        assert reason.startswith(f"feed {feed_name}, record "), reason[:300]
        assert len(reason) <= MAX_REASON_CHARS, (len(reason), reason[:300])
        if reject.field is None:
            whole = ("malformed", "expected", "(record)", "unreadable", "lon and lat", " before ")
            assert any(marker in reason for marker in whole), reason[:300]


def check_rows(domain: str, rows: list[dict]) -> None:
    """Valid rows hold finite numbers and strings that fit their database columns (PostgreSQL refuses longer)."""
    table = FACT_TABLES[domain].__table__
    for row in rows:
        for name, value in row.items():
            assert not (isinstance(value, float) and not math.isfinite(value)), (name, value)
            column = table.columns.get(name)
            length = getattr(column.type, "length", None) if column is not None else None
            if isinstance(value, str) and length:
                assert len(value) <= length, (name, len(value), length)
