"""Every table a collector run writes, as comparable values: facts, events, rollups, quarantine, cursors and the
runs' accounting — for comparing a crashed-and-restarted database with an uninterrupted one."""

from __future__ import annotations

from sqlalchemy import Engine, case, func, select

from dashboard.db.models import Base, FeedRun

#: Tables a run writes, compared row by row (the ``feed_run`` accounting is compared as sums per feed).
WRITTEN = (
    "complaint", "complaint_event", "traffic_observation", "sensor_reading", "hall_ticket",
    "complaint_hourly", "complaint_city_hourly", "complaint_block", "complaint_daily", "complaint_area_daily",
    "complaint_department_daily", "complaint_monthly", "traffic_hourly", "traffic_block", "traffic_daily",
    "traffic_dekad", "traffic_monthly", "sensor_hourly", "environment_hourly", "environment_daily", "hall_hourly",
    "hall_city_hourly", "hall_block", "hall_daily", "hall_monthly", "duration_hourly", "duration_block",
    "duration_daily", "duration_dekad", "duration_monthly", "quarantine", "feed_cursor",
)

#: Columns that differ between two equal pulls: surrogate keys and when a row was written.
INCIDENTAL = {"id", "feed_run_id", "ingested_at", "received_at", "updated_at"}

#: Tables whose ``updated_at`` is the record's own version, not the time it was written.
VERSIONED = {"complaint", "hall_ticket"}


def _comparable(value):
    return round(value, 6) if isinstance(value, float) else value


def dump(engine: Engine, *, cursor_values: bool = True) -> dict[str, list[tuple]]:
    """Each written table's rows, sorted, without incidental columns (quarantine: its distinct entries);
    ``feed_run`` as (feed, records inserted, runs whose counts do not add up). Cursor values are left out when
    ``cursor_values`` is false (runs on the real clock)."""
    out = {}
    with engine.connect() as conn:
        for name in WRITTEN:
            table = Base.metadata.tables[name]
            skip = INCIDENTAL - ({"updated_at"} if name in VERSIONED else set())
            if name == "feed_cursor" and not cursor_values:
                skip = skip | {"value"}
            columns = [c for c in table.columns if c.name not in skip]
            rows = [tuple(map(_comparable, row)) for row in conn.execute(select(*columns))]
            # a record re-read in the lag window is quarantined again by each run that reads it
            out[name] = sorted(set(rows) if name == "quarantine" else rows)
        balanced = FeedRun.fetched == FeedRun.new + FeedRun.updated + FeedRun.unchanged + FeedRun.rejected
        unbalanced = func.sum(case((balanced, 0), else_=1))
        out["feed_run"] = sorted(
            tuple(row)
            for row in conn.execute(
                select(FeedRun.feed, func.sum(FeedRun.new), unbalanced)
                .where(FeedRun.status == "ok")
                .group_by(FeedRun.feed)
            )
        )
    return out


def differences(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> dict[str, tuple[int, int]]:
    """Per table that differs: (rows only in ``left``, rows only in ``right``)."""
    out = {}
    for name in left:
        a, b = set(left[name]), set(right[name])
        if a != b or len(left[name]) != len(right[name]):
            out[name] = (len(a - b) + len(left[name]) - len(a), len(b - a) + len(right[name]) - len(b))
    return out
