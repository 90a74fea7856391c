"""The traffic index and AQI headline cards, and the traffic and environment pages' TPI and AQI tiles, compared
like with like: the latest 15 minutes (the latest hour) now against the latest 15 minutes (hour) at the same
moment of the day before or a year before, never against a reading of another moment; the change line says which.

Hand calculations (synthetic city, HJ 633-2026): now the TPI is 4.5 (TTI 2.25) and the AQI 100 (PM2.5 60 µg/m³).
A day before, 40 km/h on every road at a free flow of 60 km/h is TTI 1.5, TPI 2.0 (the GB/T 33171 nodes 1.5 → 2);
PM2.5 30 and 40 µg/m³ at the two stations is a mean of 35 µg/m³, IAQI 50 with no other pollutant: AQI 50.
A year before, the newest observation by that moment is 40 minutes old: not that moment's 15 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from dashboard.db import rollups
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import SensorReading, TrafficObservation
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import populate

#: 2026-12-02 15:00 in the city: the latest full hour is 14:00–15:00 local, when the synthetic readings fall.
NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def _traffic(when: datetime, speed: float) -> list[dict]:
    return [
        {
            "source": "traffic-ngsi",
            "source_id": f"{code}@{when.isoformat()}",
            "segment_code": code,
            "observed_at": when,
            "period_s": 900,
            "speed_kmh": speed,
            "free_flow_kmh": 60.0,
        }
        for code in ("R1", "R2", "R3")
    ]


def _air(when: datetime, values: dict[str, float]) -> list[dict]:
    return [
        {
            "source": "air-ngsi",
            "source_id": f"{station}/pm25@{when.isoformat()}",
            "station_code": station,
            "quantity": "pm25",
            "observed_at": when,
            "value": value,
            "unit": "ug/m3",
        }
        for station, value in values.items()
    ]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("latest")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    day_before, year_before = NOW - timedelta(days=1), datetime(2025, 12, 2, 7, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(TrafficObservation),
            _traffic(day_before - timedelta(minutes=5), 40.0) + _traffic(year_before - timedelta(minutes=40), 40.0),
        )
        conn.execute(insert(SensorReading), _air(day_before - timedelta(minutes=10), {"A1": 30.0, "A2": 40.0}))
        for domain in ("traffic", "sensors"):
            rollups.rebuild(conn, domain)
    settings = Settings(var_dir=folder, auth_mode="open")
    app = create_app(engine, settings)
    app.engine_for_tests, app.settings_for_tests = engine, settings
    yield app
    engine.dispose()


def _nodes(component):
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            yield node
            stack.append(getattr(node, "children", None))


def _headline(page, kpi_id: str):
    card = next(n for n in _nodes(page) if getattr(n, "id", None) == {"type": "kpi-card", "kpi": kpi_id})
    return next(n for n in _nodes(card) if str(getattr(n, "className", "")).startswith("change"))


def _draw(app, monkeypatch, **query):
    from layouts.components import timepicker
    from layouts.pages import overview

    monkeypatch.setattr(timepicker, "snapshot_time", lambda _context: NOW)
    with app.server.test_request_context("/"):
        return overview.layout(**query)


def test_the_latest_readings_against_the_same_moment_the_day_before(app, monkeypatch):
    page = _draw(app, monkeypatch, lang="zh", compare="previous")
    tpi, aqi = _headline(page, "network_tpi"), _headline(page, "city_aqi")
    assert tpi.children == "较昨日同一 15 分钟 +2.5 (+125.0%) ▲" and tpi.title == "对比期数值 2.0"
    assert "text-danger" in tpi.className  # a higher traffic index is worse
    assert aqi.children == "较昨日同一小时 +50 (+100.0%) ▲" and aqi.title == "对比期数值 50"
    assert "text-danger" in aqi.className


def test_a_reading_of_another_moment_is_no_comparison(app, monkeypatch):
    page = _draw(app, monkeypatch, lang="en", compare="year")
    tpi, aqi = _headline(page, "network_tpi"), _headline(page, "city_aqi")
    assert tpi.children == "no data vs the same 15 min a year earlier" and tpi.title is None
    assert aqi.children == "no data vs the same hour a year earlier" and aqi.title is None
    assert "text-success" not in tpi.className and "text-danger" not in tpi.className


def test_the_wall_strip_compares_the_same_readings(app, monkeypatch):
    from layouts.pages import wall
    from layouts.viewmodels import wall as wall_model

    monkeypatch.setattr(wall_model, "snapshot_time", lambda _context: NOW)
    with app.server.test_request_context("/"):
        page = wall.layout(lang="en", compare="previous")
    assert _headline(page, "network_tpi").children == "+2.5 (+125.0%) ▲ vs the same 15 min yesterday"
    assert _headline(page, "city_aqi").children == "+50 (+100.0%) ▲ vs the same hour yesterday"


def _panel(app, panel: str, compare: str | None):
    from layouts.components.frame import page_request
    from layouts.viewmodels.wall import panel_body

    with app.server.test_request_context("/"):
        return panel_body(panel, page_request("en", "dark", query={"compare": compare}), NOW)


def _dashed(figure) -> list:
    return [trace for trace in figure.data if trace.type == "scatter" and trace.line.dash == "dash"]


def test_the_wall_trends_overlay_the_comparison_period(app):
    """The traffic index the day before (the hour 14:00 local of 1 December: 40 km/h everywhere, TPI 2.0) is drawn
    dashed at 14:00 of 2 December; the air data begins within the 24 hours before the wall's day, so their
    comparison is "no data" (said on the chart), never a line at 0."""
    traffic = _panel(app, "traffic_trend", "previous")
    (line,) = _dashed(traffic)
    assert line.name == "Traffic index · Previous period" and line.line.width >= 2.5
    assert list(line.y) == [2.0] and [str(x)[:16] for x in line.x] == ["2026-12-02T14:00"]
    air = _panel(app, "environment_aqi", "previous")
    assert not _dashed(air) and [a.text for a in air.layout.annotations] == ["Previous period: no data"]


def test_the_wall_trends_before_the_first_data_a_year_back_say_no_data(app):
    """A year before, the traffic data begins at 14:20 local of 2 December 2025, within the day compared with."""
    traffic = _panel(app, "traffic_trend", "year")
    assert not _dashed(traffic) and [a.text for a in traffic.layout.annotations] == ["Year before: no data"]
    plain = _panel(app, "traffic_trend", None)
    assert not _dashed(plain) and not plain.layout.annotations and not plain.layout.showlegend


def _tile(app, page: str, lang: str, compare: str | None):
    """The change line of the page's latest-reading tile (TPI, AQI) over the 7 days up to ``NOW``."""
    from dashboard.kpis.timespan import TimeSelection, resolve
    from layouts.components.domain import View
    from layouts.components.frame import page_request
    from layouts.pages import environment, traffic

    module, key = {"traffic": (traffic, "tpi"), "environment": (environment, "aqi")}[page]
    settings = app.settings_for_tests
    span = resolve(TimeSelection("7d", compare=compare), NOW, settings.city_timezone)
    with app.server.test_request_context("/"):
        drawn = module.draw(View(page_request(lang, "light"), span, None))
    return next(tile for tile in drawn.tiles if tile.key == key).change


