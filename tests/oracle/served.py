"""What the product serves, read the ways its surfaces read it: the KPI registry values, the district page's
summary, the complaint breakdowns and the choropleth's area KPIs (view models), and the JSON API."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from dashboard.kpis.registry import load_registry
from dashboard.queries import alerts, complaints
from dashboard.queries import map as mapview
from dashboard.queries.complaints import ComplaintFilter, complaint_summary
from dashboard.queries.environment import station_aqi as mapview_stations
from dashboard.queries.kpis import headline_values, kpi_values, open_tickets
from layouts.viewmodels.overview import overview_kpis

#: Registry KPI id -> the oracle's name of the number.
REGISTRY = {
    "complaints_received": "received",
    "complaint_closure_rate": "closure_rate",
    "complaint_on_time_rate": "on_time_rate",
    "complaint_satisfaction": "satisfaction",
    "complaint_return_rate": "return_rate",
    "complaint_redo_rate": "redo_rate",
    "complaint_handling_hours": "handling_hours",
    "complaints_per_10k": "per_10k",
    "complaint_backlog": "backlog",
    "complaint_overdue": "overdue",
    "hall_wait_minutes": "wait_minutes",
    "hall_long_wait_share": "long_wait_share",
    "hall_handling_minutes": "handling_minutes",
    "hall_online_rate": "online_rate",
    "hall_one_visit_rate": "one_visit_rate",
    "hall_good_rating_rate": "good_rating_rate",
    "traffic_tpi": "tpi",
    "traffic_tti": "tti",
    "traffic_network_speed": "network_speed",
    "traffic_congested_share": "congested_share",
    "air_aqi": "air_aqi",
    "air_exceedance_hours": "exceedance_hours",
    "noise_compliance": "noise_compliance",
    "noise_day_compliance": "noise_day_compliance",
    "noise_night_compliance": "noise_night_compliance",
}


def _plain(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def registry_numbers(engine: Engine, start: datetime, end: datetime, now: datetime, tz: str) -> dict:
    """The registry KPIs of the period, by the oracle's names."""
    table = kpi_values(engine, load_registry(), start, end, now, tz).set_index("id")["value"]
    return {name: _plain(table.get(kpi)) for kpi, name in REGISTRY.items()}


def district_numbers(engine: Engine, code: str, start: datetime, now: datetime) -> dict:
    """The district page's complaint summary (its period up to ``now``) and open tickets."""
    s = complaint_summary(engine, code, start, now)
    backlog, overdue = open_tickets(engine, now, code)
    return {
        "received": s.received,
        "closed": s.closed,
        "due": s.due,
        "due_met": s.due_met,
        "on_time_rate": None if s.on_time is None else s.on_time / 100,
        "satisfaction": None if s.satisfaction is None else s.satisfaction / 100,
        "handling_hours": s.handling_hours,
        "per_10k": s.per_10k,
        "backlog": backlog,
        "overdue": overdue,
    }


def breakdown_numbers(engine: Engine, start: datetime, now: datetime) -> dict[str, dict]:
    """On-time closure (%) per department and per category, as the complaints page charts them."""
    sel = ComplaintFilter(start, now)
    out = {}
    for name, frame in (
        ("department", complaints.by_department(engine, sel, now)),
        ("category", complaints.by_category(engine, sel, now)),
    ):
        out[name] = {k: _plain(v) for k, v in zip(frame["key"], frame["on_time_rate"], strict=True)}
    return out


def area_numbers(engine: Engine, start: datetime, now: datetime, tz: str) -> dict[str, dict]:
    """The choropleth's per-district received, per_10k and on-time closure (as a fraction)."""
    frame = mapview.area_kpis(engine, ComplaintFilter(start, now), tz)
    return {
        r.code: {
            "received": float(r.received),
            "per_10k": _plain(r.per_10k),
            "on_time_rate": None if pd.isna(r.on_time) else r.on_time / 100,
        }
        for r in frame.itertuples(index=False)
    }


def headline_numbers(engine: Engine, now: datetime, tz: str) -> dict[str, dict]:
    """The headline KPIs as the overview and the wall show them (view model, rates in per cent) and as the
    registry computes them (the ``measure`` KPI over the window), by card id."""
    registry = load_registry()
    cards = {card.id: card.value for card in overview_kpis(engine, now, tz, 2.0, registry)}
    values = {h.kpi.id: h.measure.value for h in headline_values(engine, registry, now, tz)}
    return {"cards": cards, "registry": {k: None if v is None else v * (100 if registry[k].percent else 1)
                                         for k, v in values.items()}}


def station_numbers(engine: Engine, now: datetime, tz: str) -> dict[str, dict]:
    """Each station's AQI on the map and in the station alerts' observation."""
    stations = mapview_stations(engine, tz, now)
    watched = alerts.station_aqi(engine, now, tz)
    return {
        "map": dict(zip(stations["code"], stations["aqi"].astype(float), strict=True)),
        "alerts": dict(zip(watched["subject"], watched["value"], strict=True)),
    }
