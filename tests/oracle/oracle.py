"""A second implementation of the numbers CityOps serves, written from DESIGN §6 and docs/kpis.md (not from the
product's code): pandas over the raw fact tables, read with plain SQL. Nothing of ``dashboard`` is used here.

Periods are [start, end) in UTC, cut at ``now``: an event at or before ``now`` has happened, a deadline at
``now`` has not passed yet (a ticket is overdue only after it). Each ratio is over one cohort: received
(closure, returns), due (on-time closure: deadline in the period, open overdue tickets in the denominator),
rated (satisfaction), closed (redo, handling time); hall tickets by their time of issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from tests.oracle import aqi

SATISFIED = ("satisfied", "basically_satisfied")


def _times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


@dataclass
class Facts:
    """The raw facts and the reference data the numbers are computed from."""

    complaints: pd.DataFrame
    halls: pd.DataFrame
    districts: pd.DataFrame
    departments: pd.DataFrame
    traffic: pd.DataFrame
    segments: pd.DataFrame
    readings: pd.DataFrame
    stations: pd.DataFrame
    categories: pd.DataFrame

    @classmethod
    def read(cls, engine: Engine) -> Facts:
        with engine.connect() as conn:
            complaints = pd.read_sql(text("SELECT * FROM complaint"), conn)
            halls = pd.read_sql(text("SELECT * FROM hall_ticket"), conn)
            districts = pd.read_sql(
                text("SELECT code, name_zh, name_en, level, population FROM district WHERE level = 'district'"), conn
            )
            departments = pd.read_sql(text("SELECT code, name_zh, name_en FROM department"), conn)
            traffic = pd.read_sql(
                text("SELECT segment_code, observed_at, period_s, speed_kmh, free_flow_kmh FROM traffic_observation"),
                conn,
            )
            segments = pd.read_sql(text("SELECT code, length_m, free_flow_kmh, road_class FROM road_segment"), conn)
            readings = pd.read_sql(
                text("SELECT station_code, quantity, observed_at, value FROM sensor_reading WHERE value IS NOT NULL"),
                conn,
            )
            stations = pd.read_sql(text("SELECT code, kind, noise_class FROM station"), conn)
            categories = pd.read_sql(text("SELECT code, name_zh, name_en, department_code FROM service_type"), conn)
        _times(complaints, "requested_at", "closed_at", "due_at", "revisited_at")
        _times(halls, "issued_at", "called_at", "finished_at")
        _times(traffic, "observed_at")
        _times(readings, "observed_at")
        for frame, columns in ((traffic, ("speed_kmh", "free_flow_kmh", "period_s")), (readings, ("value",)),
                               (segments, ("length_m", "free_flow_kmh"))):
            for column in columns:
                frame[column] = pd.to_numeric(frame[column]).astype(float)
        return cls(complaints, halls, districts, departments, traffic, segments, readings, stations, categories)

    def population(self, district: str | None = None) -> float | None:
        rows = self.districts if district is None else self.districts[self.districts["code"] == district]
        total = pd.to_numeric(rows["population"]).sum()
        return float(total) if total > 0 else None


def _in(times: pd.Series, start: datetime, end: datetime, now: datetime) -> pd.Series:
    """Events of [start, end) before ``now``: a period read up to now is [start, now), half-open like every
    period (an event at ``now`` itself belongs to what follows, as a deadline at ``now`` has not fallen)."""
    return (times >= pd.Timestamp(start)) & (times < pd.Timestamp(min(end, now)))


def _fell(deadlines: pd.Series, start: datetime, end: datetime, now: datetime) -> pd.Series:
    """Deadlines of [start, end) that have passed by ``now``."""
    return (deadlines >= pd.Timestamp(start)) & (deadlines < pd.Timestamp(min(end, now)))


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return numerator / denominator * scale if denominator else None


def complaint_numbers(
    facts: Facts, start: datetime, end: datetime, now: datetime, district: str | None = None
) -> dict[str, float | None]:
    """The complaint numbers of [start, end) so far (at ``now``) for the city or one district."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    received = c[_in(c["requested_at"], start, end, now)]
    due = c[_fell(c["due_at"], start, end, now)]
    met = due["closed_at"].notna() & (due["closed_at"] <= due["due_at"])
    closed = c[_in(c["closed_at"], start, end, now)]
    rated_at = c["revisited_at"].combine_first(c["closed_at"])
    rated = c[c["satisfaction"].notna() & _in(rated_at, start, end, now)]
    hours = (closed["closed_at"] - closed["requested_at"]).dt.total_seconds() / 3600
    days = (pd.Timestamp(min(end, now)) - pd.Timestamp(start)).total_seconds() / 86400
    population = facts.population(district)
    return {
        "received": float(len(received)),
        "closed": float(len(closed)),
        "due": float(len(due)),
        "due_met": float(met.sum()),
        "closure_rate": _ratio(received["closed_at"].notna().sum(), len(received)),
        "on_time_rate": _ratio(met.sum(), len(due)),
        "satisfaction": _ratio(rated["satisfaction"].isin(SATISFIED).sum(), len(rated)),
        "return_rate": _ratio(received["returned_count"].fillna(0).sum(), len(received)),
        "redo_rate": _ratio((closed["reopened_count"].fillna(0) > 0).sum(), len(closed)),
        "handling_hours": float(hours.mean()) if len(closed) else None,
        "per_10k": _ratio(len(received) / days if days else 0, population or 0, 10_000),  # a day
    }


