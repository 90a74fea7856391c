"""Record models of the four domains: every record a feed returns is validated against one of these.

A record that fails validation goes to quarantine with the field and the reason; nothing is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

LIFECYCLE = ("received", "dispatched", "accepted", "returned", "extended", "closed", "revisited")
Lifecycle = Literal["received", "dispatched", "accepted", "returned", "extended", "closed", "revisited"]
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]

#: Timestamps before this are impossible for a live city feed.
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)


def _plausible(value: datetime) -> datetime:
    if value < EARLIEST_PLAUSIBLE:
        raise ValueError(f"timestamp {value.isoformat()} is before {EARLIEST_PLAUSIBLE.year}")
    return value


#: A timezone-aware timestamp no earlier than :data:`EARLIEST_PLAUSIBLE`.
Timestamp = Annotated[AwareDatetime, AfterValidator(_plausible)]


class _Record(BaseModel):
    """Common to all records: the id in the source; NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    source_id: str = Field(min_length=1, max_length=160)


class ComplaintEventRecord(BaseModel):
    """One lifecycle step of a complaint."""

    model_config = ConfigDict(extra="forbid")

    status: Lifecycle
    occurred_at: Timestamp
    department_code: str | None = None
    note: str | None = Field(None, max_length=4000)


class ComplaintRecord(_Record):
    """A complaint ticket in its latest state, with the lifecycle steps the source reported."""

    category: str | None = None
    category_name: str | None = None
    channel: str | None = None
    status: Lifecycle
    description: str | None = Field(None, max_length=20_000)
    address: str | None = Field(None, max_length=1000)
    department_code: str | None = None
    district_code: str | None = None
    subdistrict_code: str | None = None
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
    events: list[ComplaintEventRecord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> ComplaintRecord:
        if self.closed_at is not None and self.closed_at < self.requested_at:
            raise ValueError("closed_at is before requested_at")
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon and lat must be given together")
        return self


class TrafficRecord(_Record):
    """Traffic flow on a segment over one interval."""

    segment_code: str = Field(min_length=1)
    observed_at: Timestamp
    period_s: int | None = Field(None, gt=0, le=86_400)
    speed_kmh: float | None = Field(None, ge=0, le=250)
    free_flow_kmh: float | None = Field(None, gt=0, le=250)
    volume: float | None = Field(None, ge=0)
    occupancy: float | None = Field(None, ge=0, le=1)
    congested: bool | None = None


class SensorRecord(_Record):
    """One measured value of one quantity at a station."""

    station_code: str = Field(min_length=1)
    quantity: str = Field(min_length=1, max_length=32)
    observed_at: Timestamp
    value: float | None
    unit: str | None = None
    quality: str | None = None


class HallTicketRecord(_Record):
    """A service-hall queue ticket in its latest state."""

    hall_code: str = Field(min_length=1)
    service_item: str | None = None
    channel: Literal["online", "offline"] | None = None
    status: str | None = None
    window: str | None = None
    issued_at: Timestamp
    called_at: Timestamp | None = None
    served_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    visits: int | None = Field(None, ge=1, le=100)
    rating: int | None = Field(None, ge=1, le=5)
    updated_at: Timestamp

    @model_validator(mode="after")
    def _ordered(self) -> HallTicketRecord:
        if self.called_at is not None and self.called_at < self.issued_at:
            raise ValueError("called_at is before issued_at")
        if self.finished_at is not None and self.called_at is not None and self.finished_at < self.called_at:
            raise ValueError("finished_at is before called_at")
        return self


RECORD_MODELS: dict[str, type[_Record]] = {
    "complaints": ComplaintRecord,
    "traffic": TrafficRecord,
    "sensors": SensorRecord,
    "halls": HallTicketRecord,
}
