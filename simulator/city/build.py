"""Build the demo city (澄江市) deterministically from a seed, in a local metric plane, then in WGS-84."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from simulator.city import names
from simulator.city.model import City, Feature
from simulator.city.projection import geodesic_area_km2, geodesic_length_m, point_lonlat, to_lonlat

TOTAL_POPULATION = 3_000_000
BRIDGE_HALF_M = 350.0


def _ellipse(cx: float, cy: float, a: float, b: float, angle: float, rng: np.random.Generator, n: int) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wobble = 1 + sum(rng.uniform(0.01, 0.05) / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi)) for k in (2, 3, 5))
    x, y = a * wobble * np.cos(theta), b * wobble * np.sin(theta)
    ca, sa = math.cos(angle), math.sin(angle)
    return Polygon(np.column_stack([cx + ca * x - sa * y, cy + sa * x + ca * y]))


def _random_point(rng: np.random.Generator, area: BaseGeometry, avoid: BaseGeometry | None = None) -> Point:
    minx, miny, maxx, maxy = area.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(area, x, y) and (avoid is None or not shapely.contains_xy(avoid, x, y)):
            return Point(x, y)


def _spread_points(rng: np.random.Generator, area: Polygon, n: int) -> list[Point]:
    """n well-spread points inside ``area`` (farthest-point sampling of random candidates)."""
    candidates = np.array([_random_point(rng, area).coords[0] for _ in range(30 * n)])
    chosen = [0]
    distance = np.hypot(*(candidates - candidates[0]).T)
    while len(chosen) < n:
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.hypot(*(candidates - candidates[nxt]).T))
    return [Point(candidates[i]) for i in chosen]


def _voronoi(seeds: list[Point], clip: Polygon) -> list[Polygon]:
    """Voronoi cells of ``seeds`` clipped to ``clip``, in the order of the seeds."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=clip.buffer(5000)).geoms
    ordered = []
    for seed in seeds:
        cell = next(c for c in cells if c.contains(seed))
        ordered.append(shapely.normalize(cell.intersection(clip)))
    return ordered


def _river(rng: np.random.Generator, outline: Polygon) -> tuple[LineString, Polygon]:
    x = np.linspace(-30000, 30000, 121)
    phase1, phase2 = rng.uniform(0, 2 * np.pi, 2)
    y = -1000 + 0.08 * x + 1800 * np.sin(x / 6500 + phase1) + 600 * np.sin(x / 2700 + phase2)
    centre = LineString(np.column_stack([x, y]))
    width = rng.uniform(300, 420)
    river = centre.buffer(width / 2, cap_style="flat").intersection(outline).simplify(10)
    return centre.intersection(outline), river


def _split_road(line: LineString, river: Polygon, target: float) -> list[tuple[LineString, bool]]:
    """Cut a road into 0.5-3 km pieces; each river crossing becomes its own bridge piece."""
    length = line.length
    bridges: list[list[float]] = []
    crossing = line.intersection(river)
    parts = [p for p in getattr(crossing, "geoms", [crossing]) if p.length > 0]
    for part in sorted(parts, key=lambda p: line.project(p.centroid)):
        d = line.project(part.centroid)
        a, b = max(0.0, d - BRIDGE_HALF_M), min(length, d + BRIDGE_HALF_M)
        a, b = (a, min(length, a + 2 * BRIDGE_HALF_M)) if a == 0 else (max(0.0, b - 2 * BRIDGE_HALF_M), b)
        if bridges and a <= bridges[-1][1]:
            bridges[-1][1] = b
        else:
            bridges.append([a, b])
    intervals: list[list] = []
    cursor = 0.0
    for a, b in bridges:
        if a > cursor:
            intervals.append([cursor, a, False])
        intervals.append([a, b, True])
        cursor = b
    if cursor < length:
        intervals.append([cursor, length, False])
    merged: list[list] = []
    for interval in intervals:
        if merged and not merged[-1][2] and merged[-1][1] - merged[-1][0] < 500:
            merged[-1] = [merged[-1][0], interval[1], True]
        elif merged and interval[1] - interval[0] < 500:
            merged[-1][1] = interval[1]
        else:
            merged.append(interval)
    pieces = []
    for a, b, bridge in merged:
        n = max(1 if bridge else round((b - a) / target), math.ceil((b - a) / 2900))
        edges = np.linspace(a, b, n + 1)
        pieces += [(substring(line, s, e), bridge) for s, e in zip(edges[:-1], edges[1:], strict=True)]
    return pieces


