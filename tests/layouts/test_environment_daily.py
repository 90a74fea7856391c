"""The environment page over a span read by day: its AQI trend is one daily AQI per local day (HJ 633: 24-hour
means, O3's maximum 8-hour mean), equal to the oracle's over pandas hourly means of the raw readings; the hours
over AQI 100 still count hours."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import insert, text

from dashboard.context import RequestContext
from dashboard.db import rollups
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import SensorReading
from dashboard.kpis.timespan import TimeSelection, resolve
from dashboard.settings import Settings
from layouts.components.domain import View
from layouts.viewmodels.environment import environment_view
from tests.dashboard.synthetic_city import NOW, populate
from tests.oracle import aqi as oracle

TZ = "Asia/Shanghai"
DAYS = [date(2026, 11, 10) + timedelta(days=i) for i in range(5)]
RANGES = {"pm25": 200, "pm10": 300, "no2": 150, "o3": 320, "so2": 60, "co": 3}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('aqi') / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    rng, rows = random.Random(11), []
    for day in DAYS:
        midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TZ))
        for hour in range(24):
            for station in ("A1", "A2"):
                for pollutant, top in RANGES.items():
                    if rng.random() < 0.08:  # a missing hour now and then
                        continue
                    moment = (midnight + timedelta(hours=hour, minutes=20)).astimezone(UTC)
                    rows.append(
                        {
                            "source": "test",
                            "source_id": f"{station}-{pollutant}-{moment.isoformat()}",
                            "station_code": station,
                            "quantity": pollutant,
                            "observed_at": moment,
                            "value": round(rng.uniform(0, top), 1),
                        }
                    )
    with engine.begin() as conn:
        conn.execute(insert(SensorReading), rows)
        rollups.rebuild(conn, "sensors", TZ)
    yield engine
    engine.dispose()


def _context(engine, folder, lang: str) -> RequestContext:
    """A public viewer's request over ``engine`` in ``lang``."""
    return RequestContext(engine, Settings(var_dir=folder, auth_mode="open"), lang, "light", "public", None)


def _oracle(engine) -> dict[date, int]:
    with engine.connect() as conn:
        raw = pd.read_sql(
            text("SELECT quantity, observed_at, value FROM sensor_reading WHERE station_code IN ('A1', 'A2')"), conn
        )
    raw = raw[raw["quantity"].isin(list(RANGES))]
    local = pd.to_datetime(raw["observed_at"], utc=True, format="ISO8601").dt.tz_convert(TZ)
    raw = raw.assign(day=local.dt.date, hour=local.dt.hour)
    means = raw.groupby(["day", "hour", "quantity"])["value"].mean()
    out = {}
    for day in sorted(set(raw["day"])):
        hours = {p: [means.get((day, h, p)) for h in range(24)] for p in RANGES}
        hours = {p: [None if v is None or pd.isna(v) else float(v) for v in h] for p, h in hours.items()}
        rated = oracle.daily_aqi(hours, oracle.DAILY_2026)
        if rated is not None:
            out[day] = rated[0]
    return out


def test_the_trend_over_days_is_the_daily_aqi(engine, tmp_path):
    span = resolve(TimeSelection("custom", date(2026, 10, 1), date(2026, 11, 20)), NOW, TZ)
    assert span.grain == "day"
    view = View(_context(engine, tmp_path, "en"), span, None)
    data = environment_view(view)
    days = pd.to_datetime(data.trend["hour"], utc=True).dt.tz_convert(TZ).dt.date
    drawn = dict(zip(days, data.trend["aqi"].astype(int), strict=True))
    expected = _oracle(engine)
    assert set(DAYS) <= set(expected)
    assert drawn == expected
    hourly_over_100 = data.exceed_hours
    assert hourly_over_100 > len(DAYS)  # hours, not days
    with engine.connect() as conn:  # the hours rated: city hours with any pollutant reading, by SQL
        rated = pd.read_sql(text("SELECT observed_at FROM sensor_reading WHERE station_code IN ('A1', 'A2')"), conn)
    start, end = pd.Timestamp(span.start), pd.Timestamp(span.end)
    moments = pd.to_datetime(rated["observed_at"], utc=True, format="ISO8601")
    assert data.rated_hours == moments[(moments >= start) & (moments < end)].dt.floor("h").nunique()


