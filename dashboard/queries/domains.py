"""Domain-page queries: complaint lifecycle, breakdowns and tickets; traffic, air and hall trends from the
hourly rollups; feed run history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from dashboard.cache import cached
from dashboard.db.models import (
    Complaint,
    ComplaintEvent,
    ComplaintHourly,
    Department,
    District,
    FeedRun,
    HallHourly,
    RoadSegment,
    SensorHourly,
    ServiceHall,
    ServiceType,
    Station,
    TrafficHourly,
)
from dashboard.db.rollups import seconds_between
from dashboard.kpis.aqi import POLLUTANTS, breakpoints_for, hourly_aqi
from dashboard.kpis.complaints import on_time_rates
from dashboard.kpis.traffic import tpi_from_tti
from dashboard.queries.base import read_frame, read_scalar
from dashboard.queries.complaints import ComplaintFilter, filtered

#: Lifecycle stages of the funnel, in order, and the side steps counted next to it.
FUNNEL = ("received", "dispatched", "accepted", "closed", "revisited")
SIDE_STEPS = ("returned", "extended")
STATUS_KEYS = FUNNEL + SIDE_STEPS
#: Sortable columns of the ticket table.
TICKET_COLUMNS = ("ticket", "requested_at", "category", "status", "district", "department", "due_at", "closed_at")


def _hours(start: datetime, end: datetime) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start).floor("h"), pd.Timestamp(end), freq="h", inclusive="left")


# --- complaints --------------------------------------------------------------------------------------------


@cached
def funnel(engine: Engine, sel: ComplaintFilter) -> pd.DataFrame:
    """Tickets of the selection that reached each lifecycle step (``step``, ``tickets``), side steps last.

    A ticket counts once per step it ever reached, from its event history; received counts every ticket.
    """
    reached = (
        select(ComplaintEvent.status.label("step"), func.count(func.distinct(Complaint.id)).label("tickets"))
        .join(
            Complaint,
            and_(Complaint.source == ComplaintEvent.source, Complaint.source_id == ComplaintEvent.ticket_id),
        )
        .group_by(ComplaintEvent.status)
    )
    counts = dict(read_frame(engine, filtered(reached, sel)).itertuples(index=False, name=None))
    counts["received"] = max(counts.get("received", 0), int(read_scalar(engine, filtered(select(func.count()), sel))))
    steps = FUNNEL + SIDE_STEPS
    return pd.DataFrame({"step": steps, "tickets": [int(counts.get(s, 0)) for s in steps]})


def _breakdown(engine: Engine, sel: ComplaintFilter, key, now: datetime) -> pd.DataFrame:
    """Per ``key``: received, closed, overdue and handling hours over the tickets received in the period;
    ``due`` and ``on_time`` over one other cohort, the tickets whose deadline fell in the period (up to
    ``now``), overdue ones still open included (DESIGN §6), so that ``on_time_rate`` never exceeds 100 %."""
    closed = func.sum(case((Complaint.closed_at.is_not(None), 1), else_=0))
    overdue = func.sum(case((Complaint.closed_at.is_(None) & (Complaint.due_at < now), 1), else_=0))
    hours = func.avg(seconds_between(Complaint.requested_at, Complaint.closed_at)) / 3600
    received = select(
        key.label("key"),
        func.count().label("received"),
        closed.label("closed"),
        overdue.label("overdue"),
        hours.label("handling_hours"),
    ).group_by(key)
    met = func.sum(case((Complaint.closed_at.is_not(None) & (Complaint.closed_at <= Complaint.due_at), 1), else_=0))
    due = (
        select(key.label("key"), func.count().label("due"), met.label("on_time"))
        .where(Complaint.due_at < now)
        .group_by(key)
    )
    frame = read_frame(engine, filtered(received, sel)).merge(
        read_frame(engine, filtered(due, sel, time=Complaint.due_at)), how="outer", on="key"
    )
    frame["key"] = frame["key"].fillna("")
    for column in ("received", "closed", "overdue", "on_time", "due"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    frame["on_time_rate"] = on_time_rates(frame["on_time"], frame["due"])
    frame["handling_hours"] = pd.to_numeric(frame["handling_hours"]).astype(float)
    return frame.sort_values("received", ascending=False, ignore_index=True)


@cached
def by_category(engine: Engine, sel: ComplaintFilter, now: datetime) -> pd.DataFrame:
    """Per category (name): received, closed, overdue (open past deadline), on_time_rate, handling_hours."""
    return _breakdown(engine, sel, func.coalesce(Complaint.category_name, Complaint.category), now)


@cached
def by_department(engine: Engine, sel: ComplaintFilter, now: datetime) -> pd.DataFrame:
    """Per handling department (named in both languages when known), the measures of ``by_category``."""
    frame = _breakdown(engine, sel, Complaint.department_code, now)
    names = read_frame(engine, select(Department.code, Department.name_zh, Department.name_en))
    by_code = {c: (zh, en) for c, zh, en in names.itertuples(index=False, name=None)}
    by_name = {zh: (zh, en) for _, zh, en in names.itertuples(index=False, name=None)}
    resolved = [by_code.get(k) or by_name.get(k) or (k, k) for k in frame["key"]]
    frame["name_zh"] = [r[0] for r in resolved]
    frame["name_en"] = [r[1] for r in resolved]
    return frame


@cached
def complaint_trend(engine: Engine, start: datetime, end: datetime, district: str | None = None) -> pd.DataFrame:
    """Hourly received and closed complaints from the rollup: hour (UTC), received, closed."""
    h = ComplaintHourly
    stmt = select(h.hour, func.sum(h.received).label("received"), func.sum(h.closed).label("closed")).where(
        h.hour >= start, h.hour < end
    )
    if district:
        stmt = stmt.where(h.district_code == district)
    frame = read_frame(engine, stmt.group_by(h.hour))
    frame = frame.set_index(pd.to_datetime(frame["hour"], utc=True))[["received", "closed"]].astype(int)
    frame = frame.reindex(_hours(start, end), fill_value=0)
    return frame.rename_axis("hour").reset_index()


def _with_names(stmt):
    """``stmt`` with the names, in both languages, of the ticket's district, department and category (None when
    the code is not a reference entity's)."""
    return (
        stmt.add_columns(
            District.name_zh.label("district_zh"),
            District.name_en.label("district_en"),
            Department.name_zh.label("department_zh"),
            Department.name_en.label("department_en"),
            ServiceType.name_zh.label("category_zh"),
            ServiceType.name_en.label("category_en"),
        )
        .outerjoin(District, District.code == Complaint.district_code)
        .outerjoin(Department, Department.code == Complaint.department_code)
        .outerjoin(ServiceType, ServiceType.code == Complaint.category)
    )


