"""The complaint categories (the configured service types and every other category the complaints name) are read
one index entry per category, not by reading every complaint: the list equals pandas over all the complaints, on
SQLite and PostgreSQL, and SQLite's plan searches the index without scanning the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import insert, text

from dashboard.db.models import Complaint, ServiceType
from dashboard.queries import reference
from tests.dashboard.synthetic_city import _complaint

T0 = datetime(2026, 11, 1, tzinfo=UTC)
SERVICE_TYPES = [
    {"code": "noise", "name_zh": "噪声扰民", "name_en": "Noise"},
    {"code": "road", "name_zh": "道路破损", "name_en": "Road damage"},
]
#: (category, category_name) of each complaint: configured and unknown categories, names given by some of a
#: category's complaints and not by others, a category no complaint names, complaints without a category.
NAMED = (
    [("noise", "噪声扰民")] * 5 + [("road", None)] * 2
    + [("zz-parking", None), ("zz-parking", "违章停车"), ("zz-parking", None)]
    + [("a-lights", "路灯不亮")] * 3
    + [("m-unnamed", None)] * 4
    + [(None, "无类别")] * 2
)


def _oracle(rows: list[tuple[str | None, str | None]]) -> pd.DataFrame:
    """What the list must be, from every complaint: the service types, then each other category named, with a
    name one of its complaints gives it (its code when none does)."""
    complaints = pd.DataFrame(rows, columns=["code", "name"]).dropna(subset=["code"])
    known = pd.DataFrame(SERVICE_TYPES)
    other = complaints[~complaints["code"].isin(known["code"])]
    names = other.dropna(subset=["name"]).groupby("code")["name"].first()
    seen = pd.DataFrame({"code": sorted(other["code"].unique())})
    seen["name_zh"] = seen["code"].map(names).fillna(seen["code"])
    seen["name_en"] = seen["name_zh"]
    return pd.concat([known, seen], ignore_index=True).sort_values("code", ignore_index=True)


def _fill(engine) -> None:
    rows = [
        _complaint(i, T0 + timedelta(hours=i), category=code, category_name=name)
        for i, (code, name) in enumerate(NAMED)
    ]
    with engine.begin() as conn:
        conn.execute(insert(ServiceType), SERVICE_TYPES)
        conn.execute(insert(Complaint), rows)


def test_categories_equal_pandas_over_every_complaint(engine):
    _fill(engine)
    listed = reference.categories(engine)
    pd.testing.assert_frame_equal(listed[["code", "name_zh", "name_en"]], _oracle(list(NAMED)))


def test_categories_are_read_from_the_index_alone(sqlite_engine):
    _fill(sqlite_engine)
    statement = reference._seen_categories().compile(sqlite_engine, compile_kwargs={"literal_binds": True})
    with sqlite_engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
    on_complaints = [step for step in plan if "complaint" in step]
    assert on_complaints and all("USING COVERING INDEX ix_complaint_category_category_name" in s
                                 for s in on_complaints), plan
    assert not [step for step in plan if step.startswith("SCAN complaint")], plan