def open_tickets(facts: Facts, now: datetime, district: str | None = None) -> dict[str, float]:
    """Backlog (received by ``now``, not closed by then) and overdue (of them, past their deadline)."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    not_closed = c["closed_at"].isna() | (c["closed_at"] > pd.Timestamp(now))
    backlog = c[(c["requested_at"] <= pd.Timestamp(now)) & not_closed]
    return {"backlog": float(len(backlog)), "overdue": float((backlog["due_at"] < pd.Timestamp(now)).sum())}


def category_keys(facts: Facts, tickets: pd.DataFrame) -> pd.Series:
    """Each ticket's category: its reference category's code when it names one, else the name (or the code) the
    feed sent."""
    known = tickets["category"].isin(set(facts.categories["code"]))
    return tickets["category"].where(known, tickets["category_name"].fillna(tickets["category"]))


def department_keys(facts: Facts, tickets: pd.DataFrame) -> pd.Series:
    """Each ticket's handling department: the one it names, else the one its category's service type names."""
    by_category = facts.categories.set_index("code")["department_code"]
    return tickets["department_code"].fillna(tickets["category"].map(by_category))


def on_time_by(facts: Facts, key: str, start: datetime, end: datetime, now: datetime) -> dict[str, float]:
    """On-time closure (%) per value of ``key`` (department: see :func:`department_keys`; category by its
    reference code, else by the name or code the feed sent), due cohort."""
    c = facts.complaints
    due = c[_fell(c["due_at"], start, end, now)]
    keys = category_keys(facts, due) if key == "category" else department_keys(facts, due)
    met = due["closed_at"].notna() & (due["closed_at"] <= due["due_at"])
    return (met.groupby(keys.fillna("")).mean() * 100).to_dict()


def hall_numbers(
    facts: Facts, start: datetime, end: datetime, now: datetime, hall: str | None = None
) -> dict[str, float | None]:
    """Service-hall numbers over the tickets issued in [start, end) so far (at ``now``), of one hall or all."""
    h = facts.halls if hall is None else facts.halls[facts.halls["hall_code"] == hall]
    h = h[_in(h["issued_at"], start, end, now)]
    called = h[h["called_at"].notna()]
    wait = (called["called_at"] - called["issued_at"]).dt.total_seconds() / 60
    finished = h[h["finished_at"].notna() & h["called_at"].notna()]
    handling = (finished["finished_at"] - finished["called_at"]).dt.total_seconds() / 60
    visits = h[h["visits"].notna()]
    rated = h[h["rating"].notna()]
    return {
        "wait_minutes": float(wait.mean()) if len(called) else None,
        "long_wait_share": _ratio((wait > 30).sum(), len(called)),
        "handling_minutes": float(handling.mean()) if len(finished) else None,
        "online_rate": _ratio((h["channel"] == "online").sum(), len(h)),
        "one_visit_rate": _ratio((visits["visits"] == 1).sum(), len(visits)),
        "good_rating_rate": _ratio((rated["rating"] >= 4).sum(), len(rated)),
    }


def department_ranking(
    facts: Facts, start: datetime, end: datetime, now: datetime, weights: dict[str, float]
) -> pd.DataFrame:
    """Departments (:func:`department_keys`) ranked by the weighted mean of on-time closure (due cohort),
    satisfaction (rated cohort) and 1 − return rate (received cohort, at least 0); a rate without tickets leaves
    its weight out, a department with none of the three has no score. Best score first, then the most tickets
    due, then the code; equal scores share a rank. Columns: department_code, rank, score, the three rates, due,
    rated, received."""
    c = facts.complaints.assign(department_code=department_keys(facts, facts.complaints))
    c = c[c["department_code"].notna()]
    rated_at = c["revisited_at"].combine_first(c["closed_at"])
    due = c[_fell(c["due_at"], start, end, now)]
    rated = c[c["satisfaction"].notna() & _in(rated_at, start, end, now)]
    received = c[_in(c["requested_at"], start, end, now)]
    rows = []
    for code in sorted(set(due["department_code"]) | set(rated["department_code"]) | set(received["department_code"])):
        d, r, n = (f[f["department_code"] == code] for f in (due, rated, received))
        on_time = _ratio((d["closed_at"].notna() & (d["closed_at"] <= d["due_at"])).sum(), len(d))
        satisfaction = _ratio(r["satisfaction"].isin(SATISFIED).sum(), len(r))
        returns = _ratio(n["returned_count"].fillna(0).sum(), len(n))
        kept = None if returns is None else max(0.0, 1 - returns)
        parts = [(v, weights.get(k, 0.0)) for k, v in (("on_time_rate", on_time), ("satisfaction", satisfaction),
                                                        ("return_rate", kept)) if v is not None]
        total = sum(w for _, w in parts)
        score = sum(v * w for v, w in parts) / total if total else None
        rows.append({"department_code": code, "score": score, "on_time_rate": on_time, "satisfaction": satisfaction,
                     "return_rate": returns, "due": float(len(d)), "rated": float(len(r)), "received": float(len(n))})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.sort_values(["score", "due", "department_code"], ascending=[False, False, True], na_position="last")
    scores = frame["score"]
    frame["rank"] = [None if pd.isna(s) else int((scores > s).sum()) + 1 for s in scores]
    return frame.reset_index(drop=True)


def local_period(now: datetime, timezone: str, period: str) -> tuple[datetime, datetime]:
    """UTC bounds of the local day, week (from Monday) or month that contains ``now``."""
    local = pd.Timestamp(now).tz_convert(timezone)
    midnight = local.normalize()
    if period == "day":
        start, end = midnight, midnight + pd.DateOffset(days=1)
    elif period == "week":
        start = midnight - pd.Timedelta(days=local.weekday())
        end = start + pd.DateOffset(days=7)
    else:
        start = midnight.replace(day=1)
        end = start + pd.DateOffset(months=1)
    return start.tz_convert("UTC").to_pydatetime(), end.tz_convert("UTC").to_pydatetime()


# --- traffic: DESIGN §6 (TTI, TPI, speed grades of GB/T 33171 by road class) --------------------------------

#: TPI at TTI 1, 1.5, 2, 3, 4, 5 (docs/kpis.md; level boundaries 2/4/6/8 at 1.5/2/3/4).
TTI_AT = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0)
TPI_AT = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
#: The speed (km/h) at or below which a road class is graded 中度拥堵 or worse (DESIGN §6).
MODERATE_AT = {"expressway": 35.0, "arterial": 20.0, "secondary": 15.0}


def tpi(tti: float) -> float:
    return float(np.interp(tti, TTI_AT, TPI_AT))


def _network(per_segment: pd.DataFrame) -> dict[str, float | None]:
    """Network numbers of rows of a segment's harmonic-mean ``speed``, ``free`` speed, ``length_m``, class; graded
    by ``exact`` (the speed as a fraction, no rounding at a grade's bound) when given."""
    s = per_segment[(per_segment["speed"] > 0) & (per_segment["length_m"] > 0) & per_segment["free"].notna()]
    if s.empty:
        return {"tti": None, "tpi": None, "network_speed": None, "congested_share": None, "segments": 0.0,
                "length_km": 0.0}
    length = s["length_m"]
    tti = float((length * s["free"] / s["speed"]).sum() / length.sum())
    bound = s["road_class"].map(MODERATE_AT)
    graded = s["exact"] if "exact" in s else s["speed"]
    congested = length[[pd.notna(b) and v <= b for v, b in zip(graded, bound, strict=True)]].sum()
    return {
        "tti": tti,
        "tpi": tpi(tti),
        "network_speed": float(length.sum() / (length / s["speed"]).sum()),
        "congested_share": float(congested / length.sum()),
        "segments": float(len(s)),
        "length_km": float(length.sum() / 1000),
    }


def traffic_numbers(facts: Facts, start: datetime, end: datetime, now: datetime) -> dict[str, float | None]:
    """Network numbers over the observations of [start, end) so far: each segment's speed the harmonic mean of
    its moving observations, its free-flow speed the road's, TTI length-weighted."""
    t = facts.traffic[_in(facts.traffic["observed_at"], start, end, now) & (facts.traffic["speed_kmh"] > 0)]
    speeds = t.groupby("segment_code")["speed_kmh"]
    per = pd.DataFrame({"speed": speeds.agg(lambda v: len(v) / (1 / v).sum()),
                        "exact": speeds.agg(lambda v: Fraction(len(v)) / sum(1 / Fraction(x) for x in v))})
    per = facts.segments.merge(per, left_on="code", right_index=True)
    return _network(per.assign(free=per["free_flow_kmh"]))


def tpi_by_hour(facts: Facts, start: datetime, end: datetime) -> dict[pd.Timestamp, float]:
    """The network TPI of each hour of [start, end) with a moving observation (:func:`traffic_numbers` of the
    hour)."""
    t = facts.traffic[_in(facts.traffic["observed_at"], start, end, end) & (facts.traffic["speed_kmh"] > 0)]
    out = {}
    for hour in sorted(set(t["observed_at"].dt.floor("h"))):
        value = traffic_numbers(facts, hour, hour + pd.Timedelta(hours=1), end)["tpi"]
        if value is not None:
            out[hour] = value
    return out


def latest_interval(facts: Facts) -> dict[str, float | None]:
    """Network numbers of each segment's newest observation in the latest interval (the newest observation time
    back by the longest interval stated then, 900 s when none), with the observation's free-flow speed if any."""
    t = facts.traffic
    if t.empty:
        return _network(pd.DataFrame(columns=["speed", "free", "length_m", "road_class"]))
    newest = t["observed_at"].max()
    seconds = t.loc[t["observed_at"] == newest, "period_s"].max()
    window = t[t["observed_at"] > newest - pd.Timedelta(seconds=900 if pd.isna(seconds) else seconds)]
    last = window.sort_values("observed_at").drop_duplicates("segment_code", keep="last")
    per = facts.segments.rename(columns={"free_flow_kmh": "road_free"}).merge(
        last, left_on="code", right_on="segment_code"
    )
    return _network(per.assign(speed=per["speed_kmh"], free=per["free_flow_kmh"].fillna(per["road_free"])))


# --- environment: HJ 633 hourly AQI of station-hour means, GB 3096-2008 noise limits -----------------------

POLLUTANTS = ("pm25", "pm10", "o3", "no2", "so2", "co")
#: GB 3096-2008 limits dB(A) by acoustic class: (day 06–22, night 22–06); class 2 when unknown.
NOISE_LIMITS = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}


