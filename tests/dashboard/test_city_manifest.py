"""A city as configuration: manifests read, every kind imported from the formats real cities publish, what a city
does not publish derived, and ``city check`` saying what the city has and lacks."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from openpyxl import Workbook
from shapely.geometry import LineString
from sqlalchemy import select

from dashboard.city.check import check_city
from dashboard.city.derive import derive_free_flow, night_free_flow
from dashboard.city.feedmeta import open311_categories, sensorthings_stations
from dashboard.city.importer import import_city
from dashboard.city.manifest import ManifestError, load_manifest
from dashboard.city.report import CityImportError
from dashboard.db.models import District, RoadSegment, ServiceHall, ServiceType, Station, TrafficObservation
from dashboard.geo.crs import gcj02_to_wgs84

SQUARE = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "D1", "name": "东区"},'
    ' "geometry": {"type": "Polygon", "coordinates": [[[-86.6, 39.1], [-86.4, 39.1], [-86.4, 39.2], [-86.6, 39.2],'
    ' [-86.6, 39.1]]]}}]}'
)


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _manifest(tmp_path, body: str):
    head = '[city]\ncode = "X"\nname_zh = "样城"\nname_en = "Sample"\ncrs = "WGS84"\n'
    return load_manifest(_write(tmp_path, "city.toml", head + body))


def _haversine_m(lon0, lat0, lon1, lat1) -> float:
    """Great-circle distance on a sphere of the mean Earth radius (an independent check, within 0.5 %)."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    a = math.sin((p1 - p0) / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(math.radians(lon1 - lon0) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def test_roads_from_a_table_of_segments_in_miles_without_free_flow(engine, tmp_path):
    _write(tmp_path, "districts.geojson", SQUARE)
    _write(tmp_path, "segments.csv",
           "seg,street,cls,len_mi,limit_mph,x0,y0,x1,y1\n"
           "S1,Kirkwood Ave,arterial,0.5,30,-86.54,39.166,-86.53,39.166\n"
           "S2,College Ave,,,,-86.534,39.16,-86.524,39.16\n")
    city = _manifest(tmp_path, f'''
[[boundaries]]
file = "{tmp_path}/districts.geojson"
[roads]
file = "{tmp_path}/segments.csv"
start = ["x0", "y0"]
end = ["x1", "y1"]
fields = {{ code = "seg", name_zh = "street", road_class = "cls", length = "len_mi", free_flow = "limit_mph" }}
length_unit = "mi"
speed_unit = "mph"
default_class = "secondary"
''')
    with engine.begin() as conn:
        written, reports = import_city(conn, city)
        roads = {r.code: r for r in conn.execute(select(RoadSegment))}
    assert written == {"boundaries (district)": 1, "roads": 2}
    assert roads["S1"].length_m == pytest.approx(0.5 * 1609.344, abs=0.1)
    assert roads["S1"].free_flow_kmh == pytest.approx(30 * 1.609344, abs=0.05)
    assert roads["S2"].length_m == pytest.approx(_haversine_m(-86.534, 39.16, -86.524, 39.16), rel=0.005)
    assert (roads["S2"].road_class, roads["S2"].free_flow_kmh) == ("secondary", 40.0)  # CJJ 37-2012 mid-point
    assert roads["S1"].district_code == roads["S2"].district_code == "D1"
    lines = [line for r in reports for line in r.lines()]
    assert any("length from the geometry for 1 of 2 segments" in line for line in lines)
    assert any(line.startswith("WARNING") and "free-flow speed not given for 1 of 2" in line for line in lines)


