"""Record models of the four domains: every record a feed returns is validated against one of these.

A record that fails validation goes to quarantine with the field and the reason; nothing is dropped.
Collectors validate whole batches with :func:`row_validator`, which applies a model's rules (fields,
constraints, configuration and record-level checks) but yields plain dicts: building a model instance
per record would cost several times the validation itself.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from typing_extensions import TypedDict

LIFECYCLE = ("received", "dispatched", "accepted", "returned", "extended", "closed", "revisited", "reopened")
Lifecycle = Literal["received", "dispatched", "accepted", "returned", "extended", "closed", "revisited", "reopened"]
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]

#: Timestamps before this are impossible for a live city feed.
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)


#: A timezone-aware timestamp no earlier than :data:`EARLIEST_PLAUSIBLE` (checked by pydantic-core itself: a
#: Python validator here would cost more than the rest of a traffic record's validation).
Timestamp = Annotated[AwareDatetime, Field(ge=EARLIEST_PLAUSIBLE)]


def _complaint_checks(values: Mapping[str, Any]) -> Mapping[str, Any]:
    closed_at, requested_at = values.get("closed_at"), values.get("requested_at")
    if closed_at is not None and closed_at < requested_at:
        raise ValueError("closed_at is before requested_at")
    if (values.get("lon") is None) != (values.get("lat") is None):
        raise ValueError("lon and lat must be given together")
    return values


def _hall_ticket_checks(values: Mapping[str, Any]) -> Mapping[str, Any]:
    called_at, finished_at = values.get("called_at"), values.get("finished_at")
    if called_at is not None and called_at < values.get("issued_at"):
        raise ValueError("called_at is before issued_at")
    if finished_at is not None and called_at is not None and finished_at < called_at:
        raise ValueError("finished_at is before called_at")
    return values


class _Record(BaseModel):
    """Common to all records: the id in the source; NaN and infinities are refused. Strings are no longer than
    the columns that store them (PostgreSQL refuses longer ones, and with them the whole batch)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    source_id: str = Field(min_length=1, max_length=160)


class ComplaintEventRecord(BaseModel):
    """One lifecycle step of a complaint."""

    model_config = ConfigDict(extra="forbid")

    status: Lifecycle
    occurred_at: Timestamp
    department_code: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=4000)


class ComplaintRecord(_Record):
    """A complaint ticket in its latest state, with the lifecycle steps the source reported."""

    source_id: str = Field(min_length=1, max_length=128)
    category: str | None = Field(None, max_length=64)
    category_name: str | None = Field(None, max_length=200)
    channel: str | None = Field(None, max_length=32)
    status: Lifecycle
    description: str | None = Field(None, max_length=20_000)
    address: str | None = Field(None, max_length=1000)
    department_code: str | None = Field(None, max_length=64)
    district_code: str | None = Field(None, max_length=64)
    subdistrict_code: str | None = Field(None, max_length=64)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    requested_at: Timestamp
    assigned_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    due_at: Timestamp | None = None
    revisited_at: Timestamp | None = None
    updated_at: Timestamp
    satisfaction: Satisfaction | None = None
    returned_count: int = Field(0, ge=0)
    extended_count: int = Field(0, ge=0)
    reopened_count: int = Field(0, ge=0)  # 重办: times reopened after closure
    events: list[ComplaintEventRecord] = Field(default_factory=list)
    details: str | None = Field(None, max_length=100_000)  # JSON of source fields no column holds

    @model_validator(mode="after")
    def _ordered(self) -> ComplaintRecord:
        _complaint_checks(self.__dict__)
        return self


class TrafficRecord(_Record):
    """Traffic flow on a segment over one interval."""

    segment_code: str = Field(min_length=1, max_length=64)
    observed_at: Timestamp
    period_s: int | None = Field(None, gt=0, le=86_400)
    speed_kmh: float | None = Field(None, ge=0, le=250)
    free_flow_kmh: float | None = Field(None, gt=0, le=250)
    volume: float | None = Field(None, ge=0)
    occupancy: float | None = Field(None, ge=0, le=1)
    congested: bool | None = None