def station_hours(facts: Facts, quantities) -> pd.DataFrame:
    """Mean of each station-hour's readings (HJ 633: the hour's mean): hour, station_code, quantity, mean."""
    r = facts.readings[facts.readings["quantity"].isin(quantities)]
    r = r.assign(hour=r["observed_at"].dt.floor("h"))
    return r.groupby(["hour", "station_code", "quantity"], as_index=False)["value"].mean().rename(
        columns={"value": "mean"}
    )


def _local_day(hour: pd.Timestamp, timezone: str):
    return hour.tz_convert(timezone).date()


def city_hours(facts: Facts, timezone: str) -> pd.DataFrame:
    """Per hour: the city AQI of the mean over stations of each pollutant's station-hour means."""
    means = station_hours(facts, POLLUTANTS).groupby(["hour", "quantity"])["mean"].mean().unstack("quantity")
    rows = []
    for hour, values in means.iterrows():
        table = aqi.table_for(_local_day(hour, timezone))
        rated = aqi.aqi({p: float(v) for p, v in values.items() if pd.notna(v)}, table)
        if rated is not None:
            rows.append({"hour": hour, "aqi": rated[0], "primary": rated[1]})
    return pd.DataFrame(rows, columns=["hour", "aqi", "primary"])


def environment_numbers(facts: Facts, start: datetime, end: datetime, now: datetime, timezone: str) -> dict:
    """City AQI (mean of the hourly city AQI), exceedance hours (AQI > 100) and noise compliance (station-hours
    within the limit of the station's class) over the hours of [start, end) begun by ``now``."""
    def within(hours: pd.Series) -> pd.Series:
        return (hours >= pd.Timestamp(start)) & (hours < pd.Timestamp(min(end, now)))

    air = city_hours(facts, timezone)
    air = air[within(air["hour"])] if not air.empty else air
    noise = station_hours(facts, ("laeq",))
    noise = noise[within(noise["hour"])]
    classes = facts.stations.set_index("code")["noise_class"].to_dict()
    day = noise["hour"].dt.tz_convert(timezone).dt.hour.between(6, 21)
    limits = [NOISE_LIMITS.get(classes.get(code) or "2", NOISE_LIMITS["2"])[0 if d else 1]
              for code, d in zip(noise["station_code"], day, strict=True)]
    ok = noise["mean"].to_numpy() <= np.array(limits, dtype=float)
    return {
        "air_aqi": float(air["aqi"].mean()) if len(air) else None,
        "exceedance_hours": float((air["aqi"] > 100).sum()) if len(air) else None,
        "noise_compliance": _ratio(ok.sum(), len(noise)),
        "noise_day_compliance": _ratio((ok & day.to_numpy()).sum(), day.sum()),
        "noise_night_compliance": _ratio((ok & ~day.to_numpy()).sum(), (~day).sum()),
    }


