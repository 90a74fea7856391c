"""The city AQI is that of the city's own air stations: a station the registry does not hold (a national station
file also carries other cities' stations) is stored but rates no hour of the city — on the AQI card, in the hourly
trend and in the environment rollup the period KPIs read, whether the hour was rolled up at ingest or rebuilt.

Expected values by hand (HJ 633-2026, as in the synthetic city): the registered stations A1 and A2 measure
PM2.5 50 and 70 µg/m³ in the hour from 03:00 UTC, mean 60 → IAQI 100 (primary PM2.5). The unregistered X9's
500 µg/m³ would make the mean 206.7 → AQI 257.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import insert, update

from dashboard.db import rollups
from dashboard.db.migrate import alembic_config, upgrade
from dashboard.db.models import EnvironmentHourly, SensorReading
from dashboard.queries import environment, kpis
from tests.dashboard.synthetic_city import NOW

TZ = "Asia/Shanghai"

HOUR = NOW - timedelta(hours=1)  # 03:00 UTC, the hour of the stations' latest readings (03:50)


def _foreign_station(engine) -> None:
    """Readings of X9, a station of another city, in the same hour, rolled up as at ingest."""
    rows = [
        {"source": "air-ngsi", "source_id": f"X9/{quantity}", "station_code": "X9", "quantity": quantity,
         "observed_at": NOW - timedelta(minutes=10), "value": value, "unit": "ug/m3"}
        for quantity, value in (("pm25", 500.0), ("no2", 200.0), ("o3", 300.0))
    ]
    with engine.begin() as conn:
        conn.execute(insert(SensorReading), rows)
        rollups.refresh(conn, "sensors", rollups.hours_of("sensors", rows), TZ)


@pytest.mark.parametrize("rebuilt", [False, True], ids=["at ingest", "rebuilt"])
def test_a_station_outside_the_registry_rates_no_hour_of_the_city(city, rebuilt):
    _foreign_station(city)
    if rebuilt:
        with city.begin() as conn:
            rollups.rebuild(conn, "sensors", TZ)
    card = environment.city_aqi(city, TZ, NOW)
    assert (card.result.aqi, card.result.primary, card.stations) == (100, ("pm25",), 2)
    trend = environment.air_trend(city, HOUR, NOW, TZ)
    assert trend[["aqi", "pm25"]].to_dict("records") == [{"aqi": 100, "pm25": 60.0}]
    period = kpis.period_measures(city, HOUR, NOW, TZ)
    assert period["air_aqi"].value == 100
    assert "X9" not in set(environment.air_station_hours(city, NOW)["station_code"])


def test_the_upgrade_recomputes_the_city_aqi_a_database_kept_before(city):
    """Migration 0020 recomputes the environment rollups: an hour rated over every station, as the code before
    it left the hour (the three stations' mean: AQI 257), is rated over the city's two again."""
    _foreign_station(city)
    with city.begin() as conn:
        conn.execute(update(EnvironmentHourly).where(EnvironmentHourly.hour == HOUR).values(aqi_sum=257))
    assert kpis.period_measures(city, HOUR, NOW, TZ)["air_aqi"].value == 257
    config = alembic_config(city.url.render_as_string(hide_password=False))
    with city.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0019_complaint_categories")
    upgrade(city)
    assert kpis.period_measures(city, HOUR, NOW, TZ)["air_aqi"].value == 100
