"""The oracle's numbers of the complaints page and the wall's panels, from the raw tables (pandas, plain SQL;
nothing of ``dashboard``): the lifecycle funnel, received and closed per interval, received per category and
on-time closure per department named in a language, and the service halls' waits per hall and per hour.

The funnel (DESIGN §4: 受理→派单→签收→办结→回访, with 退回 and 延期 beside it) counts each ticket received in the
period at every stage up to the furthest it is known to have reached: by its events, by its status (a return
comes after a dispatch, an extension after the department's acceptance, a reopening after a closure), by its own
times (assigned: dispatched; closed or reopened: closed; visited back or rated: revisited); a side step counts the
tickets whose events, status or counters show one.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, text

from tests.oracle.oracle import (
    Facts,
    _in,
    category_keys,
    city_hours,
    complaint_numbers,
    on_time_by,
    tpi,
    traffic_numbers,
)

STAGES = ("received", "dispatched", "accepted", "closed", "revisited")
SIDE_STEPS = ("returned", "extended")
#: The furthest stage (index in STAGES) a status shows.
STAGE_OF = {"received": 0, "dispatched": 1, "accepted": 2, "closed": 3, "revisited": 4, "returned": 1, "extended": 2,
            "reopened": 3}


def events(engine: Engine) -> pd.DataFrame:
    """The lifecycle events: source, ticket_id, status."""
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT source, ticket_id, status FROM complaint_event"), conn)


def hall_names(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT code, name_zh, name_en FROM service_hall"), conn)


def _received(facts: Facts, start: datetime, end: datetime, now: datetime, district: str | None) -> pd.DataFrame:
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    return c[_in(c["requested_at"], start, end, now)]


def funnel(facts: Facts, history: pd.DataFrame, start: datetime, end: datetime, now: datetime,
           district: str | None = None) -> dict[str, float]:
    """Tickets received in [start, end) so far that reached each stage, and each side step."""
    received = _received(facts, start, end, now, district)
    keys = list(zip(received["source"], received["source_id"], strict=True))
    by_ticket = history.assign(stage=history["status"].map(STAGE_OF).fillna(0)).groupby(["source", "ticket_id"])
    furthest_event = by_ticket["stage"].max().to_dict()
    side = {step: set(zip(*(history.loc[history["status"] == step, c] for c in ("source", "ticket_id")), strict=True))
            for step in SIDE_STEPS}
    furthest = []
    for key, row in zip(keys, received.itertuples(index=False), strict=True):
        known = [furthest_event.get(key, 0), STAGE_OF.get(row.status, 0)]
        known += [1] if pd.notna(row.assigned_at) else []
        known += [3] if pd.notna(row.closed_at) or (row.reopened_count or 0) > 0 else []
        known += [4] if pd.notna(row.revisited_at) or pd.notna(row.satisfaction) else []
        furthest.append(max(known))
    out = {stage: float(sum(f >= i for f in furthest)) for i, stage in enumerate(STAGES)}
    counters = {"returned": received["returned_count"], "extended": received["extended_count"]}
    for step in SIDE_STEPS:
        shown = (counters[step].fillna(0) > 0) | (received["status"] == step)
        out[step] = float(sum(s or k in side[step] for s, k in zip(shown, keys, strict=True)))
    return out


def per_interval(times: pd.Series, start: datetime, end: datetime, now: datetime, tz: str, grain: str) -> dict:
    """How many of ``times`` fall in [start, end) so far, per local hour or day (key: the local start, naive)."""
    kept = times[_in(times, start, end, now)].dt.tz_convert(tz).dt.tz_localize(None)
    buckets = kept.dt.floor("h") if grain == "hour" else kept.dt.normalize()
    return {k: float(v) for k, v in buckets.value_counts().items()}


def complaint_trend(facts: Facts, start: datetime, end: datetime, now: datetime, tz: str, grain: str,
                    district: str | None = None) -> dict[str, dict]:
    """Received (by request time) and closed (by closing time) per local hour or day."""
    c = facts.complaints if district is None else facts.complaints[facts.complaints["district_code"] == district]
    return {
        "received": per_interval(c["requested_at"], start, end, now, tz, grain),
        "closed": per_interval(c["closed_at"].dropna(), start, end, now, tz, grain),
    }


def _label(names: pd.DataFrame, lang: str, none: str = ""):
    """Key -> its name in ``lang``, else the key as sent; ``none`` for no key."""
    column = "name_en" if lang == "en" else "name_zh"
    named = {code: name for code, name in zip(names["code"], names[column], strict=True)
             if isinstance(name, str) and name.strip()}
    return lambda key: named.get(key, key) if key else none


def categories(facts: Facts, start: datetime, end: datetime, now: datetime, lang: str,
               district: str | None = None, none: str = "") -> dict[str, float]:
    """Received per category, labelled by its name in ``lang`` (a category the city does not know: as sent;
    tickets naming none: ``none``)."""
    received = _received(facts, start, end, now, district)
    label = _label(facts.categories, lang, none)
    counts = category_keys(facts, received).fillna("").value_counts()
    return {label(k): float(n) for k, n in counts.items()}


def departments(facts: Facts, start: datetime, end: datetime, now: datetime, lang: str,
                district: str | None = None, none: str = "") -> dict[str, float]:
    """On-time closure (%) per handling department (due cohort), labelled by its name in ``lang`` (tickets of
    no department: ``none``)."""
    if district is not None:
        facts = Facts(**{**vars(facts), "complaints": facts.complaints[facts.complaints["district_code"] == district]})
    label = _label(facts.departments, lang, none)
    return {label(k): v for k, v in on_time_by(facts, "department", start, end, now).items()}


def hall_waits(facts: Facts, names: pd.DataFrame, start: datetime, end: datetime, now: datetime,
               lang: str) -> dict[str, float]:
    """Mean wait (min) per hall of the tickets issued in [start, end) so far and called, by the hall's name."""
    h = facts.halls[_in(facts.halls["issued_at"], start, end, now) & facts.halls["called_at"].notna()]
    wait = (h["called_at"] - h["issued_at"]).dt.total_seconds() / 60
    label = _label(names, lang)
    return {label(k): float(v) for k, v in wait.groupby(h["hall_code"]).mean().items()}