def _full_hours(hours: pd.DataFrame, until: datetime) -> pd.DataFrame:
    """The rows of the hours that ended by ``until``, the latest of them and the two before it."""
    last = pd.Timestamp(until).tz_convert("UTC").floor("h") - pd.Timedelta(hours=1)
    return hours[(hours["hour"] >= last - pd.Timedelta(hours=2)) & (hours["hour"] <= last)]


def latest_city_aqi(facts: Facts, until: datetime, timezone: str) -> tuple[int, tuple[str, ...]] | None:
    """The city AQI and primary pollutants of the newest hour with an air reading that ended by ``until``
    (among the three hours before ``until``'s hour)."""
    hours = city_hours(facts, timezone)
    hours = _full_hours(hours, until) if not hours.empty else hours
    if hours.empty:
        return None
    newest = hours.iloc[hours["hour"].argmax()]
    return int(newest["aqi"]), tuple(newest["primary"])


def latest_station_aqi(facts: Facts, until: datetime, timezone: str) -> dict[str, float]:
    """Each station's AQI of its latest hour among the three hours that ended last by ``until``."""
    hours = _full_hours(station_hours(facts, POLLUTANTS), until)
    out = {}
    for code, group in hours.groupby("station_code"):
        latest = group[group["hour"] == group["hour"].max()]
        day = _local_day(latest["hour"].iloc[0], timezone)
        rated = aqi.aqi(dict(zip(latest["quantity"], latest["mean"], strict=True)), aqi.table_for(day))
        if rated is not None:
            out[code] = float(rated[0])
    return out