@pytest.mark.parametrize(("lang", "phrase"), [("zh", "共 {n} 个有效小时中"), ("en", "of {n} rated hours")])
def test_the_exceedance_tile_counts_over_the_rated_hours_not_the_span(engine, tmp_path, lang, phrase):
    """The tile says how many hours had an AQI (the KPI's denominator, 共 N 个有效小时), not that the period lasts
    that many hours; a 24-hour span with two rated hours reads "1 of 2 rated hours", not "of the period's 2 hours"."""
    from dashboard.web.app import create_app

    create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))  # pages register with an app
    from layouts.pages.environment import _tiles

    day = DAYS[1]
    span = resolve(TimeSelection("custom", day, day), NOW, TZ)
    data = environment_view(View(_context(engine, tmp_path, lang), span, None))
    (tile,) = [tile for tile in _tiles(data, lang, TZ) if tile.key == "exceed"]
    assert data.rated_hours > 0
    assert phrase.format(n=data.rated_hours) in tile.detail
    assert "所选时段" not in tile.detail


def _level(aqi: int) -> str:
    """HJ 633's level of a daily AQI: 0–50 优, 51–100 良, 101–150 轻度, 151–200 中度, 201–300 重度, above 严重."""
    bounds = ((50, "excellent"), (100, "good"), (150, "light"), (200, "moderate"), (300, "heavy"))
    return next((key for top, key in bounds if aqi <= top), "severe")


@pytest.mark.parametrize("period", ["this_year", "this_quarter"])
def test_a_quarter_or_a_year_is_read_by_month(engine, tmp_path, period):
    """Over a year or a quarter the page shows months (HJ 663 has no monthly AQI): November's days by the level of
    the oracle's daily AQI, and no monthly mean, as five valid days are fewer than the 27 a month needs."""
    span = resolve(TimeSelection(period), NOW, TZ)
    data = environment_view(View(_context(engine, tmp_path, "en"), span, None))
    assert data.grain == "month"
    months = pd.to_datetime(data.trend["hour"], utc=True).dt.tz_convert(TZ)
    november = data.trend[(months.dt.year == 2026) & (months.dt.month == 11)].iloc[0]
    expected = _oracle(engine)
    levels = [_level(aqi) for day, aqi in expected.items() if day.month == 11]
    assert november["days"] == len(levels) >= len(DAYS)
    for key in ("excellent", "good", "light", "moderate", "heavy", "severe"):
        assert november[key] == levels.count(key), key
    assert november["good_days"] == sum(aqi <= 100 for day, aqi in expected.items() if day.month == 11)
    assert pd.isna(november["pm25"]) and pd.isna(november["o3"])


def test_the_monthly_panels_say_what_they_show(engine, tmp_path):
    from dashboard.web.app import create_app

    create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    from layouts.pages.environment import draw

    span = resolve(TimeSelection("this_year", compare="year"), NOW, TZ)
    drawn = draw(View(_context(engine, tmp_path, "zh"), span, None))
    aqi = drawn.figures["aqi"]()
    assert [tr.name for tr in aqi.data] == ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]
    assert aqi.layout.barmode == "stack" and [a.text for a in aqi.layout.annotations] == ["同比：无数据"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_aqi_tile_names_its_hour_whatever_the_period(engine, tmp_path, lang):
    """The AQI tile is the newest hour's reading, not the period's: over last week its detail says so and names
    that hour (the newest whole hour of air readings by the page's moment, found here with plain SQL)."""
    from dashboard.web.app import create_app

    create_app(engine, Settings(var_dir=tmp_path, auth_mode="open"))
    from layouts.pages.environment import draw

    span = resolve(TimeSelection("last_week"), NOW, TZ)
    drawn = draw(View(_context(engine, tmp_path, lang), span, None))
    (tile,) = [tile for tile in drawn.tiles if tile.key == "aqi"]
    with engine.connect() as conn:
        newest = pd.read_sql(text("SELECT observed_at FROM sensor_reading WHERE quantity = 'pm25'"), conn)
    hours = pd.to_datetime(newest["observed_at"], utc=True).dt.floor("h")
    hour = hours[hours < pd.Timestamp(NOW).floor("h")].max().tz_convert(TZ)  # the newest whole hour by NOW
    named = f"{hour.month}月{hour.day}日 {hour:%H:%M}" if lang == "zh" else f"{hour.day} {hour:%b}, {hour:%H:%M}"
    assert ("最近一小时" if lang == "zh" else "newest hour") in tile.detail and named in tile.detail, tile.detail
