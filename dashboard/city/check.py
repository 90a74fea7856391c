"""``city check``: what the city's reference data has and lacks, and what each page and KPI can therefore show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from dashboard.city.validate import listing
from dashboard.geo.geometry import POLYGONAL
from dashboard.queries.cityref import inventory


@dataclass(frozen=True)
class Finding:
    """One line of the check: ``ok`` (the city has it) or not, what, and what it means for the pages."""

    ok: bool
    subject: str
    detail: str


def _areas(areas, level: str, what: str) -> list[Finding]:
    rows = areas[areas["level"] == level]
    if rows.empty:
        return [Finding(False, what, "none: the map draws no areas" if level == "district" else "none: no drill-down")]
    out = [Finding(True, what, f"{len(rows)}")]
    odd = rows[[g is None or not g.is_valid or g.geom_type not in POLYGONAL for g in rows["geometry"]]]
    if not odd.empty:
        out.append(Finding(False, f"{what} geometry", f"{len(odd)} not valid polygons, drawn by their polygonal part "
                                                     f"or skipped: {listing(odd['name_zh'])}"))
    known = int(rows["population"].notna().sum())
    if known == len(rows):
        out.append(Finding(True, f"{what} population", f"population for {known}/{len(rows)}"))
    else:
        out.append(Finding(False, f"{what} population", f"population for {known}/{len(rows)}: per-capita KPIs "
                                                        "(complaints per 10k residents) unavailable"))
    return out


def check_city(engine: Engine) -> list[Finding]:
    """The findings, reference data first, then the facts and codes they use that the reference lacks."""
    inv = inventory(engine)
    findings = _areas(inv["areas"], "district", "districts") + _areas(inv["areas"], "street", "sub-districts")
    findings.append(
        Finding(True, "roads", f"{inv['roads']}")
        if inv["roads"]
        else Finding(False, "roads", "none: traffic index unavailable, no roads layer")
    )
    stations = inv["stations"]
    for kind, means in (("air", "city AQI and the stations map unavailable"), ("noise", "noise compliance unavailable"),
                        ("water", "water quality unavailable")):
        count = int((stations["kind"] == kind).sum())
        findings.append(Finding(bool(count), f"{kind} stations", f"{count}" if count else f"none: {means}"))
    outside = stations[stations["district_code"].isna()]
    if not outside.empty:
        findings.append(Finding(False, "stations outside the districts", listing(outside["code"])))
    for name, means in (("halls", "hall waits unavailable"), ("departments", "rankings show department codes"),
                        ("categories", "complaints show category codes, no deadlines")):
        count = inv[name]
        findings.append(Finding(bool(count), name, f"{count}" if count else f"none: {means}"))
    for domain, count in inv["facts"].items():
        findings.append(Finding(bool(count), f"{domain} data", f"{count} records" if count else "none yet"))
    for domain, codes in inv["unknown"].items():
        if codes:
            findings.append(Finding(False, f"{domain} codes not in the reference", f"{len(codes)}: {listing(codes)}"))
    return findings