def _ray_to_outline(outline: Polygon, angle: float, start: float) -> LineString:
    far = LineString([(0, 0), (40000 * math.cos(angle), 40000 * math.sin(angle))])
    end = far.intersection(outline.exterior)
    end = min(getattr(end, "geoms", [end]), key=lambda p: p.distance(Point(0, 0)))
    reach = Point(0, 0).distance(end) - 300
    return LineString(
        [(start * math.cos(angle), start * math.sin(angle)), (reach * math.cos(angle), reach * math.sin(angle))]
    )


def _along_river(line: LineString, river: Polygon) -> bool:
    """Whether the line runs along the river (long or repeated contact) instead of crossing it."""
    parts = getattr(line.intersection(river), "geoms", None) or [line.intersection(river)]
    return len(parts) > 2 or any(part.length > 900 for part in parts)


def _road_lines(
    rng: np.random.Generator, outline: Polygon, river: Polygon
) -> list[tuple[LineString, str, tuple[str, str]]]:
    ring = _ellipse(0, -500, 12500, 11000, rng.uniform(-0.2, 0.2), rng, 64).exterior
    lines = [(LineString(ring.coords), "expressway", names.RING_ROAD)]
    for k, name in enumerate(names.RADIAL_ROADS):
        angle = math.radians(22.5 + 45 * k + rng.uniform(-8, 8))
        lines.append((_ray_to_outline(outline, angle, 1200), "arterial", name))
    for x, name in zip(np.arange(-10000, 10001, 2500), names.NORTH_SOUTH_ROADS, strict=True):
        x += rng.uniform(-300, 300)
        lines.append((LineString([(x, -9000), (x, 9000)]).intersection(outline), "secondary", name))
    for y, name in zip(np.arange(-7500, 7501, 2500), names.EAST_WEST_ROADS, strict=True):
        y += rng.uniform(-300, 300)
        line = LineString([(-11000, y), (11000, y)]).intersection(outline)
        while _along_river(line, river):
            y += 700
            line = LineString([(-11000, y), (11000, y)]).intersection(outline)
        lines.append((line, "secondary", name))
    return lines


def _bridge_name(name: tuple[str, str], road_class: str) -> tuple[str, str]:
    if road_class == "expressway":
        return name[0] + "澄江大桥", "Chengjiang Bridge (" + name[1] + ")"
    zh = name[0].removesuffix("大道").removesuffix("路")
    en = name[1].removesuffix(" Avenue").removesuffix(" Road")
    return zh + "大桥", en + " Bridge"


def _containing(features: list[tuple[Polygon, str]], point: Point) -> str:
    return min(features, key=lambda f: f[0].distance(point))[1]


