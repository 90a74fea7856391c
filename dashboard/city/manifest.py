"""The city manifest (``city.toml``, see docs/city.md): where each kind of reference data is and how to read it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dashboard.geo.crs import UnknownCrsError, normalize_crs

KINDS = ("boundaries", "roads", "stations", "halls", "departments", "categories", "aliases", "service_items")


class ManifestError(ValueError):
    """The manifest cannot be read (its path and the offending key are named)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """One file of reference data: GeoJSON, Shapefile, GeoPackage, CSV or XLSX; ``fields`` maps our field names to
    the file's; ``point`` names the x and y columns of a table of points, ``start``/``end`` those of a table of
    segments; ``crs`` defaults to the city's. ``format`` reads a feed's own metadata instead: a SensorThings
    collection of Things or Datastreams (stations), an Open311 services list (categories). ``distinct`` keeps one
    row per code (a feed's file repeats its stations every hour); ``inside_city`` leaves out points outside the
    districts (a national file), counted in the report."""

    file: Path
    format: Literal["auto", "sensorthings", "open311"] = "auto"
    distinct: bool = False
    inside_city: bool = False
    station_property: str = "station_code"
    crs: str | None = None
    layer: str | None = None
    sheet: str | int | None = None
    encoding: str = "utf-8-sig"
    fields: dict[str, str] = Field(default_factory=dict)
    point: tuple[str, str] | None = None
    start: tuple[str, str] | None = None
    end: tuple[str, str] | None = None

    @field_validator("crs")
    @classmethod
    def _crs(cls, value: str | None) -> str | None:
        try:
            return None if value is None else normalize_crs(value)
        except UnknownCrsError as exc:
            raise ValueError(str(exc)) from None


class Population(_Strict):
    """Populations of one level's areas, joined on their code or name."""

    file: Path
    key: Literal["code", "name"] = "code"
    key_column: str | None = None
    value_column: str = "population"


class Boundaries(Source):
    """Areas of one level: ``district`` or ``street`` (sub-district); grids are imported as ``street`` cells."""

    level: Literal["district", "street"] = "district"
    parent_code: str | None = None
    population: Population | None = None


class Roads(Source):
    length_unit: str = "m"
    speed_unit: str = "km/h"
    default_class: str = "arterial"


class Stations(Source):
    default_kind: Literal["air", "noise", "water"] = "air"


class City(_Strict):
    code: str
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"
    crs: str = "WGS84"

    @field_validator("crs")
    @classmethod
    def _crs(cls, value: str) -> str:
        try:
            return normalize_crs(value)
        except UnknownCrsError as exc:
            raise ValueError(str(exc)) from None


class Manifest(_Strict):
    """A city: its identity and the sources of each kind of reference data (every kind optional)."""

    city: City
    feeds: Path | None = None
    boundaries: list[Boundaries] = Field(default_factory=list)
    roads: Roads | None = None
    stations: Stations | None = None
    halls: Source | None = None
    departments: Source | None = None
    categories: Source | None = None
    aliases: Source | None = None
    service_items: Source | None = None

    def crs_of(self, source: Source) -> str:
        return source.crs or self.city.crs


def load_manifest(path: Path) -> Manifest:
    """Read and check ``path``; relative file paths are taken from the current directory (the project root)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: {exc}") from None
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ManifestError(f"{path}: {problems}") from None
