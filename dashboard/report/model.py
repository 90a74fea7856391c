"""The figures of a daily or weekly report, gathered from the measures and reads every other surface uses.

Nothing is computed here that has a definition elsewhere: the KPI table and the city score come from
``queries.kpis.kpi_values`` and ``kpis.cityscore``, the breakdowns from the complaint, map, traffic,
environment and hall reads; the report only compares a period with the one before (环比) and the same period a
year earlier (同比), ranks the changes, and states which sections rest on incomplete data.

The report is as of the end of its period: backlog and overdue are the tickets open at that moment
(``queries.kpis.open_tickets``), whenever the report is generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import h3
import pandas as pd
import shapely
from sqlalchemy import Engine

from dashboard.kpis.cityscore import city_score
from dashboard.kpis.environment import aqi_episodes
from dashboard.kpis.published import agreement
from dashboard.kpis.registry import Registry
from dashboard.kpis.traffic import network_measures_of
from dashboard.queries import alerts as alert_queries
from dashboard.queries import complaints, environment, feeds, halls, kpis, map, published, reference, traffic
from dashboard.report.periods import ReportPeriod

#: How many rows each ranking of the report shows.
TOP = 3
#: Hot spots drawn on the small map.
HOT_SPOTS = 5
#: Feed domain → report section it feeds.
SECTIONS = {"complaints": "complaints", "traffic": "traffic", "sensors": "environment", "halls": "halls"}


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True)
class KpiRow:
    """One registry KPI in the report: value, target, RAG, score, and the same KPI before and a year earlier."""

    id: str
    domain: str
    value: float | None
    target: float | None
    rag: str | None
    score: float | None
    previous: float | None
    year_before: float | None
    previous_score: float | None

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


@dataclass(frozen=True)
class Ranked:
    """A row of a ranking: code, names, the value now and before, and its rise (now − before)."""

    code: str
    name_zh: str
    name_en: str
    value: float
    before: float = 0.0

    @property
    def rise(self) -> float:
        return self.value - self.before


@dataclass(frozen=True)
class FeedHealth:
    """One feed over the period: its runs, failed runs, quarantined records, whether it is down for the
    report (see :func:`_feed_health`) and the error of its last failed run."""

    name: str
    domain: str
    runs: int
    failed: int
    quarantined: int
    down: bool
    last_error: str | None = None


@dataclass
class Report:
    """Every figure of one report."""

    period: ReportPeriod
    city_zh: str
    city_en: str
    score: float | None
    score_previous: float | None
    score_year_before: float | None
    kpis: list[KpiRow]
    best: list[KpiRow]
    worst: list[KpiRow]
    received: float
    received_previous: float
    received_year_before: float
    backlog: int
    overdue: int
    rising_categories: list[Ranked]
    rising_districts: list[Ranked]
    hot_spots: list[Ranked]
    departments: pd.DataFrame
    districts: pd.DataFrame
    tpi_by_hour: pd.DataFrame
    congested_segments: list[Ranked]
    aqi_by_hour: pd.DataFrame
    episodes: pd.DataFrame
    primary_pollutants: dict[str, int]
    noise_exceedances: int
    noise_hours: int
    halls: pd.DataFrame
    alerts: dict[str, int]
    alert_rows: pd.DataFrame
    feeds: list[FeedHealth]
    published_agreement: pd.DataFrame
    incomplete: list[str] = field(default_factory=list)
    gaps: dict[str, int] = field(default_factory=dict)

    def kpi(self, kpi_id: str) -> KpiRow:
        return next(k for k in self.kpis if k.id == kpi_id)


def _kpi_rows(engine: Engine, registry: Registry, period: ReportPeriod) -> tuple[list[KpiRow], list[float | None]]:
    tz, end = period.timezone, period.end
    tables = [
        kpis.kpi_values(engine, registry, start, stop, stop, tz)
        for start, stop in ((period.start, end), period.previous, period.year_before)
    ]
    now, before, year = (t.set_index("id") for t in tables)
    rows = [
        KpiRow(
            kpi.id,
            kpi.domain,
            _number(now.at[kpi.id, "value"]),
            kpi.target,
            now.at[kpi.id, "rag"] if isinstance(now.at[kpi.id, "rag"], str) else None,
            _number(now.at[kpi.id, "score"]),
            _number(before.at[kpi.id, "value"]),
            _number(year.at[kpi.id, "value"]),
            _number(before.at[kpi.id, "score"]),
        )
        for kpi in registry
    ]
    return rows, [city_score(t) for t in tables]


def _movers(rows: list[KpiRow]) -> tuple[list[KpiRow], list[KpiRow]]:
    """The KPIs whose score rose most and fell most since the previous period."""
    moved = sorted((r for r in rows if r.score_change), key=lambda r: (r.score_change, r.id))
    best = [r for r in reversed(moved) if r.score_change > 0][:TOP]
    worst = [r for r in moved if r.score_change < 0][:TOP]
    return best, worst


def _rising(now: pd.DataFrame, before: pd.DataFrame, key: str, value: str, names) -> list[Ranked]:
    """The ``TOP`` keys whose ``value`` rose most (ties by key), only those that rose."""
    merged = now[[key, value]].merge(before[[key, value]], how="outer", on=key, suffixes=("", "_before"))
    merged = merged.fillna({value: 0, f"{value}_before": 0})
    merged["rise"] = merged[value] - merged[f"{value}_before"]
    merged = merged[merged["rise"] > 0].sort_values(["rise", key], ascending=[False, True]).head(TOP)
    return [
        Ranked(str(row[key]), *names(row[key]), float(row[value]), float(row[f"{value}_before"]))
        for _, row in merged.iterrows()
    ]


def _complaint_breakdowns(engine: Engine, period: ReportPeriod) -> dict:
    tz = period.timezone
    now = complaints.ComplaintFilter(period.start, period.end)
    before = complaints.ComplaintFilter(*period.previous)
    categories = [complaints.by_category(engine, s, s.end) for s in (now, before)]
    areas = reference.districts(engine)[["code", "name_zh", "name_en"]].set_index("code")
    by_district = [kpis.district_sums(engine, s.start, s.end, tz, ("received",)) for s in (now, before)]

    def area_names(code):
        return (areas.at[code, "name_zh"], areas.at[code, "name_en"]) if code in areas.index else (code, code)

    # the names the category breakdown gives its keys (not the list of every category: it scans the tickets)
    kind_names = {key: (zh, en) for frame in categories
                  for key, zh, en in frame[["key", "name_zh", "name_en"]].itertuples(index=False)}
    cells = [map.cells(engine, s) for s in (now, before)]
    return {
        "rising_categories": _rising(categories[0], categories[1], "key", "received",
                                     lambda k: kind_names.get(k, (k, k))),
        "rising_districts": _rising(by_district[0], by_district[1], "code", "received", area_names),
        "hot_spots": _hot_spots(cells[0], cells[1], reference.districts(engine)),
    }


def _hot_spots(now: pd.DataFrame, before: pd.DataFrame, areas: pd.DataFrame) -> list[Ranked]:
    """The ``HOT_SPOTS`` H3 cells with the largest rise in complaints (most complaints first among equal
    rises), each named by the district its centre lies in."""
    merged = now[["h3", "count"]].merge(before[["h3", "count"]], how="left", on="h3", suffixes=("", "_before"))
    merged["count_before"] = merged["count_before"].fillna(0)
    merged["rise"] = merged["count"] - merged["count_before"]
    merged = merged.sort_values(["rise", "count", "h3"], ascending=[False, False, True]).head(HOT_SPOTS)
    shapes = [(g, zh, en) for g, zh, en in areas[["geometry", "name_zh", "name_en"]].itertuples(index=False)
              if g is not None]
    spots = []
    for cell, count, earlier in zip(merged["h3"], merged["count"], merged["count_before"], strict=True):
        lat, lng = h3.cell_to_latlng(cell)
        centre = shapely.Point(lng, lat)
        zh, en = next(((zh, en) for g, zh, en in shapes if g.covers(centre)), (cell, cell))
        spots.append(Ranked(cell, zh, en, float(count), float(earlier)))
    return spots


def _segments(engine: Engine, period: ReportPeriod) -> list[Ranked]:
    """The ``TOP`` road segments with the highest TPI over the period (per-segment network KPIs)."""
    rows = kpis.segment_sums(engine, period.start, period.end, period.timezone)
    if not rows:
        return []
    measures = network_measures_of(*zip(*rows, strict=True))
    names = reference.road_segments(engine).set_index("code")
    ranked = sorted(((m["traffic_tpi"].value, code) for code, m in measures.items()), key=lambda p: (-p[0], p[1]))
    return [
        Ranked(code, names.at[code, "name_zh"] or code, names.at[code, "name_en"] or code, float(tpi))
        for tpi, code in ranked[:TOP]
    ]


def _feed_health(engine: Engine, period: ReportPeriod) -> list[FeedHealth]:
    """Each feed over the period. A feed is down for the report when it has not run successfully since before
    the period ended: what it would have brought since is missing (a feed that failed for a while and then
    caught up has lost nothing, its failed runs are still counted)."""
    status = feeds.feed_status(engine)
    runs = feeds.runs_between(engine, period.start, period.end)
    problems = feeds.recent_problems(engine, period.start, until=period.end).set_index("feed")
    out = []
    for row in status.itertuples(index=False):
        if row.enabled is False:
            continue
        mine = runs[runs["feed"] == row.name]
        failed = mine[mine["status"] != "ok"]
        success = pd.Timestamp(row.last_success_at) if pd.notna(row.last_success_at) else None
        out.append(
            FeedHealth(
                row.name,
                row.domain or "",
                len(mine),
                len(failed),
                int(problems.at[row.name, "quarantined"]) if row.name in problems.index else 0,
                success is None or success < pd.Timestamp(period.end),
                None if failed.empty else str(failed["error"].iloc[-1] or ""),
            )
        )
    return out


def missing_hours(period: ReportPeriod, hourly: pd.DataFrame) -> int:
    """Hours of the period without a row in an hourly series (``hour``): for feeds that measure every hour."""
    hours = pd.date_range(pd.Timestamp(period.start), pd.Timestamp(period.end), freq="h", inclusive="left")
    present = set(pd.to_datetime(hourly["hour"], utc=True)) if not hourly.empty else set()
    return sum(1 for h in hours if h not in present)


def _environment(engine: Engine, period: ReportPeriod, measures: dict) -> dict:
    hourly = environment.air_trend(engine, period.start, period.end, period.timezone)
    primary = hourly.loc[hourly["aqi"] > 50, "primary"].str.split(",").explode()
    noise = measures["noise_compliance"]
    return {
        "aqi_by_hour": hourly[["hour", "aqi", "level", "color", "primary"]],
        "episodes": aqi_episodes(hourly),
        "primary_pollutants": {k: int(v) for k, v in primary.value_counts().sort_index().items() if k},
        "noise_exceedances": int((noise.denominator or 0) - (noise.numerator or 0)),
        "noise_hours": int(noise.denominator or 0),
    }


def build_report(
    engine: Engine, registry: Registry, period: ReportPeriod, *, city: tuple[str, str]
) -> Report:
    """The report of ``period``, as of its end."""
    tz = period.timezone
    rows, (score, score_before, score_year) = _kpi_rows(engine, registry, period)
    best, worst = _movers(rows)
    measures = kpis.period_measures(engine, period.start, period.end, tz)
    backlog, overdue = kpis.open_tickets(engine, period.end)
    health = _feed_health(engine, period)
    compared = published.aqi_comparison(engine, tz, since=period.start)
    compared = compared[compared["observed_at"] < pd.Timestamp(period.end)]
    alerts, alert_rows = alert_queries.alerts_between(engine, period.start, period.end)
    received = next(r for r in rows if r.id == "complaints_received")
    report = Report(
        period=period,
        city_zh=city[0],
        city_en=city[1],
        score=score,
        score_previous=score_before,
        score_year_before=score_year,
        kpis=rows,
        best=best,
        worst=worst,
        received=received.value or 0.0,
        received_previous=received.previous or 0.0,
        received_year_before=received.year_before or 0.0,
        backlog=backlog,
        overdue=overdue,
        **_complaint_breakdowns(engine, period),
        departments=kpis.department_ranking(engine, registry, period.start, period.end, tz),
        districts=reference.districts(engine),
        tpi_by_hour=traffic.traffic_trend(engine, period.start, period.end),
        congested_segments=_segments(engine, period),
        **_environment(engine, period, measures),
        halls=halls.hall_stats(engine, period.start, period.end),
        alerts=alerts,
        alert_rows=alert_rows,
        feeds=health,
        published_agreement=agreement(compared),
    )
    report.gaps = {"traffic": missing_hours(period, report.tpi_by_hour),
                   "environment": missing_hours(period, report.aqi_by_hour)}
    down = {SECTIONS[f.domain] for f in health if f.down and f.domain in SECTIONS}
    report.incomplete = sorted(down | {section for section, hours in report.gaps.items() if hours})
    return report