def _ticket_select():
    return _with_names(
        select(
            Complaint.id,
            Complaint.source,
            Complaint.source_id.label("ticket"),
            Complaint.requested_at,
            func.coalesce(Complaint.category_name, Complaint.category).label("category"),
            Complaint.status,
            Complaint.district_code.label("district"),
            Complaint.department_code.label("department"),
            Complaint.due_at,
            Complaint.closed_at,
        )
    )


_SORT = {
    "ticket": Complaint.source_id,
    "requested_at": Complaint.requested_at,
    "category": func.coalesce(Complaint.category_name, Complaint.category),
    "status": Complaint.status,
    "district": Complaint.district_code,
    "department": Complaint.department_code,
    "due_at": Complaint.due_at,
    "closed_at": Complaint.closed_at,
}


@cached
def tickets_page(
    engine: Engine, sel: ComplaintFilter, offset: int, limit: int, sort: str = "requested_at", descending: bool = True
) -> tuple[pd.DataFrame, int]:
    """One page of the selection's tickets (see ``TICKET_COLUMNS``) and the total number of tickets."""
    column = _SORT.get(sort, Complaint.requested_at)
    order = (column.desc(), Complaint.id.desc()) if descending else (column.asc(), Complaint.id.asc())
    stmt = filtered(_ticket_select(), sel).order_by(*order).offset(max(offset, 0)).limit(max(min(limit, 500), 1))
    total = int(read_scalar(engine, filtered(select(func.count()), sel)) or 0)
    return read_frame(engine, stmt), total


