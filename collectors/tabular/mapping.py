"""The declarative mapping of the generic tabular/JSON adapter, and how one row becomes records.

A mapping (``options`` of a ``tabular`` feed) names, for each field of the domain's record model
(:mod:`collectors.records`), the column or JSONPath it is read from, with its time format, unit, value
table and "no data" sentinels; ``key`` names the natural key and ``melt`` turns the columns of a wide row
(one row, several quantities) into one sensor reading each.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any, Literal

from jsonpath_ng.ext import parse as parse_jsonpath
from pydantic import BaseModel, ConfigDict, Field, model_validator

from collectors.contract import SourceRecord
from collectors.fields import EMPTY_MARKERS, FieldError, text
from collectors.records import RECORD_MODELS
from collectors.tabular.computed import Expression, render, template_columns
from collectors.tabular.filters import Condition
from collectors.tabular.units import UnitError, canonical, factor
from collectors.timeparse import parse_instant, parse_local
from collectors.unread import path_of

#: Where Excel's serial day numbers count from (the 1900 date system, as every modern export writes).
EXCEL_EPOCH = datetime(1899, 12, 30)

#: Record fields stored in a fixed unit; a mapping that declares a source ``unit`` for them is converted.
STORED_UNITS = {"speed_kmh": "km/h", "free_flow_kmh": "km/h", "period_s": "s", "occupancy": "1"}

#: Fields a feed never maps directly: the key is ``key``, complaint events are derived from the times.
UNMAPPED = frozenset({"source_id", "events"})

#: Times a record's ``updated_at`` defaults to the latest of, per domain.
LIFECYCLE_TIMES = {
    "complaints": ("requested_at", "assigned_at", "closed_at", "revisited_at"),
    "halls": ("issued_at", "called_at", "served_at", "finished_at"),
}

#: Complaint events derived from a row's times when the mapping gives no history.
DERIVED_EVENTS = (
    ("received", "requested_at"),
    ("dispatched", "assigned_at"),
    ("closed", "closed_at"),
    ("revisited", "revisited_at"),
)

_THOUSANDS = r"[+-]?\d{1,3}(?:%s\d{3})+(?:\.\d+)?"

Kind = Literal["text", "number", "integer", "bool", "time"]


def field_kind(domain: str, name: str) -> Kind:
    """How a field of ``domain``'s record model is read (from its type annotation)."""
    annotation = str(RECORD_MODELS[domain].model_fields[name].annotation)
    if "Datetime" in annotation:
        return "time"
    for kind, marker in (("bool", "bool"), ("number", "float"), ("integer", "int")):
        if marker in annotation:
            return kind
    return "text"


