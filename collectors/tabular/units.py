"""A small declared table of units: each belongs to one dimension and has a factor to that dimension's base.

Conversion is a multiplication between two units of the same dimension; anything else is refused.
"""

from __future__ import annotations

#: unit -> (dimension, size in the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "ng/m³": ("concentration", 1e-6),
    "µg/m³": ("concentration", 1e-3),
    "mg/m³": ("concentration", 1.0),
    "km/h": ("speed", 1.0),
    "m/s": ("speed", 3.6),
    "mph": ("speed", 1.609344),
    "ms": ("duration", 0.001),
    "s": ("duration", 1.0),
    "min": ("duration", 60.0),
    "h": ("duration", 3600.0),
    "1": ("ratio", 1.0),
    "%": ("ratio", 0.01),
    "dB(A)": ("sound level", 1.0),
    "veh": ("count", 1.0),
    "veh/h": ("flow", 1.0),
    "veh/min": ("flow", 60.0),
}

#: Spellings found in real exports -> the unit's name in :data:`UNITS`.
ALIASES = {
    "ng/m3": "ng/m³",
    "ug/m3": "µg/m³",
    "μg/m³": "µg/m³",  # Greek mu
    "μg/m3": "µg/m³",
    "µg/m3": "µg/m³",
    "mg/m3": "mg/m³",
    "kmh": "km/h",
    "km/hr": "km/h",
    "kph": "km/h",
    "sec": "s",
    "second": "s",
    "seconds": "s",
    "minute": "min",
    "minutes": "min",
    "hour": "h",
    "hours": "h",
    "percent": "%",
    "fraction": "1",
    "dba": "dB(A)",
    "db(a)": "dB(A)",
}


#: Units by their lower-case name ("KM/H", "Veh/h").
_FOLDED = {unit.lower(): unit for unit in UNITS}


class UnitError(ValueError):
    """A unit that is not in the table, or a conversion between different dimensions."""


def canonical(unit: str) -> str:
    """The table's name for ``unit`` (aliases resolved); raises :class:`UnitError` when unknown."""
    name = "".join(unit.split())  # "ug / m3" and " km/h " as written in real headers
    name = ALIASES.get(name, ALIASES.get(name.lower(), name))
    name = name if name in UNITS else _FOLDED.get(name.lower(), name)
    if name not in UNITS:
        raise UnitError(f"unknown unit {unit!r}; known: {', '.join(UNITS)}")
    return name


def factor(source: str, target: str) -> float:
    """The multiplier that turns a value in ``source`` into ``target``."""
    (source_dim, source_size), (target_dim, target_size) = UNITS[canonical(source)], UNITS[canonical(target)]
    if source_dim != target_dim:
        raise UnitError(f"cannot convert {source} ({source_dim}) to {target} ({target_dim})")
    return source_size / target_size