def test_the_page_tiles_compare_the_latest_readings_with_the_same_moment_the_day_before(app):
    """Over 7 days compared with the 7 before, the TPI and AQI tiles still compare with the same 15 minutes and
    hour of the day before (2.0 and 50), as the overview's cards do, not with the previous period's end."""
    tpi, aqi = _tile(app, "traffic", "zh", "previous"), _tile(app, "environment", "zh", "previous")
    assert tpi.children == "较昨日同一 15 分钟 +2.5 (+125.0%) ▲" and tpi.title == "对比期数值 2.0"
    assert aqi.children == "较昨日同一小时 +50 (+100.0%) ▲" and aqi.title == "对比期数值 50"
    assert "text-danger" in tpi.className and "text-danger" in aqi.className


def test_the_page_tiles_say_no_data_for_a_reading_of_another_moment(app):
    """A year before, the newest traffic observation is 40 minutes old and there is no air reading: no data."""
    tpi, aqi = _tile(app, "traffic", "en", "year"), _tile(app, "environment", "en", "year")
    assert tpi.children == "no data vs the same 15 min a year earlier" and tpi.title is None
    assert aqi.children == "no data vs the same hour a year earlier" and aqi.title is None
    assert _tile(app, "traffic", "en", None) is None and _tile(app, "environment", "en", None) is None