class Source(BaseModel):
    """Where a value is read: a column (CSV/XLSX header, JSON key, GeoJSON property) or a JSONPath."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    path: str | None = Field(None, description="JSONPath evaluated on the record (or the GeoJSON feature).")

    @model_validator(mode="after")
    def _compiles(self) -> Source:
        if self.path is not None:
            try:
                parse_jsonpath(self.path)
            except Exception as exc:  # jsonpath-ng raises JsonPathParserError and bare Exceptions
                raise ValueError(f"invalid JSONPath {self.path!r}: {exc}") from None
        return self

    @property
    def label(self) -> str:
        return self.column if self.column is not None else str(self.path)

    @cached_property
    def _compiled(self):
        return parse_jsonpath(self.path)

    def read(self, row: Row) -> Any:
        if self.column is not None:
            return row.columns.get(self.column)
        found = self._compiled.find(row.document)
        return found[0].value if found else None


def source_of(value: str | Source) -> Source:
    """``"name"`` is a column, ``"$…"`` a JSONPath."""
    if isinstance(value, Source):
        return value
    return Source(path=value) if value.startswith("$") else Source(column=value.strip())


class FieldSpec(Source):
    """How one record field is read: its source (a column, a path, a constant, or several columns combined)
    and how the value is converted."""

    value: Any = Field(None, description="A constant instead of a column.")
    template: str | None = Field(None, description='Columns formatted: "{year}-{month:02}-{day:02} {hour:02}:00".')
    columns: list[str] | None = Field(None, min_length=1, description="Columns joined with separator, then read.")
    separator: str = Field(" ", description="columns: what goes between the cells.")
    expr: str | None = Field(None, description='Arithmetic over columns: "{NO2_ppb} * 1.88".')
    format: str | list[str] | None = Field(
        None, description='Times: "iso" (default), "excel", "epoch", "epoch_ms" or strftime patterns.'
    )
    unit: str | None = Field(None, description="Unit the source writes; converted to the field's stored unit.")
    to: str | None = Field(None, description="Sensor values: the unit to store (converted from ``unit``).")
    values: dict[str, Any] = Field(default_factory=dict, description="Source value -> stored value.")
    match: str | None = Field(None, description="Regular expression; values not matching it are no data.")

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        sources = ("column", "path", "value", "template", "columns", "expr")
        given = [name for name in sources if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(sources)} (got {', '.join(given) or 'none'})")
        if self.template is not None:
            template_columns(self.template)
        if self.expr is not None:
            Expression(self.expr)
        for unit in (self.unit, self.to):
            if unit is not None:
                canonical(unit)
        if self.match is not None:
            re.compile(self.match)
        return self

    @property
    def label(self) -> str:
        if self.value is not None:
            return "(constant)"
        return self.template or self.expr or (self.separator.join(self.columns) if self.columns else super().label)

    @cached_property
    def expression(self) -> Expression | None:
        return Expression(self.expr) if self.expr is not None else None

    def source_columns(self) -> list[str]:
        """The columns a combined field reads (empty for a single column, a path or a constant)."""
        if self.template is not None:
            return template_columns(self.template)
        if self.expression is not None:
            return self.expression.columns
        return [c.strip() for c in self.columns or ()]

    def read(self, row: Row) -> Any:
        return self.value if self.value is not None else super().read(row)


class MeltColumn(BaseModel):
    """One column of a wide row: the quantity it holds and its unit."""

    model_config = ConfigDict(extra="forbid")

    quantity: str = Field(min_length=1, max_length=32)
    unit: str | None = None
    to: str | None = None
    label: str | None = Field(None, description="Column whose text goes with the value (a published figure's).")


class MeltSpec(BaseModel):
    """Wide rows: each listed column becomes one sensor reading (quantity, value, unit)."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | MeltColumn] = Field(min_length=1, description="column -> quantity")
    unit: str | None = Field(None, description="Unit of every column that does not give its own.")
    to: str | None = Field(None, description="Unit to store every column in that does not give its own.")

    def column_specs(self) -> dict[str, MeltColumn]:
        specs = {}
        for column, spec in self.columns.items():
            spec = MeltColumn(quantity=spec) if isinstance(spec, str) else spec
            unit, to = spec.unit or self.unit, spec.to or self.to
            for name in (unit, to):
                if name is not None:
                    canonical(name)
            specs[column.strip()] = MeltColumn(quantity=spec.quantity, unit=unit, to=to, label=spec.label)
        return specs