def test_stations_from_xlsx_in_gcj02_and_categories_with_parents(engine, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "站点"
    sheet.append(["站点编码", "站点名称", "经度", "纬度", "声环境功能区"])
    sheet.append(["N01", "南湖噪声站", 120.7555, 30.7460, "4a"])
    sheet.append(["N02", "无坐标站", None, None, "2"])
    book.save(tmp_path / "stations.xlsx")
    _write(tmp_path, "categories.csv", "code,name_zh,parent\nroad,道路,\npothole,坑洼,road\n")
    city = _manifest(tmp_path, f'''
[stations]
file = "{tmp_path}/stations.xlsx"
sheet = "站点"
crs = "gcj-02"
point = ["经度", "纬度"]
fields = {{ code = "站点编码", name_zh = "站点名称", noise_class = "声环境功能区" }}
default_kind = "noise"
[categories]
file = "{tmp_path}/categories.csv"
''')
    with engine.begin() as conn:
        _, reports = import_city(conn, city)
        station = conn.execute(select(Station)).one()
        parents = dict(conn.execute(select(ServiceType.code, ServiceType.parent_code)).all())
    lon, lat = gcj02_to_wgs84(120.7555, 30.7460)
    assert (station.code, station.kind, station.noise_class) == ("N01", "noise", "4a")
    assert (station.lon, station.lat) == (pytest.approx(float(lon), abs=1e-6), pytest.approx(float(lat), abs=1e-6))
    assert parents == {"road": None, "pothole": "road"}
    assert any("1 stations without coordinates not imported: N02" in line for r in reports for line in r.lines())


def test_any_error_refuses_the_whole_import(engine, tmp_path):
    _write(tmp_path, "districts.geojson", SQUARE)
    _write(tmp_path, "stations.csv", "code,lon,lat\nA,-86.5,39.15\nA,-86.5,39.16\n")
    city = _manifest(tmp_path, f'''
[[boundaries]]
file = "{tmp_path}/districts.geojson"
[stations]
file = "{tmp_path}/stations.csv"
point = ["lon", "lat"]
''')
    with engine.begin() as conn, pytest.raises(CityImportError, match="stations .*codes are not unique: A"):
        import_city(conn, city)
    with engine.connect() as conn:
        assert conn.execute(select(District)).all() == []


def test_manifest_mistakes_are_named(tmp_path):
    with pytest.raises(ManifestError, match="roads.lenght_unit: Extra inputs are not permitted"):
        _manifest(tmp_path, '[roads]\nfile = "x.csv"\nlenght_unit = "mi"\n')
    with pytest.raises(ManifestError, match="stations.crs: .*unknown coordinate system 'GCJ-03'"):
        _manifest(tmp_path, '[stations]\nfile = "x.csv"\ncrs = "GCJ-03"\n')


def test_stations_from_sensorthings_datastreams(realdata):
    stations = sensorthings_stations(realdata / "sensorthings/bgs_frost_v1.1_datastreams_expanded_foi_sample.json")
    # two datastreams of one logger: no Thing expanded, so the FeatureOfInterest names the station
    assert stations["code"].tolist() == ["BGS Groundwater Logger GGA01"]
    point = stations["geometry"].iloc[0]
    assert (point.x, point.y) == (-4.2001633287587, 55.8394151172741)


def test_categories_from_the_open311_services_list(realdata):
    categories = open311_categories(realdata / "open311/bloomington_in_ureport_services.json")
    assert len(categories) == 53 + 6  # 53 services in 6 groups (SOURCES.md; the file's distinct groups)
    graffiti = categories.set_index("code").loc["37"]  # service_code is an integer in this file
    assert (graffiti["name_en"], graffiti["parent"]) == ("Graffiti", "Cleanup & Sanitation")
    xml = open311_categories(realdata / "open311/georeport_v2_spec_services_example.xml")
    assert xml.set_index("code").loc["001", "parent"] == "sanitation"


def test_free_flow_is_the_85th_percentile_of_night_speeds():
    night = pd.Timestamp("2026-11-20 18:00", tz="UTC")  # 02:00 in Shanghai
    day = pd.Timestamp("2026-11-20 04:00", tz="UTC")  # 12:00 in Shanghai
    rows = [("S1", night + pd.Timedelta(minutes=5 * i), float(v)) for i, v in enumerate(range(1, 21))]
    rows += [("S1", day, 200.0), ("S2", night, 50.0)]
    speeds = night_free_flow(pd.DataFrame(rows, columns=["segment_code", "observed_at", "speed_kmh"]),
                             "Asia/Shanghai")
    # 20 night speeds 1…20: linear 85th percentile at rank 0.85 × 19 = 16.15 → 1 + 16.15 = 17.15; S2 has too few
    assert speeds.to_dict() == {"S1": pytest.approx(17.2, abs=0.051)}


def test_derive_sets_free_flow_in_the_database(engine):
    now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(RoadSegment.__table__.insert(), [
            {"code": c, "name_zh": c, "name_en": c, "road_class": "arterial", "length_m": 100.0,
             "free_flow_kmh": 50.0, "geometry": LineString([(120, 30), (120.001, 30)])} for c in ("S1", "S2")
        ])
        conn.execute(TrafficObservation.__table__.insert(), [
            {"source": "t", "source_id": f"{i}", "segment_code": "S1", "speed_kmh": float(40 + i),
             "observed_at": now - timedelta(hours=6) + timedelta(minutes=5 * i)} for i in range(20)
        ])
        assert derive_free_flow(conn, now, "Asia/Shanghai") == (1, 1)
        speeds = dict(conn.execute(select(RoadSegment.code, RoadSegment.free_flow_kmh)).all())
    assert speeds == {"S1": pytest.approx(40 + 0.85 * 19, abs=0.051), "S2": 50.0}


def _check(engine, lang: str = "en"):
    for finding in check_city(engine):
        subject, detail = finding.text(lang)
        yield subject, (finding.ok, detail)


def test_check_an_empty_database_and_the_demo_city(engine):
    empty = dict(_check(engine))
    assert empty["districts"] == (False, "none: the map draws no areas")
    assert empty["roads"] == (False, "none: traffic index unavailable, no roads layer")
    assert empty["air stations"] == (False, "none: city AQI and the stations map unavailable")
    assert dict(_check(engine, "zh"))["路段"] == (False, "无：交通指数不可用，无路网图层")
    with engine.begin() as conn:
        written, _ = import_city(conn, load_manifest("data/cities/demo/city.toml"))
    assert written == {"boundaries (district)": 7, "boundaries (street)": 50, "roads": 327, "stations": 38,
                       "halls": 8, "departments": 12, "categories": 16, "aliases": 5,  # 5 rows in aliases.csv
                       "service_items": 15}  # 15 rows in service_items.csv
    demo = dict(_check(engine))
    assert demo["districts population"] == (True, "population for 7/7")
    assert demo["roads"] == (True, "327")
    assert all(ok for subject, (ok, _) in demo.items() if not subject.endswith("data"))
    with engine.begin() as conn:
        conn.execute(District.__table__.insert(), [{"code": "339999", "name_zh": "新区", "name_en": "New District",
                                                   "level": "district", "population": None,
                                                   "geometry": LineString([(0, 0), (1, 1)]).buffer(0.1)}])
    partial = dict(_check(engine))
    assert partial["districts population"] == (
        False, "population for 7/8: per-capita KPIs (complaints per 10k residents) unavailable"
    )


THINGS = {"value": [
    {"@iot.id": 1, "name": "Kirkwood noise", "properties": {"station_code": "KW-N1"},
     "Locations": [{"name": "Kirkwood", "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [-86.535, 39.166]}}]},
    {"@iot.id": 2, "name": "Lost sensor", "Locations": []},
]}


def test_stations_registered_from_sensorthings_things_by_manifest(engine, tmp_path):
    import json

    _write(tmp_path, "things.json", json.dumps(THINGS))
    _write(tmp_path, "districts.geojson", SQUARE)
    city = _manifest(tmp_path, f'''
[[boundaries]]
file = "{tmp_path}/districts.geojson"
[stations]
file = "{tmp_path}/things.json"
format = "sensorthings"
default_kind = "noise"
''')
    with engine.begin() as conn:
        _, reports = import_city(conn, city)
        columns = (Station.code, Station.kind, Station.lon, Station.lat, Station.district_code)
        stations = conn.execute(select(*columns)).all()
    assert stations == [("KW-N1", "noise", -86.535, 39.166, "D1")]
    lines = [line for r in reports for line in r.lines()]
    assert any("1 stations without coordinates not imported: Lost sensor" in line for line in lines)


def test_halls_from_a_geopackage_in_its_declared_projected_crs(engine, tmp_path):
    import geopandas as gpd
    from pyproj import Transformer
    from shapely.geometry import Point

    # a hall at 300 km E, 3,400 km N of UTM zone 51N, written with that CRS in the GeoPackage
    gpd.GeoDataFrame({"code": ["H1"], "name_zh": ["市民中心"], "windows": [12]}, geometry=[Point(300000, 3400000)],
                     crs="EPSG:32651").to_file(tmp_path / "halls.gpkg", layer="halls", driver="GPKG")
    city = _manifest(tmp_path, f'[halls]\nfile = "{tmp_path}/halls.gpkg"\nlayer = "halls"\n')
    with engine.begin() as conn:
        import_city(conn, city)
        hall = conn.execute(select(ServiceHall)).one()
    lon, lat = Transformer.from_crs(32651, 4326, always_xy=True).transform(300000, 3400000)
    assert (hall.code, hall.windows) == ("H1", 12)
    assert (hall.lon, hall.lat) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
