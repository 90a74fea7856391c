"""Importing a real city's boundaries: the DataV export of Jiaxing (GCJ-02) and the national AQ stations in it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashboard.db.models import District
from dashboard.geo.boundaries import BoundaryFields, BoundaryImportError, import_boundaries, read_boundaries
from dashboard.geo.locator import DistrictLocator

JIAXING = "china/datav_330400_full.geojson"
STATIONS = "china/cnemc_stations_jiaxing_hangzhou_wuxi_2017-07-07T16_2018-02-20T07.geojson"


def _jiaxing_stations(realdata) -> list[dict]:
    features = json.loads((realdata / STATIONS).read_text(encoding="utf-8"))["features"]
    seen, stations = set(), []
    for feature in features:
        props = feature["properties"]
        if props["area"] == "嘉兴市" and props["stationcode"] not in seen:
            seen.add(props["stationcode"])
            lon, lat = feature["geometry"]["coordinates"]
            stations.append({"code": props["stationcode"], "name": props["positionname"], "lon": lon, "lat": lat})
    return stations


def test_jiaxing_districts_import_and_every_station_lands_in_its_district(realdata, engine):
    frame = read_boundaries(realdata / JIAXING, level="district", crs="GCJ-02")
    assert len(frame) == 7
    assert set(frame["parent_code"]) == {"330400"}
    nanhu = frame.set_index("code").loc["330402"]
    assert nanhu.name_zh == "南湖区"
    assert 350 < nanhu.area_km2 < 500  # 南湖区 is about 430 km²
    with engine.begin() as conn:
        assert import_boundaries(conn, frame) == 7
        locator = DistrictLocator.from_connection(conn)
        names = dict(conn.execute(select(District.code, District.name_zh)).all())
    stations = _jiaxing_stations(realdata)
    assert len(stations) == 3  # 清河小学, 嘉兴学院, 南湖区残联
    located = locator.locate([s["lon"] for s in stations], [s["lat"] for s in stations])
    placed = {s["code"]: names.get(code) for s, code in zip(stations, located.district, strict=True)}
    assert None not in placed.values(), placed
    assert placed["1252A"] == "秀洲区"  # 清河小学


def test_gcj02_is_converted_not_taken_as_wgs84(realdata):
    as_gcj = read_boundaries(realdata / JIAXING, level="district", crs="GCJ-02")
    as_wgs = read_boundaries(realdata / JIAXING, level="district", crs="WGS84")
    utm = as_gcj.estimate_utm_crs()
    shift_m = as_gcj.geometry.to_crs(utm).centroid.distance(as_wgs.geometry.to_crs(utm).centroid).mean()
    assert 300 < shift_m < 900  # GCJ-02 offsets are a few hundred metres around here


def test_population_is_joined_from_csv(realdata, tmp_path):
    csv = tmp_path / "population.csv"
    csv.write_text("code,population\n330402,650000\n330411,720000\n", encoding="utf-8")
    frame = read_boundaries(realdata / JIAXING, level="district", crs="GCJ-02", population_csv=csv)
    populations = frame.set_index("code")["population"]
    assert populations["330402"] == 650000
    assert populations.isna().sum() == 5


def test_missing_field_is_named(realdata):
    with pytest.raises(BoundaryImportError, match="no field 'bianma'"):
        read_boundaries(realdata / JIAXING, level="district", crs="GCJ-02", fields=BoundaryFields(code="bianma"))


def test_unknown_level_is_refused(realdata):
    with pytest.raises(BoundaryImportError, match="level must be one of"):
        read_boundaries(realdata / JIAXING, level="province", crs="GCJ-02")


def test_import_boundaries_command(realdata, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dashboard.cli import app
    from dashboard.db.engine import make_engine
    from dashboard.db.migrate import upgrade
    from dashboard.settings import get_settings

    url = f"sqlite:///{tmp_path / 'city.db'}"
    upgrade(make_engine(url))
    monkeypatch.setenv("CITYOPS_DATABASE_URL", url)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["import-boundaries", str(realdata / JIAXING), "--crs", "GCJ-02"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "7 district boundaries imported" in result.output
    with make_engine(url).connect() as conn:
        assert conn.execute(select(District.name_zh).where(District.code == "330411")).scalar_one() == "秀洲区"
