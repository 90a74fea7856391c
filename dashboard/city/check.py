"""``city check``: what the city's reference data has and lacks, and what each page and KPI can therefore show;
each finding in Chinese and English (the command prints English, the /city page the page's language)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from dashboard.city.validate import listing
from dashboard.geo.geometry import POLYGONAL
from dashboard.queries.cityref import inventory

#: key -> (Chinese, English) of every subject and detail a finding can have.
MESSAGES = {
    "districts": ("区县", "districts"),
    "streets": ("街道（网格）", "sub-districts"),
    "districts.geometry": ("区县几何", "districts geometry"),
    "streets.geometry": ("街道几何", "sub-districts geometry"),
    "districts.population": ("区县人口", "districts population"),
    "streets.population": ("街道人口", "sub-districts population"),
    "roads": ("路段", "roads"),
    "air": ("空气站", "air stations"),
    "noise": ("噪声站", "noise stations"),
    "water": ("水质站", "water stations"),
    "outside": ("辖区外的站点", "stations outside the districts"),
    "halls": ("政务大厅", "halls"),
    "departments": ("承办部门", "departments"),
    "categories": ("诉求类型", "categories"),
    "data.complaints": ("诉求数据", "complaints data"),
    "data.traffic": ("交通数据", "traffic data"),
    "data.sensors": ("监测数据", "sensors data"),
    "data.halls": ("大厅数据", "halls data"),
    "unknown.complaints": ("参考数据中没有的诉求类型编码", "complaints codes not in the reference"),
    "unknown.traffic": ("参考数据中没有的路段编码", "traffic codes not in the reference"),
    "unknown.sensors": ("参考数据中没有的站点编码", "sensors codes not in the reference"),
    "unknown.halls": ("参考数据中没有的大厅编码", "halls codes not in the reference"),
    "unknown.departments": ("参考数据中没有的承办部门", "department codes not in the reference"),
    "count": ("{n}", "{n}"),
    "list": ("{items}", "{items}"),
    "count.list": ("{n}：{items}", "{n}: {items}"),
    "records": ("{n} 条", "{n} records"),
    "none.yet": ("暂无", "none yet"),
    "none.districts": ("无：地图不绘制区域", "none: the map draws no areas"),
    "none.streets": ("无：不能下钻到街道", "none: no drill-down"),
    "none.roads": ("无：交通指数不可用，无路网图层", "none: traffic index unavailable, no roads layer"),
    "none.air": ("无：城市 AQI 与站点地图不可用", "none: city AQI and the stations map unavailable"),
    "none.noise": ("无：噪声达标率不可用", "none: noise compliance unavailable"),
    "none.water": ("无：水质不可用", "none: water quality unavailable"),
    "none.halls": ("无：大厅等候时间不可用", "none: hall waits unavailable"),
    "none.departments": ("无：排名显示部门编码", "none: rankings show department codes"),
    "none.categories": ("无：诉求显示类型编码，无办理时限", "none: complaints show category codes, no deadlines"),
    "geometry.odd": ("{n} 个不是有效多边形，按其多边形部分绘制或跳过：{items}",
                     "{n} not valid polygons, drawn by their polygonal part or skipped: {items}"),
    "population.all": ("{known}/{total} 有人口", "population for {known}/{total}"),
    "population.partial": (
        "{known}/{total} 有人口：人均指标（每万人诉求量）不可用",
        "population for {known}/{total}: per-capita KPIs (complaints per 10k residents) unavailable",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One line of the check: ``ok`` (the city has it) or not, its subject and detail (message keys and values)."""

    ok: bool
    subject: str
    detail: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str = "en") -> tuple[str, str]:
        """Subject and detail in ``lang`` ("zh" or "en")."""
        index = 0 if lang == "zh" else 1
        return MESSAGES[self.subject][index], MESSAGES[self.detail][index].format(**self.values)


def _areas(areas, level: str) -> list[Finding]:
    rows = areas[areas["level"] == level]
    name = "districts" if level == "district" else "streets"
    if rows.empty:
        return [Finding(False, name, f"none.{name}")]
    out = [Finding(True, name, "count", {"n": len(rows)})]
    odd = rows[[g is None or not g.is_valid or g.geom_type not in POLYGONAL for g in rows["geometry"]]]
    if not odd.empty:
        values = {"n": len(odd), "items": listing(odd["name_zh"])}
        out.append(Finding(False, f"{name}.geometry", "geometry.odd", values))
    known = int(rows["population"].notna().sum())
    detail = "population.all" if known == len(rows) else "population.partial"
    out.append(Finding(known == len(rows), f"{name}.population", detail, {"known": known, "total": len(rows)}))
    return out


def _counted(subject: str, count: int) -> Finding:
    return Finding(True, subject, "count", {"n": count}) if count else Finding(False, subject, f"none.{subject}")


def check_city(engine: Engine) -> list[Finding]:
    """The findings, reference data first, then the facts and codes they use that the reference lacks."""
    inv = inventory(engine)
    stations = inv["stations"]
    findings = _areas(inv["areas"], "district") + _areas(inv["areas"], "street") + [_counted("roads", inv["roads"])]
    findings += [_counted(kind, int((stations["kind"] == kind).sum())) for kind in ("air", "noise", "water")]
    outside = stations[stations["district_code"].isna()]
    if not outside.empty:
        findings.append(Finding(False, "outside", "list", {"items": listing(outside["code"])}))
    findings += [_counted(name, inv[name]) for name in ("halls", "departments", "categories")]
    findings += [
        Finding(bool(count), f"data.{domain}", "records" if count else "none.yet", {"n": count})
        for domain, count in inv["facts"].items()
    ]
    findings += [
        Finding(False, f"unknown.{domain}", "count.list", {"n": len(codes), "items": listing(codes)})
        for domain, codes in inv["unknown"].items()
        if codes
    ]
    return findings