def build_city(seed: int) -> City:
    """The whole demo city for ``seed``."""
    rng = np.random.default_rng([seed, 1])
    outline = _ellipse(0, 0, 20000, 17500, 0.0, rng, 72)
    river_line, river = _river(rng, outline)
    lakes = [
        _ellipse(-12500, 6000, 2200, 1300, rng.uniform(0, np.pi), rng, 36),
        _ellipse(8500, -6500, 900, 600, rng.uniform(0, np.pi), rng, 24),
    ]
    lakes = [lake if not lake.intersects(river) else shapely.affinity.translate(lake, 0, 2500) for lake in lakes]
    water_all = shapely.union_all([river, *lakes])

    seeds = [Point(x * 1000 + rng.normal(0, 800), y * 1000 + rng.normal(0, 800)) for _, _, (x, y), _ in names.DISTRICTS]
    district_polys = _voronoi(seeds, outline)
    weights = np.array([d[3] * p.area for d, p in zip(names.DISTRICTS, district_polys, strict=True)])
    weights *= rng.lognormal(0, 0.1, len(weights))
    total = TOTAL_POPULATION * rng.uniform(0.98, 1.02)
    district_pop = np.round(weights / weights.sum() * total, -2).astype(int)
    district_codes = [f"{names.CITY_CODE[:4]}{i + 1:02d}" for i in range(len(names.DISTRICTS))]

    stems = [names.SUBDISTRICT_STEMS[i] for i in rng.permutation(len(names.SUBDISTRICT_STEMS))]
    sub_polys: list[tuple[Polygon, str]] = []
    subdistricts: list[Feature] = []
    sub_pop: dict[str, int] = {}
    for d_index, (d_poly, d_code) in enumerate(zip(district_polys, district_codes, strict=True)):
        n = 5 + round(4 * district_pop[d_index] / district_pop.max())
        cells = _voronoi(_spread_points(rng, d_poly, n), d_poly)
        cells.sort(key=lambda c: (-round(c.centroid.y, -2), c.centroid.x))
        centre_distance = np.array([c.centroid.distance(Point(0, 0)) for c in cells])
        w = np.array([c.area for c in cells]) * np.exp(-centre_distance / 7000) * rng.lognormal(0, 0.3, n)
        pops = np.round(w / w.sum() * district_pop[d_index], -1).astype(int)
        for j, (cell, pop) in enumerate(zip(cells, pops, strict=True)):
            stem_zh, stem_en = stems.pop()
            urban = cell.centroid.distance(Point(0, 0)) < 9000
            code = f"{d_code}{j + 1:03d}"
            geom = to_lonlat(cell)
            subdistricts.append(
                Feature(
                    {
                        "code": code,
                        "name_zh": stem_zh + ("街道" if urban else "镇"),
                        "name_en": stem_en + (" Subdistrict" if urban else " Town"),
                        "level": "street",
                        "parent_code": d_code,
                        "population": int(pop),
                        "area_km2": round(geodesic_area_km2(geom), 2),
                    },
                    geom,
                )
            )
            sub_polys.append((cell, code))
            sub_pop[code] = int(pop)
    district_pop = [sum(p for c, p in sub_pop.items() if c.startswith(d)) for d in district_codes]

    districts = []
    for (zh, en, _, _), poly, code, pop in zip(
        names.DISTRICTS, district_polys, district_codes, district_pop, strict=True
    ):
        geom = to_lonlat(poly)
        districts.append(
            Feature(
                {
                    "code": code,
                    "name_zh": zh,
                    "name_en": en,
                    "level": "district",
                    "parent_code": names.CITY_CODE,
                    "population": int(pop),
                    "area_km2": round(geodesic_area_km2(geom), 2),
                },
                geom,
            )
        )
    district_index = list(zip(district_polys, district_codes, strict=True))

    water = [Feature({"name_zh": names.RIVER[0], "name_en": names.RIVER[1], "kind": "river"}, to_lonlat(river))]
    water += [
        Feature({"name_zh": zh, "name_en": en, "kind": "lake"}, to_lonlat(lake))
        for (zh, en), lake in zip(names.LAKES, lakes, strict=True)
    ]

    roads: list[Feature] = []
    road_pieces: list[tuple[LineString, str, tuple[str, str]]] = []
    for line, road_class, name in _road_lines(rng, outline, river):
        target = {"expressway": 2400, "arterial": 1900, "secondary": 1450}[road_class]
        for piece, bridge in _split_road(line, river, target):
            if any(piece.intersection(lake).length > 0.5 * piece.length for lake in lakes):
                continue
            zh, en = _bridge_name(name, road_class) if bridge else name
            lanes = int(rng.choice({"expressway": [6, 8], "arterial": [4, 6], "secondary": [2, 4]}[road_class]))
            free_flow = {"expressway": [90, 100], "arterial": [50, 60], "secondary": [35, 40, 45]}[road_class]
            geom = to_lonlat(piece)
            roads.append(
                Feature(
                    {
                        "code": f"R{len(roads) + 1:04d}",
                        "name_zh": zh,
                        "name_en": en,
                        "road_class": road_class,
                        "lanes": lanes,
                        "length_m": round(geodesic_length_m(geom), 1),
                        "free_flow_kmh": float(rng.choice(free_flow)),
                        "bridge": bridge,
                        "district_code": _containing(district_index, piece.interpolate(0.5, normalized=True)),
                    },
                    geom,
                )
            )
            road_pieces.append((piece, road_class, name))

    stations = _stations(
        rng, district_codes, district_pop, subdistricts, sub_polys, water_all, road_pieces, river_line, district_index
    )
    halls = _halls(rng, districts, district_index, sub_polys, sub_pop, water_all)
    departments = [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in names.DEPARTMENTS]
    service_types = [
        {
            "service_code": code,
            "name_zh": zh,
            "name_en": en,
            "department_code": dept,
            "deadline_days": days,
            "share": share,
            "group": group,
        }
        for code, zh, en, dept, days, share, group in names.SERVICE_TYPES
    ]
    aliases = [{"kind": kind, "alias": alias, "code": code} for kind, alias, code in names.ALIASES]
    items = [{"code": _slug(en), "name_zh": zh, "name_en": en} for zh, en, _ in names.HALL_ITEMS]
    return City(districts, subdistricts, water, roads, stations, halls, departments, service_types, aliases, items)


def _slug(name: str) -> str:
    """A code from an English name: "Exit-entry documents" -> "exit_entry_documents"."""
    return "_".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


#: GB 3096-2008 acoustic classes of noise sites beside secondary roads, in turn: mixed (2), residential (1),
#: industrial (3) areas; a site beside an arterial road is in class 4a (both sides of a traffic artery).
SECONDARY_ROAD_ZONES = ("2", "1", "3")


def _station_row(
    code: str, zh: str, en: str, kind: str, point: Point, district: str, noise_class: str = ""
) -> dict[str, object]:
    lon, lat = point_lonlat(point.x, point.y)
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "kind": kind,
        "lon": lon,
        "lat": lat,
        "district_code": district,
        "noise_class": noise_class,
    }