# --- published figures: CNEMC's station-hour AQI against ours (HJ 633 on the same 1-hour readings) -------------

#: The names CNEMC publishes for the primary pollutants -> pollutant codes.
PRIMARY_NAMES = {"细颗粒物(PM2.5)": "pm25", "颗粒物(PM10)": "pm10", "臭氧1小时": "o3", "臭氧8小时": "o3",
                 "二氧化氮": "no2", "二氧化硫": "so2", "一氧化碳": "co"}


def published_agreement(engine: Engine, start: datetime, end: datetime, timezone: str) -> dict[str, tuple[int, int]]:
    """Per source: (published station-hour AQIs of [start, end), those whose value and primary pollutants equal
    the HJ 633 AQI of the same source's readings of that station and time)."""
    with engine.connect() as conn:
        figures = pd.read_sql(text("SELECT source, station_code, observed_at, value, label FROM published_figure "
                                   "WHERE quantity = 'aqi_published' AND value IS NOT NULL"), conn)
        readings = pd.read_sql(text("SELECT source, station_code, observed_at, quantity, value FROM sensor_reading "
                                    "WHERE value IS NOT NULL"), conn)
    _times(figures, "observed_at")
    _times(readings, "observed_at")
    figures = figures[_in(figures["observed_at"], start, end, end)]
    values = {key: dict(zip(g["quantity"], g["value"], strict=True))
              for key, g in readings.groupby(["source", "station_code", "observed_at"])}
    out: dict[str, tuple[int, int]] = {}
    for f in figures.itertuples(index=False):
        day = _local_day(f.observed_at, timezone)
        hour = values.get((f.source, f.station_code, f.observed_at), {})
        ours = aqi.aqi({q: v for q, v in hour.items() if q in aqi.ORDER}, aqi.table_for(day))
        names = [n.strip() for n in f.label.split(",")] if isinstance(f.label, str) else []
        primary = tuple(p for p in aqi.ORDER if p in {PRIMARY_NAMES.get(n, n) for n in names})
        compared, agreeing = out.get(f.source, (0, 0))
        out[f.source] = (compared + 1, agreeing + int(ours == (int(f.value), primary)))
    return out


