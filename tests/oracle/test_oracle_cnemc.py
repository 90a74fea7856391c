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

from collectors.config import load_feeds
from collectors.runner import FeedRunner
from dashboard.queries import published
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