def _stations(
    rng, district_codes, district_pop, subdistricts, sub_polys, water_all, road_pieces, river_line, district_index
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    extra = np.round(6 * np.array(district_pop) / sum(district_pop)).astype(int)
    extra[int(np.argmax(district_pop))] += 6 - extra.sum()
    used: set[str] = set()
    air = []
    for d_code, n_extra in zip(district_codes, extra, strict=True):
        subs = [
            (f, poly)
            for f, (poly, _) in zip(subdistricts, sub_polys, strict=True)
            if f.properties["parent_code"] == d_code
        ]
        weights = np.array([f.properties["population"] for f, _ in subs], dtype=float)
        picks = rng.choice(len(subs), size=2 + int(n_extra), replace=False, p=weights / weights.sum())
        for pick in picks:
            feature, poly = subs[pick]
            stem_zh = feature.properties["name_zh"][:2]
            stem_en = str(feature.properties["name_en"]).rsplit(" ", 1)[0]
            site_zh, site_en = names.AIR_SITES[len(air) % len(names.AIR_SITES)]
            zh, en = stem_zh + site_zh, f"{stem_en} {site_en}"
            if zh in used:
                zh, en = zh + "二号", en + " No.2"
            used.add(zh)
            air.append((zh, en, _random_point(rng, poly, water_all), d_code))
    for i, (zh, en, point, d_code) in enumerate(air):
        rows.append(_station_row(f"3399A{i + 1:02d}", zh, en, "air", point, d_code))

    by_road: dict[str, tuple[LineString, tuple[str, str]]] = {}
    for piece, road_class, name in road_pieces:
        if road_class != "expressway" and name[0] not in by_road and not piece.intersects(water_all):
            by_road[name[0]] = (piece, name, road_class)
    chosen = rng.choice(sorted(by_road), size=12, replace=False)
    for i, road in enumerate(chosen):
        piece, (zh, en), road_class = by_road[str(road)]
        mid = piece.interpolate(0.5, normalized=True)
        point = Point(mid.x + 20, mid.y + 20)
        rows.append(
            _station_row(
                f"3399N{i + 1:02d}",
                zh + "噪声监测点",
                en + " Noise Site",
                "noise",
                point,
                _containing(district_index, point),
                "4a" if road_class == "arterial" else SECONDARY_ROAD_ZONES[i % len(SECONDARY_ROAD_ZONES)],
            )
        )

    used_names: set[str] = set()
    for i, fraction in enumerate(np.linspace(0.12, 0.88, 6)):
        point = river_line.interpolate(float(fraction), normalized=True)
        sub_code = _containing(sub_polys, point)
        feature = next(f for f in subdistricts if f.properties["code"] == sub_code)
        zh = feature.properties["name_zh"][:2] + "断面"
        en = str(feature.properties["name_en"]).rsplit(" ", 1)[0] + " Section"
        if zh in used_names:
            zh, en = zh.removesuffix("断面") + "下游断面", en.removesuffix(" Section") + " Downstream Section"
        used_names.add(zh)
        rows.append(
            _station_row(
                f"3399W{i + 1:02d}", "澄江" + zh, "Chengjiang " + en, "water", point, _containing(district_index, point)
            )
        )
    return rows


def _halls(rng, districts, district_index, sub_polys, sub_pop, water_all) -> list[dict[str, object]]:
    def row(code, zh, en, point, district, windows):
        lon, lat = point_lonlat(point.x, point.y)
        return {
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "lon": lon,
            "lat": lat,
            "district_code": district,
            "windows": windows,
        }

    centre = Point(0, 2500)
    while water_all.contains(centre):
        centre = Point(centre.x, centre.y + 300)
    rows = [
        row(
            "H01",
            names.CITY_ZH + "市民中心",
            "Chengjiang Citizen Service Center",
            centre,
            _containing(district_index, centre),
            60,
        )
    ]
    top = max(int(d.properties["population"]) for d in districts)
    for i, district in enumerate(districts):
        code = str(district.properties["code"])
        best = max((c for _, c in sub_polys if c.startswith(code)), key=lambda c: sub_pop[c])
        poly = next(p for p, c in sub_polys if c == best)
        point = poly.representative_point()
        if water_all.contains(point):
            point = _random_point(rng, poly, water_all)
        windows = round(12 + 33 * int(district.properties["population"]) / top)
        rows.append(
            row(
                f"H{i + 2:02d}",
                f"{district.properties['name_zh']}政务服务中心",
                f"{district.properties['name_en']} Government Service Center",
                point,
                code,
                windows,
            )
        )
    return rows
