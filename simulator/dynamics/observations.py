"""The sensor catalogue (Things and Datastreams) and the flat observation table the SensorThings API serves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.city import City
from simulator.dynamics.table import Table

QUANTITIES = {
    "air": [
        ("pm25", "PM2.5", "microgram per cubic metre", "µg/m³", "ucum:ug/m3"),
        ("pm10", "PM10", "microgram per cubic metre", "µg/m³", "ucum:ug/m3"),
        ("no2", "NO2", "microgram per cubic metre", "µg/m³", "ucum:ug/m3"),
        ("so2", "SO2", "microgram per cubic metre", "µg/m³", "ucum:ug/m3"),
        ("o3", "O3", "microgram per cubic metre", "µg/m³", "ucum:ug/m3"),
        ("co", "CO", "milligram per cubic metre", "mg/m³", "ucum:mg/m3"),
    ],
    "noise": [("laeq", "LAeq", "decibel A-weighted", "dB(A)", "ucum:dB[A]")],
    "water": [
        ("ph", "pH", "pH unit", "pH", "ucum:[pH]"),
        ("do", "Dissolved oxygen", "milligram per litre", "mg/L", "ucum:mg/L"),
        ("turbidity", "Turbidity", "nephelometric turbidity unit", "NTU", "ucum:[NTU]"),
    ],
}
OBSERVED_PROPERTIES = [q for kind in ("air", "noise", "water") for q in QUANTITIES[kind]]
ID_FACTOR = 10_000_000


@dataclass(frozen=True)
class Datastream:
    """One station × quantity."""

    id: int
    thing_id: int
    station: dict[str, object]
    kind_index: int
    quantity: str
    label: str
    unit_name: str
    unit_symbol: str
    unit_definition: str


class Catalogue:
    """Things (stations, ids from 1 in file order) and their datastreams (ids from 1)."""

    def __init__(self, city: City) -> None:
        self.things = list(city.stations)
        self.datastreams: list[Datastream] = []
        self._index: dict[tuple[str, int, str], int] = {}
        kind_counter: dict[str, int] = {}
        for thing_id, station in enumerate(self.things, start=1):
            kind = str(station["kind"])
            kind_index = kind_counter.get(kind, 0)
            kind_counter[kind] = kind_index + 1
            for quantity, label, unit, symbol, definition in QUANTITIES[kind]:
                ds = Datastream(
                    len(self.datastreams) + 1, thing_id, station, kind_index, quantity, label, unit, symbol, definition
                )
                self.datastreams.append(ds)
                self._index[(kind, kind_index, quantity)] = ds.id

    def datastream_id(self, kind: str, kind_index: int, quantity: str) -> int:
        """The id of the datastream of a station (by its index within its kind) and quantity."""
        return self._index[(kind, kind_index, quantity)]


def observations_day(catalogue: Catalogue, air: Table, noise: Table, water: Table) -> Table:
    """Every observation of one day as (id, datastream, time, result), ordered by (time, id)."""
    ds_parts, time_parts, result_parts = [], [], []
    for kind, table in (("air", air), ("noise", noise), ("water", water)):
        for quantity, *_ in QUANTITIES[kind]:
            lookup = np.array([catalogue.datastream_id(kind, i, quantity) for i in range(table["station"].max() + 1)])
            ds_parts.append(lookup[table["station"]])
            time_parts.append(table["time"])
            result_parts.append(table[quantity].astype(np.float64))
    ds = np.concatenate(ds_parts).astype(np.int64)
    times = np.concatenate(time_parts)
    ids = ds * ID_FACTOR + times // 900
    order = np.lexsort((ids, times))
    return Table(
        {
            "id": ids[order],
            "datastream": ds[order].astype(np.int32),
            "time": times[order],
            "result": np.concatenate(result_parts)[order],
        }
    )
