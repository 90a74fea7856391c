"""The committed demo city: reproducible from the seed, and geographically consistent."""

from __future__ import annotations

import shapely
from conftest import CITY_DIR
from shapely.geometry import Point

from simulator.city import build_city, write_city
from simulator.config import DEFAULT_SEED


def test_files_reproduce_byte_for_byte(tmp_path):
    written = write_city(build_city(DEFAULT_SEED), tmp_path)
    assert {p.name for p in written} == {p.name for p in CITY_DIR.iterdir()}
    for path in written:
        assert path.read_bytes() == (CITY_DIR / path.name).read_bytes(), path.name


def test_size_and_location(city):
    assert sum(p.stat().st_size for p in CITY_DIR.iterdir()) < 3_000_000
    union = shapely.union_all([d.geometry for d in city.districts])
    minx, miny, maxx, maxy = union.bounds
    assert 120.3 < minx < maxx < 120.9 and 30.7 < miny < maxy < 31.1
    assert 35 < (maxx - minx) * 95.5 < 45 and 30 < (maxy - miny) * 110.9 < 40


def test_districts_tile_the_city(city):
    districts = [d.geometry for d in city.districts]
    assert len(districts) == 7 and all(g.is_valid for g in districts)
    union = shapely.union_all(districts)
    assert union.geom_type == "Polygon"
    assert abs(sum(g.area for g in districts) - union.area) < 1e-9 * union.area + 1e-12
    assert sum(d.properties["population"] for d in city.districts) == sum(
        s.properties["population"] for s in city.subdistricts
    )
    assert 2_900_000 < sum(d.properties["population"] for d in city.districts) < 3_100_000


def test_subdistricts_inside_their_district(city):
    assert 40 <= len(city.subdistricts) <= 50
    by_code = {d.properties["code"]: d.geometry for d in city.districts}
    for sub in city.subdistricts:
        code = sub.properties["code"]
        assert len(code) == 9 and code.startswith(sub.properties["parent_code"])
        assert sub.geometry.is_valid
        assert by_code[sub.properties["parent_code"]].buffer(1e-6).contains(sub.geometry)
    for code, district in by_code.items():
        parts = [s.geometry for s in city.subdistricts if s.properties["parent_code"] == code]
        assert abs(sum(p.area for p in parts) - district.area) < 1e-5 * district.area  # 6-decimal rounding


def test_stations_and_halls_inside_their_district(city):
    by_code = {d.properties["code"]: d.geometry.buffer(1e-6) for d in city.districts}
    kinds = [s["kind"] for s in city.stations]
    assert kinds.count("air") == 20 and kinds.count("noise") == 12 and kinds.count("water") == 6
    for row in city.stations + city.halls:
        assert by_code[row["district_code"]].contains(Point(row["lon"], row["lat"])), row["code"]
    river = next(w.geometry for w in city.water if w.properties["kind"] == "river")
    for station in city.stations_of("water"):
        assert river.buffer(0.003).contains(Point(station["lon"], station["lat"]))
    assert len(city.halls) == 8 and all(10 <= h["windows"] <= 60 for h in city.halls)


def test_roads(city):
    assert 250 <= len(city.roads) <= 350
    classes = {r.properties["road_class"] for r in city.roads}
    assert classes == {"expressway", "arterial", "secondary"}
    for road in city.roads:
        p = road.properties
        assert 500 <= p["length_m"] <= 3000
        assert (
            {"expressway": (90, 100), "arterial": (50, 60), "secondary": (35, 45)}[p["road_class"]][0]
            <= p["free_flow_kmh"]
            <= {"expressway": 100, "arterial": 60, "secondary": 45}[p["road_class"]]
        )
    assert any(r.properties["bridge"] for r in city.roads)


def test_reference_tables(city):
    assert len(city.departments) >= 12
    assert {t["department_code"] for t in city.service_types} <= {d["code"] for d in city.departments}
    assert all(1 <= t["deadline_days"] <= 15 for t in city.service_types)
    assert 14 <= len(city.service_types) <= 16
