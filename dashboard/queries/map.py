"""Map explorer queries: one complaint filter served as capped points, H3 cells, area KPIs,
an hourly series, the selection's leading categories and districts, and export rows; plus the water base from
the city's data folder."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import h3
import pandas as pd
import shapely
from sqlalchemy import Engine, case, func, select

from dashboard.cache import cached
from dashboard.db.models import Complaint, Department
from dashboard.kpis.complaints import on_time_rates, per_10k_a_day
from dashboard.queries.base import read_frame, read_scalar
from dashboard.queries.complaints import ComplaintFilter, complaint_trend, filtered
from dashboard.queries.kpis import complaint_series, district_sums
from dashboard.queries.reference import categories, districts

#: Most complaint points sent to the browser at once (newest first); beyond it the map shows cells.
MAX_POINTS = 3000
#: Most rows of one export file.
MAX_EXPORT_ROWS = 50_000
#: H3 resolution stored in ``complaint.h3``.
STORED_RES = 8
#: Area KPIs of the choropleth.
AREA_KPIS = ("per_10k", "on_time", "received")


def located_cells(stmt, sel: ComplaintFilter):
    """``stmt`` restricted to the selection's unflagged points that have a cell: answered from the covering
    index ``ix_complaint_h3_requested_at`` alone (a cell implies coordinates)."""
    return filtered(stmt, sel).where(Complaint.h3.is_not(None), Complaint.location_flag.is_(None))


@cached
def count(engine: Engine, sel: ComplaintFilter, timezone: str | None = None) -> int:
    """Complaints in the selection (located or not): read from the rollups (local days of ``timezone`` from the
    daily level, the hours and minutes at the edges from the finer ones) when the filters fit their dimensions
    (a district at most) and a ``timezone`` is given, else counted from the facts."""
    if timezone is not None and _rollup_fits(sel):
        sums = district_sums(engine, sel.start, sel.end, timezone, ("received",))
        sums = sums[sums["code"] == sel.district] if sel.district else sums
        return int(round(sums["received"].sum()))
    return int(read_scalar(engine, filtered(select(func.count()), sel)) or 0)


@cached
def points(engine: Engine, sel: ComplaintFilter, limit: int = MAX_POINTS) -> pd.DataFrame:
    """Located complaints of the selection, newest first, at most ``limit``."""
    stmt = select(
        Complaint.id,
        Complaint.source,
        Complaint.source_id,
        func.coalesce(Complaint.category_name, Complaint.category).label("category_name"),
        Complaint.status,
        Complaint.requested_at,
        Complaint.district_code,
        Complaint.lon,
        Complaint.lat,
    )
    stmt = filtered(stmt, sel, located=True).order_by(Complaint.requested_at.desc()).limit(limit)
    return read_frame(engine, stmt)


@cached
def cells(engine: Engine, sel: ComplaintFilter, resolution: int = STORED_RES) -> pd.DataFrame:
    """Complaints of the selection per H3 cell (``h3``, ``count``), coarsened to ``resolution``."""
    stmt = located_cells(select(Complaint.h3, func.count().label("count")), sel)
    frame = read_frame(engine, stmt.group_by(Complaint.h3))
    if frame.empty:
        return pd.DataFrame({"h3": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    if resolution < STORED_RES:
        frame["h3"] = [h3.cell_to_parent(c, resolution) for c in frame["h3"]]
        frame = frame.groupby("h3", as_index=False)["count"].sum()
    centres = [h3.cell_to_latlng(c) for c in frame["h3"]]
    frame["lat"] = [c[0] for c in centres]
    frame["lon"] = [c[1] for c in centres]
    return frame.sort_values("count", ascending=False, ignore_index=True)


def _rollup_fits(sel: ComplaintFilter) -> bool:
    return sel.status is None and sel.department is None and sel.category is None


@cached
def area_kpis(engine: Engine, sel: ComplaintFilter, timezone: str, level: str = "district") -> pd.DataFrame:
    """Per area of ``level`` ("district", or "street" inside ``sel.district``): received, closed, due, due_met,
    per_10k (per 10,000 residents a day), on_time (%).

    Each measure counts in its own event time (received, closed, due in the period), as the rollups do; they
    are read (whole local days of ``timezone`` from the daily level) when the filters fit their dimensions,
    else the facts.
    """
    areas = districts(engine, level)
    if level == "street" and sel.district:
        areas = areas[areas["parent_code"] == sel.district]
    if level == "district" and _rollup_fits(sel):
        counts = district_sums(engine, sel.start, sel.end, timezone, ("received", "closed", "due", "due_met"))
    else:
        key = Complaint.district_code if level == "district" else Complaint.subdistrict_code
        met = func.sum(case((Complaint.closed_at <= Complaint.due_at, 1), else_=0))
        parts = [
            filtered(select(key.label("code"), func.count().label("received")), sel),
            filtered(select(key.label("code"), func.count().label("closed")), sel, time=Complaint.closed_at),
            filtered(
                select(key.label("code"), func.count().label("due"), met.label("due_met")), sel, time=Complaint.due_at
            ),
        ]
        counts = pd.DataFrame({"code": pd.Series(dtype=str)})
        for stmt in parts:
            counts = counts.merge(read_frame(engine, stmt.group_by(key)), how="outer", on="code")
    frame = areas[["code", "name_zh", "name_en", "population", "geometry"]].merge(counts, how="left", on="code")
    for column in ("received", "closed", "due", "due_met"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    frame["per_10k"] = per_10k_a_day(frame["received"], (sel.end - sel.start).total_seconds() / 86400,
                                     frame["population"])
    frame["on_time"] = on_time_rates(frame["due_met"], frame["due"])
    return frame.reset_index(drop=True)


@cached
def hourly(engine: Engine, sel: ComplaintFilter) -> pd.DataFrame:
    """Complaints of the selection per UTC hour (``hour``, ``count``), every hour of the period present."""
    times = read_frame(engine, filtered(select(Complaint.requested_at), sel))["requested_at"]
    hours = pd.date_range(pd.Timestamp(sel.start).floor("h"), pd.Timestamp(sel.end), freq="h", inclusive="left")
    counts = pd.to_datetime(times, utc=True).dt.floor("h").value_counts().reindex(hours, fill_value=0)
    return pd.DataFrame({"hour": hours, "count": counts.to_numpy(dtype=int)})


def _named(counts: pd.DataFrame, names: pd.DataFrame, limit: int) -> pd.DataFrame:
    """``counts`` (key, count) summed per key, largest first, at most ``limit``, with ``name_zh``/``name_en``
    from ``names`` (code, name_zh, name_en); a key without a name keeps the key (None: no key)."""
    counts = counts.groupby("key", as_index=False, dropna=False)["count"].sum()
    counts["count"] = counts["count"].astype(int)
    counts = counts.sort_values(["count", "key"], ascending=[False, True], kind="stable", ignore_index=True)
    names = names.rename(columns={"code": "key"}).astype({"key": object})  # no rows at all reads as float64
    named = counts.head(limit).astype({"key": object}).merge(names, how="left", on="key")
    for column in ("name_zh", "name_en"):
        named[column] = named[column].where(named[column].notna(), named["key"])
    return named[["key", "name_zh", "name_en", "count"]]


@cached
def top_categories(engine: Engine, sel: ComplaintFilter, limit: int = 5) -> pd.DataFrame:
    """The selection's most frequent categories: key (code), name_zh, name_en, count. A row that carries
    only a category name (hotline exports) counts under the code of the service type of that name."""
    key = func.coalesce(Complaint.category, Complaint.category_name)
    frame = read_frame(engine, filtered(select(key.label("key"), func.count().label("count")), sel).group_by(key))
    names = categories(engine)
    codes, by_name = set(names["code"]), dict(zip(names["name_zh"], names["code"], strict=True))
    frame["key"] = [k if k in codes else by_name.get(k, k) for k in frame["key"]]
    return _named(frame, names, limit)


@cached
def top_districts(engine: Engine, sel: ComplaintFilter, limit: int = 5) -> pd.DataFrame:
    """The selection's districts with the most complaints: key (code; None: without one), name_zh, name_en,
    count."""
    key = Complaint.district_code
    frame = read_frame(engine, filtered(select(key.label("key"), func.count().label("count")), sel).group_by(key))
    return _named(frame, districts(engine)[["code", "name_zh", "name_en"]], limit)


def by_grain(hourly: pd.DataFrame, timezone: str, grain: str) -> pd.DataFrame:
    """Hourly counts (``hour`` in UTC, ``count``) as they are (``grain`` "hour"), or summed per local day or
    month of ``timezone`` (``hour``: the bucket's start in UTC)."""
    if grain == "hour" or hourly.empty:
        return hourly
    local = pd.to_datetime(hourly["hour"], utc=True).dt.tz_convert(timezone)
    buckets = local.dt.normalize()
    if grain == "month":
        buckets = buckets - pd.to_timedelta(buckets.dt.day - 1, unit="D")
    summed = hourly.groupby(buckets.to_numpy(), sort=True)["count"].sum()
    return pd.DataFrame({"hour": pd.DatetimeIndex(summed.index).tz_convert("UTC"), "count": summed.to_numpy()})


def selection_trend(engine: Engine, sel: ComplaintFilter, timezone: str, grain: str) -> pd.DataFrame:
    """Complaints of the selection per hour, local day or month (``grain``): ``hour`` (the bucket's UTC start),
    ``count``. Read from the rollups (hourly, or daily with the edge hours) when the filters fit their
    dimensions (a district at most), else counted from the facts."""
    if not _rollup_fits(sel):
        return by_grain(hourly(engine, sel), timezone, grain)
    if grain == "hour":
        frame = complaint_trend(engine, sel.start, sel.end, sel.district)
    else:
        frame = complaint_series(engine, sel.start, sel.end, timezone, grain, sel.district)
    return frame.rename(columns={"received": "count"})[["hour", "count"]]


def export_rows(engine: Engine, sel: ComplaintFilter, limit: int = MAX_EXPORT_ROWS) -> pd.DataFrame:
    """The selection's complaints for export (no free text), oldest first, at most ``limit`` rows."""
    stmt = select(
        Complaint.source_id.label("ticket"),
        Complaint.source,
        func.coalesce(Complaint.category_name, Complaint.category).label("category"),
        Complaint.status,
        Complaint.district_code.label("district"),
        Complaint.subdistrict_code.label("subdistrict"),
        Complaint.department_code.label("department"),
        Complaint.requested_at,
        Complaint.due_at,
        Complaint.closed_at,
        Complaint.lon,
        Complaint.lat,
        Complaint.h3,
    )
    return read_frame(engine, filtered(stmt, sel).order_by(Complaint.requested_at, Complaint.id).limit(limit))


@lru_cache(maxsize=4)
def water(data_dir: Path) -> pd.DataFrame:
    """Rivers and lakes of the city (``water.geojson`` in its data folder): name_zh, name_en, geometry."""
    path = Path(data_dir) / "water.geojson"
    if not path.exists():
        return pd.DataFrame(columns=["name_zh", "name_en", "geometry"])
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return pd.DataFrame(
        {
            "name_zh": [f["properties"].get("name_zh", "") for f in features],
            "name_en": [f["properties"].get("name_en", "") for f in features],
            "geometry": [shapely.geometry.shape(f["geometry"]) for f in features],
        }
    )


@cached
def departments(engine: Engine) -> pd.DataFrame:
    """Departments for the filter: code, name_zh, name_en."""
    return read_frame(engine, select(Department.code, Department.name_zh, Department.name_en).order_by(Department.code))
