"""The real CNEMC samples (read at test time): the oracle's HJ 633 AQI of every published station-hour equals
the published AQI and primary pollutant, and so does what the product stored and computed through the documented
preset (data/feeds/examples/tabular-cnemc.toml)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import insert

from collectors.config import load_feeds
from collectors.runner import FeedRunner
from dashboard.db.models import Station
from dashboard.queries import environment, published
from tests.oracle import aqi

PRESET = Path(__file__).resolve().parents[2] / "data" / "feeds" / "examples" / "tabular-cnemc.toml"
CNEMC = "china/cnemc_stations_jiaxing_hangzhou_wuxi_2017-07-07T16_2018-02-20T07.geojson"
PRIMARY = {
    "细颗粒物(PM2.5)": "pm25",
    "颗粒物(PM10)": "pm10",
    "臭氧1小时": "o3",
    "臭氧8小时": "o3",
    "二氧化氮": "no2",
    "二氧化硫": "so2",
    "一氧化碳": "co",
}
#: The feed's fields holding each pollutant's 1-hour value of the hour (ozone: see the preset).
FIELDS = {"pm25": "pm2_5", "pm10": "pm10", "o3": "o3_24h", "no2": "no2", "so2": "so2", "co": "co"}


def _number(value):
    try:
        return float(value)
    except ValueError:
        return None  # "-;"


@pytest.fixture
def published_hours(realdata) -> list[dict]:
    path = realdata / CNEMC
    if not path.exists():
        pytest.skip("no CNEMC station file")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return [f["properties"] for f in features if _number(f["properties"]["aqi"]) is not None]


def test_oracle_reproduces_every_published_aqi(published_hours):
    wrong = []
    for p in published_hours:
        ours = aqi.aqi({q: _number(p[field]) for q, field in FIELDS.items()})
        primary = tuple(q for q in aqi.ORDER if q in {PRIMARY.get(n) for n in p["primarypollutant"].split(",")})
        if ours != (int(p["aqi"]), primary):
            wrong.append(f"{p['stationcode']} {p['timepoint']}: published {p['aqi']} {primary}, oracle {ours}")
    assert len(published_hours) == 43
    assert not wrong, "\n".join(wrong)


def test_product_through_the_preset_equals_the_oracle(sqlite_engine, realdata, published_hours, tmp_path):
    (tmp_path / "air").mkdir()
    shutil.copy(realdata / CNEMC, tmp_path / "air" / "cnemc.geojson")
    (feed,) = load_feeds(PRESET, env={"CITYOPS_AIR_DROP_DIR": str(tmp_path / "air")})
    assert FeedRunner(sqlite_engine).run(feed, now=datetime(2026, 11, 21, tzinfo=UTC)).status == "ok"
    served = published.aqi_comparison(sqlite_engine, "Asia/Shanghai")
    served = {(r.station_code, r.observed_at): (r.aqi, r.primary) for r in served.itertuples(index=False)}
    expected = {}
    for p in published_hours:
        at = pd.Timestamp(p["timepoint"]).tz_localize("Asia/Shanghai").tz_convert("UTC").to_pydatetime()
        value, primary = aqi.aqi({q: _number(p[field]) for q, field in FIELDS.items()})
        expected[(p["stationcode"], at)] = (value, ",".join(primary))
    assert served == expected


#: The national stations of Jiaxing in the file (清河小学, 嘉兴学院, 南湖区残联: data/cities/jiaxing); the other
#: 19 are Hangzhou's and Wuxi's.
JIAXING = ("1252A", "1253A", "2872A")


def test_the_city_aqi_is_that_of_the_citys_own_stations(sqlite_engine, realdata, tmp_path):
    """A registry holding Jiaxing's three stations: each hour's city AQI is the oracle's HJ 633 AQI of the mean of
    those stations' values in the file, not of the 22 stations the file carries."""
    path = realdata / CNEMC
    if not path.exists():
        pytest.skip("no CNEMC station file")
    with sqlite_engine.begin() as conn:
        conn.execute(insert(Station), [{"code": code, "name_zh": code, "name_en": code, "kind": "air", "lon": 120.75,
                                        "lat": 30.75} for code in JIAXING])
    (tmp_path / "air").mkdir()
    shutil.copy(path, tmp_path / "air" / "cnemc.geojson")
    (feed,) = load_feeds(PRESET, env={"CITYOPS_AIR_DROP_DIR": str(tmp_path / "air")})
    assert FeedRunner(sqlite_engine).run(feed, now=datetime(2026, 11, 21, tzinfo=UTC)).status == "ok"

    rows = [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]
    by_hour: dict[pd.Timestamp, dict[str, list[float]]] = {}
    for row in rows:
        if row["stationcode"] in JIAXING:
            hour = pd.Timestamp(row["timepoint"]).tz_localize("Asia/Shanghai")
            for quantity, field in FIELDS.items():
                if (value := _number(row[field])) is not None:
                    by_hour.setdefault(hour, {}).setdefault(quantity, []).append(value)
    expected = {}
    for hour, values in by_hour.items():
        rated = aqi.aqi({q: sum(v) / len(v) for q, v in values.items()}, aqi.table_for(hour.date()))
        expected[hour.tz_convert("UTC").to_pydatetime()] = (rated[0], ",".join(rated[1]))
    trend = environment.air_trend(sqlite_engine, datetime(2017, 1, 1, tzinfo=UTC), datetime(2019, 1, 1, tzinfo=UTC),
                                  "Asia/Shanghai")
    served = {row.hour.to_pydatetime(): (row.aqi, row.primary) for row in trend.itertuples(index=False)}
    assert len(expected) == 2 and served == expected