class TabularOptions(BaseModel):
    """``options`` of a ``tabular`` feed (see docs/feeds.md)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx", "json", "geojson"] | None = Field(
        None, description="Default: from the file's extension or the response's Content-Type."
    )
    pattern: str = Field("*", description="Drop folder: which files to read (glob).")
    encoding: str = Field("auto", description='"auto" tries UTF-8 (with or without BOM), then GB18030.')
    delimiter: str = Field(",", min_length=1, max_length=1)
    sheet: str | int = Field(0, description="XLSX: sheet name or 0-based index.")
    header_row: int = Field(1, ge=1, description="CSV/XLSX: line number of the header row.")
    records: str | None = Field(None, description="JSON: JSONPath of the records (default: the top-level array).")
    missing: list[str] = Field(default_factory=list, description="More cell values meaning no data.")
    thousands: str | None = Field(",", description='Thousands separator in numbers ("7,100"); "" for none.')
    key: list[str] = Field(min_length=1, description="Columns or JSONPaths whose values form the natural key.")
    fields: dict[str, str | FieldSpec] = Field(default_factory=dict)
    melt: MeltSpec | None = None
    where: list[Condition] = Field(default_factory=list, description="Rows failing one are filtered out.")
    params: dict[str, str] = Field(default_factory=dict, description="HTTP: fixed query parameters.")
    cursor_param: str | None = Field(None, description="HTTP: query parameter sent the start of the window.")
    cursor_format: str = Field("iso", description='"iso" (UTC, Z) or a strftime pattern (feed time zone).')
    page_param: str | None = Field(None, description="HTTP: page-number parameter (1, 2, …).")
    page_size_param: str | None = Field(None, description="HTTP: page-size parameter (sent page_size).")

    @model_validator(mode="after")
    def _records_compile(self) -> TabularOptions:
        if self.records is not None:
            source_of(self.records if self.records.startswith("$") else f"$.{self.records}")
        return self

    def field_specs(self) -> dict[str, FieldSpec]:
        specs = {}
        for name, spec in self.fields.items():
            if isinstance(spec, str):
                source = source_of(spec)
                spec = FieldSpec(column=source.column, path=source.path)
            specs[name] = spec
        return specs

    def key_sources(self) -> list[Source]:
        return [source_of(k) for k in self.key]

    def sentinels(self) -> frozenset[str]:
        return EMPTY_MARKERS | {m.strip() for m in self.missing}


class Mapping:
    """A validated mapping for one domain, ready to turn rows into records."""

    def __init__(self, options: TabularOptions, domain: str) -> None:
        self.options, self.domain = options, domain
        self.fields = options.field_specs()
        self.keys = options.key_sources()
        self.melt = options.melt.column_specs() if options.melt else None
        self.sentinels = options.sentinels()
        separator = options.thousands
        self._thousands = re.compile(_THOUSANDS % re.escape(separator)) if separator else None
        self._check()
        model_fields = RECORD_MODELS[domain].model_fields
        #: Per field, its value table with case and spacing folded ("In Progress" finds "in progress").
        self._folded_values = {
            name: {_fold(k): v for k, v in spec.values.items()} for name, spec in self.fields.items() if spec.values
        }
        #: Mapped fields with a default (counts): an empty cell or an absent column means the default.
        self._defaulted = [
            n for n in self.fields if not model_fields[n].is_required() and model_fields[n].default is not None
        ]

    def _check(self) -> None:
        model_fields = RECORD_MODELS[self.domain].model_fields
        for name, spec in self.fields.items():
            if name in UNMAPPED or name not in model_fields:
                known = ", ".join(f for f in model_fields if f not in UNMAPPED)
                raise ValueError(f"fields.{name}: not a field of {self.domain} records (known: {known})")
            if (
                spec.unit is not None
                and name not in STORED_UNITS
                and not (self.domain == "sensors" and name == "value")
            ):
                raise ValueError(f"fields.{name}: has no stored unit to convert {spec.unit!r} to")
            if spec.unit is not None and name in STORED_UNITS:
                try:
                    factor(spec.unit, STORED_UNITS[name])
                except UnitError as exc:
                    raise ValueError(f"fields.{name}: {exc}") from None
        if self.melt is not None:
            if self.domain != "sensors":
                raise ValueError("melt: only sensor feeds have quantities to melt columns into")
            clash = sorted({"quantity", "value", "unit"} & set(self.fields))
            if clash:
                raise ValueError(f"melt: gives quantity, value and unit; do not map {', '.join(clash)} too")
            for column, spec in self.melt.items():
                if spec.unit is not None and spec.to is not None:
                    try:
                        factor(spec.unit, spec.to)
                    except UnitError as exc:
                        raise ValueError(f"melt.columns.{column}: {exc}") from None

    def read_paths(self) -> set[str]:
        """The source fields the mapping reads (columns, and the dotted paths of its JSONPaths)."""
        sources: list[Source] = [*self.keys, *self.fields.values()]
        read = {path_of(s.path) for s in sources if s.path is not None}
        read |= {p.removeprefix("properties.") for p in read}
        read |= {s.column for s in sources if s.column is not None}
        read |= {c for spec in self.fields.values() for c in spec.source_columns()}
        read |= set(self.melt or ())
        for condition in self.options.where:
            read |= {c for c in (condition.column, condition.lon, condition.lat) if c is not None}
            if condition.path is not None:
                read.add(path_of(condition.path))
        return read

    def kept(self, rows: list[Row], to_wgs84_points) -> list[Row]:
        """The rows every ``where`` condition accepts; ``to_wgs84_points(lons, lats)`` converts the points of
        ``inside`` conditions from the feed's coordinate system."""
        for condition in self.options.where:
            if condition.inside is not None:
                points = [self._point(row, condition) for row in rows]
                lons, lats = to_wgs84_points([p[0] for p in points], [p[1] for p in points])
                rows = [row for row, inside in zip(rows, condition.contains(lons, lats), strict=True) if inside]
            else:
                source = source_of(condition.path or condition.column)
                rows = [row for row in rows if condition.accepts(self._present(source.read(row)))]
        return rows

    def _point(self, row: Row, condition: Condition) -> tuple[float | None, float | None]:
        if condition.lon is None:
            return row.point if row.point is not None else (None, None)
        try:
            return self.number(row.columns.get(condition.lon), condition.lon), self.number(
                row.columns.get(condition.lat), condition.lat
            )
        except FieldError:
            return None, None

    def required_columns(self) -> list[str]:
        """Columns a table must have: the key's, and those of required fields that cannot be derived."""
        model_fields = RECORD_MODELS[self.domain].model_fields
        derivable = {"updated_at"} if self.domain in LIFECYCLE_TIMES else set()
        columns = [k.column for k in self.keys if k.column is not None]
        columns += [
            spec.column
            for name, spec in self.fields.items()
            if spec.column is not None and model_fields[name].is_required() and name not in derivable
        ]
        return list(dict.fromkeys(columns))

    # --- one value --------------------------------------------------------------------------------------

    def _present(self, value: Any) -> Any:
        """``value``, or None when it is missing or a sentinel (NUL characters removed from strings)."""
        if value is None:
            return None
        if isinstance(value, float) and value != value:  # NaN from a spreadsheet
            return None
        if isinstance(value, str):
            value = value.replace("\x00", "").strip()
            return None if value in self.sentinels else value
        if isinstance(value, int | float) and not isinstance(value, bool):
            as_text = str(value) if isinstance(value, int) or not value.is_integer() else str(int(value))
            return None if as_text in self.sentinels else value
        return value

    def number(self, value: Any, field: str) -> float | None:
        value = self._present(value)
        if value is None:
            return None
        if isinstance(value, bool):
            raise FieldError(field, f"expected a number, got {value!r}")
        if isinstance(value, int | float):
            try:
                return float(value)
            except OverflowError:
                raise FieldError(field, "number out of range") from None
        raw = str(value)
        if self._thousands is not None and self._thousands.fullmatch(raw):
            raw = raw.replace(self.options.thousands, "")
        try:
            return float(raw)
        except ValueError:
            raise FieldError(field, f"expected a number, got {value!r}") from None

    def _time(self, value: Any, spec: FieldSpec, field: str, tz: tzinfo) -> datetime | None:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=tz)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=tz)
        fmt = spec.format or "iso"
        try:
            if fmt == "excel":
                return (EXCEL_EPOCH + timedelta(days=self.number(value, field))).replace(tzinfo=tz)
            if fmt in ("epoch", "epoch_ms"):
                seconds = self.number(value, field) / (1000 if fmt == "epoch_ms" else 1)
                return datetime.fromtimestamp(seconds, tz)
            if fmt == "iso":
                return parse_instant(str(value), tz)
            return parse_local(str(value), tuple([fmt] if isinstance(fmt, str) else fmt), tz)
        except (ValueError, OverflowError) as exc:
            raise FieldError(field, f"{spec.label}: {exc}") from None

    def _source_value(self, name: str, spec: FieldSpec, row: Row) -> Any:
        """What the spec reads from ``row``: one cell, or several combined (None when one of them is missing)."""
        if spec.template is not None:
            cells = {c: self._present(row.columns.get(c)) for c in spec.source_columns()}
            try:
                return render(spec.template, cells)
            except ValueError as exc:
                raise FieldError(name, f"template {spec.template!r}: {exc}") from None
        if spec.columns is not None:
            cells = [self._present(row.columns.get(c.strip())) for c in spec.columns]
            return None if any(c is None for c in cells) else spec.separator.join(str(c) for c in cells)
        if spec.expression is not None:
            try:
                return spec.expression.evaluate({c: self.number(row.columns.get(c), c) for c in spec.source_columns()})
            except ZeroDivisionError:
                raise FieldError(name, f"{spec.expr}: division by zero") from None
        return spec.read(row)

    def read(self, name: str, spec: FieldSpec, row: Row, tz: tzinfo) -> Any:
        """The value of field ``name`` in ``row``, converted to what the record model expects."""
        value = self._present(self._source_value(name, spec, row))
        if value is None:
            return None
        if spec.match is not None and not re.fullmatch(spec.match, str(value)):
            return None
        if spec.values:
            value = spec.values.get(str(value), self._folded_values[name].get(_fold(str(value)), value))
        kind = field_kind(self.domain, name)
        if kind == "time":
            return self._time(value, spec, name, tz)
        if kind in ("number", "integer"):
            number = self.number(value, name)
            if spec.unit is not None:
                number *= factor(spec.unit, spec.to or STORED_UNITS.get(name, spec.unit))
            if kind == "integer":
                if not number.is_integer():
                    raise FieldError(name, f"expected an integer, got {value!r}")
                return int(number)
            return number
        if kind == "bool":
            lowered = str(value).strip().lower()
            if isinstance(value, bool) or lowered in ("true", "false", "1", "0", "yes", "no"):
                return value if isinstance(value, bool) else lowered in ("true", "1", "yes")
            raise FieldError(name, f"expected true or false, got {value!r}")
        return text(value)

    # --- one row ----------------------------------------------------------------------------------------

    def ref(self, row: Row) -> str | None:
        """The row's natural key (None when a part is missing)."""
        parts = [text(self._present(source.read(row))) for source in self.keys]
        return None if any(p is None for p in parts) else ":".join(parts)

    def records(self, row: Row, tz: tzinfo) -> list[SourceRecord]:
        """The records of one row; raises :class:`FieldError` naming the field it cannot read."""
        ref = self.ref(row)
        if ref is None:
            missing = [s.label for s in self.keys if text(self._present(s.read(row))) is None]
            raise FieldError("source_id", f"key {', '.join(missing)} is missing")
        data = {name: self.read(name, spec, row, tz) for name, spec in self.fields.items()}
        for name in self._defaulted:
            if data[name] is None:
                del data[name]
        if self.domain == "sensors" and "value" in self.fields and self.fields["value"].unit is not None:
            data["unit"] = data.get("unit") or canonical(self.fields["value"].to or self.fields["value"].unit)
        if self.domain == "complaints" and "lon" not in self.fields and row.point is not None:
            data["lon"], data["lat"] = row.point
        self._complete(data)
        if self.melt is None:
            return [SourceRecord(ref, data, row.raw)]
        records = []
        for column, spec in self.melt.items():
            value = self.number(row.columns.get(column), column)
            if value is not None and spec.unit is not None and spec.to is not None:
                value *= factor(spec.unit, spec.to)
            unit = spec.to or spec.unit
            reading = {**data, "quantity": spec.quantity, "value": value, "unit": canonical(unit) if unit else None}
            if spec.label is not None:
                reading["label"] = text(self._present(row.columns.get(spec.label)))
            records.append(SourceRecord(f"{ref}:{spec.quantity}", reading, row.raw))
        return records

    def _complete(self, data: dict) -> None:
        """Derive what the mapping leaves out: ``updated_at`` from the lifecycle times, complaint events."""
        times = LIFECYCLE_TIMES.get(self.domain)
        if times and data.get("updated_at") is None:
            known = [data[t] for t in times if data.get(t) is not None]
            data["updated_at"] = max(known) if known else None
        if self.domain == "complaints":
            data["events"] = [
                {
                    "status": status,
                    "occurred_at": data[time],
                    "department_code": data.get("department_code") if status == "closed" else None,
                    "note": None,
                }
                for status, time in DERIVED_EVENTS
                if data.get(time) is not None
            ]


def _fold(value: str) -> str:
    """A value-table key with case and spacing folded."""
    return " ".join(value.split()).casefold()


class Row:
    """One record of a table or document: its columns, the object JSONPaths run on, its point, its payload."""

    __slots__ = ("columns", "document", "point", "raw")

    def __init__(self, columns: dict[str, Any], document: Any, raw: Any, point: tuple | None = None) -> None:
        self.columns, self.document, self.raw, self.point = columns, document, raw, point
