"""Arrays derived once from the city that every generator needs (segments, stations, places, categories)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from simulator.city import City
from simulator.city.projection import CENTRE_LAT, CENTRE_LON
from simulator.dynamics.table import STREAM_STATIC, rng_for

POINTS_PER_PLACE = 400


@dataclass
class CityContext:
    """The city plus per-entity arrays used by the vectorised generators."""

    city: City
    seed: int
    road_class: np.ndarray
    free_flow: np.ndarray
    lanes: np.ndarray
    bridge: np.ndarray
    sensitivity: np.ndarray
    sub_population: np.ndarray
    sub_points: np.ndarray
    sub_roads: list[list[str]]
    district_of_sub: np.ndarray
    category_share: np.ndarray
    category_deadline: np.ndarray
    category_department: np.ndarray


def _points_inside(rng: np.random.Generator, polygon, avoid, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(4 * n, 2))
        keep = shapely.contains_xy(polygon, xy[:, 0], xy[:, 1]) & ~shapely.contains_xy(avoid, xy[:, 0], xy[:, 1])
        found = np.vstack([found, xy[keep]])
    return np.round(found[:n], 6)


def build_context(city: City, seed: int) -> CityContext:
    """Derive the generator arrays from ``city`` (deterministic from ``seed``)."""
    rng = rng_for(seed, STREAM_STATIC, 0)
    props = [r.properties for r in city.roads]
    road_class = np.array([p["road_class"] for p in props])
    mids = np.array([r.geometry.interpolate(0.5, normalized=True).coords[0] for r in city.roads])
    radius_km = np.hypot((mids[:, 0] - CENTRE_LON) * 95.5, (mids[:, 1] - CENTRE_LAT) * 110.9)
    sensitivity = rng.lognormal(0, 0.25, len(props)) * (1.25 - 0.5 * np.clip(radius_km / 18, 0, 1))
    water = shapely.union_all([w.geometry for w in city.water])
    sub_points = np.stack([_points_inside(rng, s.geometry, water, POINTS_PER_PLACE) for s in city.subdistricts])
    districts = [d.properties["code"] for d in city.districts]
    names_by_district: dict[str, list[str]] = {}
    for p in props:
        if p["road_class"] != "expressway" and not p["bridge"]:
            names_by_district.setdefault(str(p["district_code"]), [])
            if p["name_zh"] not in names_by_district[str(p["district_code"])]:
                names_by_district[str(p["district_code"])].append(str(p["name_zh"]))
    fallback = sorted({str(p["name_zh"]) for p in props if p["road_class"] == "secondary"})
    sub_roads = [names_by_district.get(str(s.properties["parent_code"])) or fallback for s in city.subdistricts]
    departments = [d["code"] for d in city.departments]
    share = np.array([float(t["share"]) for t in city.service_types])
    return CityContext(
        city=city,
        seed=seed,
        road_class=road_class,
        free_flow=np.array([float(p["free_flow_kmh"]) for p in props]),
        lanes=np.array([int(p["lanes"]) for p in props]),
        bridge=np.array([bool(p["bridge"]) for p in props]),
        sensitivity=sensitivity,
        sub_population=np.array([float(s.properties["population"]) for s in city.subdistricts]),
        sub_points=sub_points,
        sub_roads=sub_roads,
        district_of_sub=np.array([districts.index(s.properties["parent_code"]) for s in city.subdistricts]),
        category_share=share / share.sum(),
        category_deadline=np.array([int(t["deadline_days"]) for t in city.service_types]),
        category_department=np.array([departments.index(t["department_code"]) for t in city.service_types]),
    )