# --- at a period's edges: duration percentiles and each road's TPI -------------------------------------------


def _percentile(values: pd.Series, q: float) -> float | None:
    return float(np.percentile(values.to_numpy(dtype=float), q)) if len(values) else None


def duration_percentiles(facts: Facts, start: datetime, end: datetime, now: datetime) -> dict[str, float | None]:
    """Median and P90 handling time (hours) of the tickets closed in [start, end) so far, and the P90 wait
    (minutes; a call logged before the ticket's issue waited no time) of the hall tickets issued then and
    called: numpy's default (linear) percentile of the durations themselves."""
    c = facts.complaints
    closed = c[_in(c["closed_at"], start, end, now)]
    hours = (closed["closed_at"] - closed["requested_at"]).dt.total_seconds() / 3600
    h = facts.halls
    called = h[_in(h["issued_at"], start, end, now) & h["called_at"].notna()]
    waits = ((called["called_at"] - called["issued_at"]).dt.total_seconds() / 60).clip(lower=0)
    return {"handling_hours_median": _percentile(hours, 50), "handling_hours_p90": _percentile(hours, 90),
            "wait_p90_minutes": _percentile(waits, 90)}


def segment_tpi(facts: Facts, start: datetime, end: datetime, now: datetime) -> dict[str, float]:
    """Each road's TPI over the observations of [start, end) so far: TTI = the road's free-flow speed over the
    harmonic mean of its moving observations (roads without one left out)."""
    t = facts.traffic[_in(facts.traffic["observed_at"], start, end, now) & (facts.traffic["speed_kmh"] > 0)]
    speeds = t.groupby("segment_code")["speed_kmh"].agg(lambda v: len(v) / (1 / v).sum())
    roads = facts.segments.set_index("code")
    return {code: tpi(float(roads.at[code, "free_flow_kmh"]) / speed) for code, speed in speeds.items()
            if code in roads.index and roads.at[code, "length_m"] > 0}