def hall_hours(facts: Facts, start: datetime, end: datetime, now: datetime, tz: str) -> dict[str, dict]:
    """Tickets issued and their mean wait (min, of those called) per local hour of issue."""
    h = facts.halls[_in(facts.halls["issued_at"], start, end, now)]
    hours = h["issued_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.floor("h")
    called = h["called_at"].notna()
    wait = ((h["called_at"] - h["issued_at"]).dt.total_seconds() / 60)[called]
    return {
        "issued": {k: float(v) for k, v in hours.value_counts().items()},
        "wait_min": {k: float(v) for k, v in wait.groupby(hours[called]).mean().items()},
    }


# --- the wall's traffic, air and map panels ---------------------------------------------------------------

#: HJ 633-2012 table 2: the AQI levels (upper bound inclusive) and their keys in the message catalogues.
AQI_LEVELS = ((50, "excellent"), (100, "good"), (150, "light"), (200, "moderate"), (300, "heavy"))


def aqi_level(value: float) -> str:
    return next((key for upper, key in AQI_LEVELS if value <= upper), "severe")


def reference_names(engine: Engine, table: str) -> pd.DataFrame:
    """Codes and names of ``road_segment`` or ``station``."""
    with engine.connect() as conn:
        return pd.read_sql(text(f"SELECT code, name_zh, name_en FROM {table}"), conn)  # noqa: S608 (fixed names)


def tpi_hours(facts: Facts, start: datetime, end: datetime, now: datetime, tz: str) -> dict:
    """The network TPI of each hour with a moving observation in [start, end) so far (the first and last hour:
    their part inside it), per local hour (naive)."""
    t = facts.traffic[_in(facts.traffic["observed_at"], start, end, now) & (facts.traffic["speed_kmh"] > 0)]
    out = {}
    for hour in sorted(set(t["observed_at"].dt.floor("h"))):
        part = max(hour, pd.Timestamp(start)), min(hour + pd.Timedelta(hours=1), pd.Timestamp(min(end, now)))
        value = traffic_numbers(facts, *part, now)["tpi"]
        if value is not None:
            out[hour.tz_convert(tz).tz_localize(None)] = value
    return out


def aqi_hours(facts: Facts, start: datetime, end: datetime, now: datetime, tz: str) -> dict:
    """The city AQI of each hour begun in [start, end) by ``now`` (:func:`city_hours`), per local hour (naive)."""
    hours = city_hours(facts, tz)
    if hours.empty:
        return {}
    hours = hours[(hours["hour"] >= pd.Timestamp(start)) & (hours["hour"] < pd.Timestamp(min(end, now)))]
    return {h.tz_convert(tz).tz_localize(None): float(a) for h, a in zip(hours["hour"], hours["aqi"], strict=True)}


def latest_roads(facts: Facts, names: pd.DataFrame, lang: str) -> list[tuple[str, dict[str, float]]]:
    """Each road of the latest interval (:func:`latest_interval`'s window; its newest observation, moving, with
    a free-flow speed: the observation's, else the road's) by its name in ``lang``: TPI (TTI = free-flow over
    observed speed) and speed."""
    t = facts.traffic
    if t.empty:
        return []
    newest = t["observed_at"].max()
    seconds = t.loc[t["observed_at"] == newest, "period_s"].max()
    window = t[t["observed_at"] > newest - pd.Timedelta(seconds=900 if pd.isna(seconds) else seconds)]
    last = window.sort_values("observed_at").drop_duplicates("segment_code", keep="last")
    roads = facts.segments.set_index("code")
    label = _label(names, lang)
    out = []
    for row in last.itertuples(index=False):
        if row.segment_code not in roads.index:
            continue
        free = row.free_flow_kmh if pd.notna(row.free_flow_kmh) else roads.at[row.segment_code, "free_flow_kmh"]
        if pd.notna(row.speed_kmh) and row.speed_kmh > 0 and pd.notna(free):
            out.append((label(row.segment_code), {"tpi": tpi(free / row.speed_kmh), "speed": float(row.speed_kmh)}))
    return out


def district_counts(facts: Facts, start: datetime, end: datetime, now: datetime) -> dict[str, dict[str, float]]:
    """Per district: the tickets received in [start, end) so far and their rate per 10,000 people a day."""
    return {code: {k: complaint_numbers(facts, start, end, now, code)[k] for k in ("received", "per_10k")}
            for code in facts.districts["code"]}


def hall_called(facts: Facts, names: pd.DataFrame, start: datetime, end: datetime, now: datetime,
                lang: str) -> dict[str, float]:
    """Tickets issued in [start, end) so far and called, per hall (every hall of the city, and any other a
    ticket names) by its name."""
    h = facts.halls[_in(facts.halls["issued_at"], start, end, now) & facts.halls["called_at"].notna()]
    counts = h.groupby("hall_code").size()
    label = _label(names, lang)
    return {label(k): float(counts.get(k, 0)) for k in dict.fromkeys([*names["code"], *counts.index])}
