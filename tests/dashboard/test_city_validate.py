"""Boundary imports validate and repair loudly: invalid features repaired and named, nothing polygonal refused,
long and duplicate codes, implausible coordinates for the declared CRS, overlaps, population join coverage."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashboard.city.report import CityImportError, Report
from dashboard.db.models import District
from dashboard.geo.boundaries import import_boundaries, read_boundaries
from dashboard.geo.crs import UnknownCrsError, normalize_crs

ZHEJIANG = "china/datav_330000_full.geojson"
JIAXING = "china/datav_330400_full.geojson"
#: the two cities whose rings self-intersect in the DataV province file (shapely.is_valid_reason)
INVALID_CITIES = {"宁波市 (330200)", "舟山市 (330900)"}


def _collection(path, features: list[tuple[dict, dict]], crs: str | None = None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
    ]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _square(x: float, y: float, side: float) -> dict:
    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_zhejiang_invalid_cities_are_repaired_and_named(realdata):
    report = Report(ZHEJIANG)
    frame = read_boundaries(realdata / ZHEJIANG, "district", "GCJ-02", report=report)
    assert len(frame) == 11
    assert frame.geometry.is_valid.all()
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    repaired = {line.split(": repaired")[0] for line in report.of("warning") if ": repaired" in line}
    assert repaired == INVALID_CITIES
    assert all("Self-intersection" in line for line in report.of("warning") if ": repaired" in line)


def test_nothing_polygonal_left_is_refused_by_name(tmp_path):
    flat = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.1], [120.0, 30.0], [120.0, 30.0]]]}
    path = _collection(tmp_path / "flat.geojson", [({"adcode": 1, "name": "扁平区"}, flat),
                                                   ({"adcode": 2, "name": "正常区"}, _square(120.2, 30, 0.1))])
    with pytest.raises(CityImportError) as caught:
        read_boundaries(path, "district", "WGS84")
    assert caught.value.report.of("error") == ["扁平区 (1): no polygonal geometry (Polygon); refused"]


def test_long_codes_fit_after_widening_and_too_long_ones_are_named(engine, tmp_path):
    code22, name150 = "3304020010010000000001", "长" * 150
    path = _collection(tmp_path / "long.geojson", [({"adcode": code22, "name": name150}, _square(120, 30, 0.1))])
    frame = read_boundaries(path, "street", "WGS84")
    with engine.begin() as conn:
        import_boundaries(conn, frame)
        stored = conn.execute(select(District.code, District.name_zh)).one()
    assert stored == (code22, name150)
    code70 = "9" * 70
    path = _collection(tmp_path / "longer.geojson", [({"adcode": code70, "name": "长码区"}, _square(120, 30, 0.1))])
    with pytest.raises(CityImportError, match=f"长码区 \\({code70}\\): code has 70 characters, more than the 64"):
        read_boundaries(path, "street", "WGS84")


def test_duplicate_codes_are_an_error(tmp_path):
    path = _collection(tmp_path / "dup.geojson", [({"adcode": 7, "name": "甲"}, _square(120, 30, 0.1)),
                                                  ({"adcode": 7, "name": "乙"}, _square(121, 30, 0.1))])
    with pytest.raises(CityImportError, match="codes are not unique: 7"):
        read_boundaries(path, "district", "WGS84")


def test_degrees_declared_as_projected_suggest_gcj02(realdata):
    with pytest.raises(CityImportError, match="did you mean WGS84, or GCJ02"):
        read_boundaries(realdata / JIAXING, "district", "EPSG:4549")


def test_metres_declared_as_degrees_are_refused(tmp_path):
    path = _collection(tmp_path / "utm.geojson", [({"adcode": 1, "name": "米区"}, _square(300000, 3400000, 2000))])
    with pytest.raises(CityImportError, match="5 coordinates are not degrees .* although WGS84 was declared"):
        read_boundaries(path, "district", "wgs-84")


def test_overlaps_are_measured_in_square_kilometres(tmp_path):
    # two 2 km squares in UTM 51N, the second shifted 1 km east: they share 1 km × 2 km = 2 km² of 8 km²
    path = _collection(tmp_path / "overlap.geojson", [({"adcode": 1, "name": "甲"}, _square(300000, 3400000, 2000)),
                                                      ({"adcode": 2, "name": "乙"}, _square(301000, 3400000, 2000))])
    report = Report("overlap")
    frame = read_boundaries(path, "district", "EPSG:32651", report=report)
    assert frame["area_km2"].round(3).tolist() == [4.0, 4.0]
    assert report.of("warning") == [
        "1 pairs of areas overlap by 2.000 km² in all (25.00% of 8.0 km²); most: 甲 (1) and 乙 (2), 2.000 km²"
    ]


def _population(tmp_path, rows: str):
    path = tmp_path / "population.csv"
    path.write_text(rows, encoding="utf-8")
    return path


def test_population_keyed_by_name_against_codes_is_an_error_with_the_hint(realdata, tmp_path):
    csv = _population(tmp_path, "code,population\n南湖区,650000\n秀洲区,720000\n")
    with pytest.raises(CityImportError) as caught:
        read_boundaries(realdata / JIAXING, "district", "GCJ02", population_csv=csv)
    assert caught.value.report.of("error") == [
        "population matched 0 of 7: the table's key values look like names; the boundaries' codes look like "
        "numbers — use --population-key name"
    ]


def test_population_by_name_partial_join_names_the_unmatched(realdata, tmp_path):
    csv = _population(tmp_path, "name,population\n南湖区,650000\n秀洲区,720000\n")
    report = Report("jiaxing")
    frame = read_boundaries(realdata / JIAXING, "district", "GCJ02", population_csv=csv, population_key="name",
                            report=report)
    assert frame.set_index("name_zh")["population"].to_dict()["秀洲区"] == 720000
    (warning,) = [w for w in report.of("warning") if w.startswith("population")]
    assert warning.startswith("population matched 2 of 7; none for ")
    assert "嘉善县 (330421)" in warning and "南湖区" not in warning


def test_import_boundaries_command_prints_the_hint_and_fails(realdata, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dashboard.cli import app
    from dashboard.db.engine import make_engine
    from dashboard.db.migrate import upgrade
    from dashboard.settings import get_settings

    url = f"sqlite:///{tmp_path / 'city.db'}"
    upgrade(make_engine(url))
    monkeypatch.setenv("CITYOPS_DATABASE_URL", url)
    get_settings.cache_clear()
    csv = _population(tmp_path, "name,population\n南湖区,650000\n")
    args = ["import-boundaries", str(realdata / JIAXING), "--crs", "gcj02", "--population-csv", str(csv)]
    refused = CliRunner().invoke(app, args)
    accepted = CliRunner().invoke(app, [*args, "--population-key", "name"])
    get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "use --population-key name" in refused.output
    assert accepted.exit_code == 0, accepted.output
    assert "WARNING" in accepted.output and "population matched 1 of 7" in accepted.output


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("GCJ-02", "GCJ02"), ("GCJ02", "GCJ02"), ("gcj02", "GCJ02"), ("gcj_02", "GCJ02"), ("BD-09", "BD09"),
    ("bd09ll", "BD09"), ("WGS 84", "WGS84"), ("wgs-84", "WGS84"), ("epsg:4326", "WGS84"), ("EPSG 32651", "EPSG:32651"),
])
def test_one_crs_spelling_with_aliases_tolerated(spelling, canonical):
    assert normalize_crs(spelling) == canonical


def test_unknown_crs_is_named():
    with pytest.raises(UnknownCrsError, match="'GCJ-03'"):
        normalize_crs("GCJ-03")
