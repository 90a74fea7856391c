"""The demo city as data: features (properties + shapely geometry, WGS-84) and reference tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry


@dataclass
class Feature:
    """One GeoJSON feature: ordered properties and a WGS-84 geometry."""

    properties: dict[str, object]
    geometry: BaseGeometry


@dataclass
class City:
    """Everything ``generate-city`` writes: four layers and six tables."""

    districts: list[Feature]
    subdistricts: list[Feature]
    water: list[Feature]
    roads: list[Feature]
    stations: list[dict[str, object]]
    halls: list[dict[str, object]]
    departments: list[dict[str, object]]
    service_types: list[dict[str, object]]
    aliases: list[dict[str, object]] = field(default_factory=list)
    service_items: list[dict[str, object]] = field(default_factory=list)
    extras: dict[str, object] = field(default_factory=dict)

    def stations_of(self, kind: str) -> list[dict[str, object]]:
        """Stations of one kind (air, noise, water), in code order."""
        return [s for s in self.stations if s["kind"] == kind]