def ticket(engine: Engine, ticket_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One ticket (by row id, with its free text) and its lifecycle events in time order."""
    row = read_frame(
        engine,
        _with_names(
            select(
                Complaint.id,
                Complaint.source,
                Complaint.source_id.label("ticket"),
                Complaint.requested_at,
                func.coalesce(Complaint.category_name, Complaint.category).label("category"),
                Complaint.channel,
                Complaint.status,
                Complaint.description,
                Complaint.address,
                Complaint.district_code.label("district"),
                Complaint.department_code.label("department"),
                Complaint.due_at,
                Complaint.closed_at,
                Complaint.satisfaction,
            )
        ).where(Complaint.id == ticket_id),
    )
    if row.empty:
        return row, pd.DataFrame(columns=["status", "occurred_at", "department", "note"])
    events = read_frame(
        engine,
        select(
            ComplaintEvent.status,
            ComplaintEvent.occurred_at,
            ComplaintEvent.department_code.label("department"),
            ComplaintEvent.note,
        )
        .where(ComplaintEvent.source == row.at[0, "source"], ComplaintEvent.ticket_id == row.at[0, "ticket"])
        .order_by(ComplaintEvent.occurred_at, ComplaintEvent.id),
    )
    return row, events


# --- traffic ---------------------------------------------------------------------------------------------


@cached
def traffic_trend(engine: Engine, start: datetime, end: datetime, district: str | None = None) -> pd.DataFrame:
    """Hourly network figures from the rollup: hour, speed_kmh (space-mean), tti (length-weighted), tpi,
    congested share (%)."""
    t, r = TrafficHourly, RoadSegment
    harmonic = t.speeds / t.inverse_speed_sum
    stmt = (
        select(
            t.hour,
            func.sum(r.length_m * t.speeds / t.inverse_speed_sum).label("len_speed"),
            func.sum(r.length_m).label("length"),
            func.sum(r.length_m * r.free_flow_kmh / harmonic).label("len_tti"),
            func.sum(t.congested).label("congested"),
            func.sum(t.observations).label("observations"),
            func.sum(t.speeds).label("speeds"),
            func.sum(t.inverse_speed_sum).label("inverse"),
        )
        .join(r, r.code == t.segment_code)
        .where(t.hour >= start, t.hour < end, t.inverse_speed_sum > 0)
    )
    if district:
        stmt = stmt.where(r.district_code == district)
    frame = read_frame(engine, stmt.group_by(t.hour))
    columns = ["hour", "speed_kmh", "tti", "tpi", "congested_pct"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    frame["speed_kmh"] = frame["speeds"] / frame["inverse"]
    frame["tti"] = frame["len_tti"] / frame["length"]
    frame["tpi"] = [float(tpi_from_tti(v)) for v in frame["tti"]]
    frame["congested_pct"] = frame["congested"] / frame["observations"].where(frame["observations"] > 0) * 100
    return frame[columns].sort_values("hour", ignore_index=True)


@cached
def road_class_speeds(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Space-mean speed per road class over the period: road_class, speed_kmh, segments."""
    t, r = TrafficHourly, RoadSegment
    stmt = (
        select(
            r.road_class,
            (func.sum(t.speeds) / func.sum(t.inverse_speed_sum)).label("speed_kmh"),
            func.count(func.distinct(r.code)).label("segments"),
        )
        .join(r, r.code == t.segment_code)
        .where(t.hour >= start, t.hour < end, t.inverse_speed_sum > 0)
        .group_by(r.road_class)
    )
    return read_frame(engine, stmt)


# --- environment -----------------------------------------------------------------------------------------


@cached
def air_trend(engine: Engine, start: datetime, end: datetime, timezone: str) -> pd.DataFrame:
    """Hourly city AQI from the rollup (station means per pollutant, then AQI): hour, aqi, level, color,
    primary, and each pollutant's mean concentration."""
    s = SensorHourly
    stmt = (
        select(s.hour, s.quantity, (func.sum(s.value_sum) / func.sum(s.readings)).label("value"))
        .join(Station, Station.code == s.station_code)
        .where(Station.kind == "air", s.quantity.in_(POLLUTANTS), s.hour >= start, s.hour < end, s.readings > 0)
        .group_by(s.hour, s.quantity)
    )
    frame = read_frame(engine, stmt)
    columns = ["hour", "aqi", "level", "color", "primary", *POLLUTANTS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    wide = frame.pivot_table(index="hour", columns="quantity", values="value").reindex(columns=list(POLLUTANTS))
    rows = []
    for hour, values in wide.iterrows():
        moment = pd.Timestamp(hour).tz_convert(timezone) if pd.Timestamp(hour).tzinfo else pd.Timestamp(hour)
        result = hourly_aqi(
            {k: (None if pd.isna(v) else float(v)) for k, v in values.items()}, breakpoints_for(moment.date())
        )
        if result is not None:
            rows.append(
                {
                    "hour": pd.Timestamp(hour),
                    "aqi": result.aqi,
                    "level": result.level.key,
                    "color": result.level.color,
                    "primary": ",".join(result.primary),
                    **values.to_dict(),
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    out["hour"] = pd.to_datetime(out["hour"], utc=True)
    return out


@cached
def station_series(engine: Engine, start: datetime, end: datetime, quantity: str) -> pd.DataFrame:
    """Hourly mean of one quantity per station from the rollup: hour, station_code, name_zh, name_en, value."""
    s = SensorHourly
    stmt = (
        select(
            s.hour,
            s.station_code,
            Station.name_zh,
            Station.name_en,
            (s.value_sum / s.readings).label("value"),
        )
        .join(Station, Station.code == s.station_code)
        .where(s.quantity == quantity, s.hour >= start, s.hour < end, s.readings > 0)
        .order_by(s.hour)
    )
    frame = read_frame(engine, stmt)
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    return frame


# --- service halls ---------------------------------------------------------------------------------------


def _hall_measures(h):
    return (
        func.sum(h.issued).label("issued"),
        func.sum(h.called).label("called"),
        func.sum(h.wait_seconds).label("wait_seconds"),
        func.sum(h.waited_over_30min).label("over_30"),
        func.sum(h.finished).label("finished"),
        func.sum(h.handling_seconds).label("handling_seconds"),
        func.sum(h.online).label("online"),
        func.sum(h.with_visits).label("with_visits"),
        func.sum(h.single_visit).label("single_visit"),
        func.sum(h.rated).label("rated"),
        func.sum(h.rated_good).label("rated_good"),
    )


def _hall_rates(frame: pd.DataFrame) -> pd.DataFrame:
    def ratio(num: str, den: str, scale: float) -> pd.Series:
        return (frame[num] / frame[den].where(frame[den] > 0) * scale).astype(float)

    return frame.assign(
        wait_min=ratio("wait_seconds", "called", 1 / 60),
        over_30_pct=ratio("over_30", "called", 100),
        handling_min=ratio("handling_seconds", "finished", 1 / 60),
        online_pct=ratio("online", "issued", 100),
        single_visit_pct=ratio("single_visit", "with_visits", 100),
        good_pct=ratio("rated_good", "rated", 100),
    )


@cached
def hall_stats(engine: Engine, start: datetime, end: datetime, district: str | None = None) -> pd.DataFrame:
    """Per hall over tickets issued in the period: names, lon, lat, issued, called and the rates
    wait_min, over_30_pct, handling_min, online_pct, single_visit_pct, good_pct."""
    h = HallHourly
    stmt = (
        select(
            ServiceHall.code,
            ServiceHall.name_zh,
            ServiceHall.name_en,
            ServiceHall.lon,
            ServiceHall.lat,
            ServiceHall.district_code,
            *_hall_measures(h),
        )
        .join(h, and_(h.hall_code == ServiceHall.code, h.hour >= start, h.hour < end), isouter=True)
        .group_by(
            ServiceHall.code,
            ServiceHall.name_zh,
            ServiceHall.name_en,
            ServiceHall.lon,
            ServiceHall.lat,
            ServiceHall.district_code,
        )
        .order_by(ServiceHall.code)
    )
    if district:
        stmt = stmt.where(ServiceHall.district_code == district)
    frame = read_frame(engine, stmt)
    numeric = [c for c in frame.columns if c not in ("code", "name_zh", "name_en", "lon", "lat", "district_code")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric).fillna(0)
    return _hall_rates(frame)


@cached
def hall_trend(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Hourly figures over all halls: hour, issued, wait_min, over_30_pct."""
    h = HallHourly
    frame = read_frame(engine, select(h.hour, *_hall_measures(h)).where(h.hour >= start, h.hour < end).group_by(h.hour))
    frame["hour"] = pd.to_datetime(frame["hour"], utc=True)
    return _hall_rates(frame)[["hour", "issued", "wait_min", "over_30_pct"]].sort_values("hour", ignore_index=True)


@cached
def hall_items(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    """Per service item: issued, wait_min, online_pct, single_visit_pct (most issued first)."""
    h = HallHourly
    frame = read_frame(
        engine,
        select(h.service_item, *_hall_measures(h)).where(h.hour >= start, h.hour < end).group_by(h.service_item),
    )
    frame = _hall_rates(frame)
    return frame[["service_item", "issued", "wait_min", "online_pct", "single_visit_pct"]].sort_values(
        "issued", ascending=False, ignore_index=True
    )


# --- feed runs --------------------------------------------------------------------------------


@cached
def feed_runs(engine: Engine, since: datetime, feed: str | None = None) -> pd.DataFrame:
    """Runs started since ``since``: feed, started_at, seconds, status, fetched, new, updated, unchanged,
    rejected, error (newest first, at most 2,000)."""
    stmt = select(
        FeedRun.feed,
        FeedRun.started_at,
        FeedRun.finished_at,
        FeedRun.status,
        FeedRun.fetched,
        FeedRun.new,
        FeedRun.updated,
        FeedRun.unchanged,
        FeedRun.rejected,
        FeedRun.error,
    ).where(FeedRun.started_at >= since)
    if feed:
        stmt = stmt.where(FeedRun.feed == feed)
    frame = read_frame(engine, stmt.order_by(FeedRun.started_at.desc(), FeedRun.id.desc()).limit(2000))
    frame["seconds"] = (
        pd.to_datetime(frame["finished_at"], utc=True) - pd.to_datetime(frame["started_at"], utc=True)
    ).dt.total_seconds()
    return frame.drop(columns="finished_at")


def window(now: datetime, days: float) -> tuple[datetime, datetime]:
    """The period of the last ``days`` days ending at ``now``."""
    return now - timedelta(days=days), now
