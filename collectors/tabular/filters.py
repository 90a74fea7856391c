"""Row filters (``where``): a national or provincial file feeds one city. Rows a condition leaves out are
counted as filtered, neither stored nor quarantined.

Every condition of the list must hold. A condition reads one column (or JSONPath) and tests it with
``equals``, ``in``, ``regex`` (the whole value) or ``min``/``max`` (numeric, inclusive); or it tests the row's
point with ``inside``: a GeoJSON boundary file, or ``"city"`` for the city's districts.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from shapely import contains as shapely_contains
from shapely import points as shapely_points
from shapely import prepare
from shapely.geometry import shape
from shapely.ops import unary_union

from collectors.fields import text
from dashboard.settings import Settings


def city_boundary_file() -> Path:
    """The city's districts (setting ``CITYOPS_CITY_DATA_DIR``), for ``inside = "city"``."""
    return Settings().city_data_dir / "districts.geojson"


def load_boundary(path: Path):
    """The union of every polygon of a GeoJSON file, prepared for point tests (ValueError when unreadable)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"boundary {path}: {exc}") from None
    features = document.get("features", [document]) if isinstance(document, dict) else []
    shapes = [shape(f.get("geometry", f)) for f in features if isinstance(f, dict)]
    if not shapes:
        raise ValueError(f"boundary {path}: no geometry")
    union = unary_union(shapes)
    prepare(union)
    return union


class Condition(BaseModel):
    """One ``where`` condition."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    column: str | None = None
    path: str | None = None
    equals: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    regex: str | None = None
    min: float | None = None
    max: float | None = None
    inside: str | None = Field(None, description='GeoJSON boundary file, or "city" for the city\'s districts.')
    lon: str | None = Field(None, description="inside: column of the longitude (default: the GeoJSON point).")
    lat: str | None = Field(None, description="inside: column of the latitude.")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [n for n in ("equals", "in_", "regex", "min", "max", "inside") if getattr(self, n) is not None]
        if not tests:
            raise ValueError("a where condition needs equals, in, regex, min/max or inside")
        if self.inside is None and (self.column is None) == (self.path is None):
            raise ValueError("a where condition reads exactly one column or path")
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        if self.regex is not None:
            re.compile(self.regex)
        if self.inside is not None:
            self.boundary  # noqa: B018 — read it now, so a wrong file is refused when the feeds load
        return self

    @cached_property
    def boundary(self):
        return load_boundary(city_boundary_file() if self.inside == "city" else Path(self.inside))

    def accepts(self, value: Any) -> bool:
        """Whether a (present) source value passes the value tests of this condition."""
        shown = text(value)
        if shown is None:
            return False
        if self.equals is not None and shown != str(self.equals).strip():
            return False
        if self.in_ is not None and shown not in {str(v).strip() for v in self.in_}:
            return False
        if self.regex is not None and not re.fullmatch(self.regex, shown):
            return False
        if self.min is not None or self.max is not None:
            try:
                number = float(shown.replace(",", ""))
            except ValueError:
                return False
            if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
                return False
        return True

    def contains(self, lons: list[float | None], lats: list[float | None]) -> list[bool]:
        """Which points lie inside the boundary (a missing point does not)."""
        known = [i for i, (x, y) in enumerate(zip(lons, lats, strict=True)) if x is not None and y is not None]
        inside = [False] * len(lons)
        if known:
            hits = shapely_contains(self.boundary, shapely_points([lons[i] for i in known], [lats[i] for i in known]))
            for i, hit in zip(known, hits.tolist(), strict=True):
                inside[i] = hit
        return inside