class SensorRecord(_Record):
    """One measured value of one quantity at a station."""

    station_code: str = Field(min_length=1, max_length=64)
    quantity: str = Field(min_length=1, max_length=32)
    observed_at: Timestamp
    value: float | None
    unit: str | None = Field(None, max_length=16)
    quality: str | None = Field(None, max_length=32)
    label: str | None = Field(None, max_length=64)  # text published with a figure (CNEMC: primary pollutant)


class HallTicketRecord(_Record):
    """A service-hall queue ticket in its latest state."""

    source_id: str = Field(min_length=1, max_length=128)
    hall_code: str = Field(min_length=1, max_length=64)
    service_item: str | None = Field(None, max_length=64)
    channel: Literal["online", "offline"] | None = None
    status: str | None = Field(None, max_length=16)
    window: str | None = Field(None, max_length=16)
    issued_at: Timestamp
    called_at: Timestamp | None = None
    served_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    visits: int | None = Field(None, ge=1, le=100)
    rating: int | None = Field(None, ge=1, le=5)
    updated_at: Timestamp

    @model_validator(mode="after")
    def _ordered(self) -> HallTicketRecord:
        _hall_ticket_checks(self.__dict__)
        return self


RECORD_MODELS: dict[str, type[_Record]] = {
    "complaints": ComplaintRecord,
    "traffic": TrafficRecord,
    "sensors": SensorRecord,
    "halls": HallTicketRecord,
}

#: Record-level checks of a model (its ``model_validator``), applied to rows as well.
RECORD_CHECKS: dict[type[BaseModel], Callable[[Mapping[str, Any]], Mapping[str, Any]]] = {
    ComplaintRecord: _complaint_checks,
    HallTicketRecord: _hall_ticket_checks,
}

_ROW_CONFIG = ("extra", "str_strip_whitespace", "allow_inf_nan")


def _row_annotation(annotation: Any) -> Any:
    """``annotation`` with every record model in it replaced by its row type."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _row_type(annotation)
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is list and args:
        return list[_row_annotation(args[0])]
    return annotation


def _completer(model: type[BaseModel]) -> Callable[[dict], dict]:
    """Fills in the defaults of ``model`` and applies its record-level checks."""
    fields = model.model_fields.items()
    defaults = {n: i.default for n, i in fields if not i.is_required() and i.default_factory is None}
    factories = {n: i.default_factory for n, i in fields if i.default_factory is not None}
    check = RECORD_CHECKS.get(model)

    def complete(row: dict) -> dict:
        row = {**defaults, **row}
        for name, factory in factories.items():
            if name not in row:
                row[name] = factory()
        return check(row) if check else row

    def fill(row: dict) -> dict:
        return {**defaults, **row}

    return fill if not factories and check is None else complete


@cache
def _row_type(model: type[BaseModel]) -> Any:
    """A TypedDict with the fields, constraints and configuration of ``model``, completed and checked like it."""
    fields = {}
    for name, info in model.model_fields.items():
        annotation = _row_annotation(info.annotation)
        if info.metadata:
            annotation = Annotated[annotation, *info.metadata]
        fields[name] = annotation if info.is_required() else NotRequired[annotation]
    row = TypedDict(f"{model.__name__}Row", fields)  # type: ignore[operator]
    row.__pydantic_config__ = ConfigDict(**{k: model.model_config[k] for k in _ROW_CONFIG if k in model.model_config})
    return Annotated[row, AfterValidator(_completer(model))]


class RowValidator:
    """Validates records against a model's rules into plain dicts with every field present."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self._one = TypeAdapter(_row_type(model))
        self._many = TypeAdapter(list[_row_type(model)])

    def many(self, items: list[dict]) -> list[dict]:
        """Every item validated (raises ``ValidationError``; each error's ``loc`` starts with the item's index)."""
        return self._many.validate_python(items)

    def one(self, item: dict) -> dict:
        """One item validated (raises ``ValidationError``)."""
        return self._one.validate_python(item)


@cache
def row_validator(domain: str) -> RowValidator:
    """The row validator of ``domain``'s record model."""
    return RowValidator(RECORD_MODELS[domain])
