"""The data model of DESIGN §4: reference data, domain facts, feed operations and alerts.

Every domain fact has a natural key ``(source, source_id)`` enforced by a unique constraint, so re-pulling
the same window of a feed changes nothing. Times are UTC (see :class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dashboard.db.types import BigIntPK, Geometry, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with named constraints (needed by Alembic batch mode on SQLite)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- reference -------------------------------------------------------------------------------------------


class District(Base):
    """An administrative area: a district, or a sub-district (街道) whose parent is a district."""

    __tablename__ = "district"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)  # "district" | "street"
    parent_code: Mapped[str | None] = mapped_column(String(64), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[object] = mapped_column(Geometry)


class RoadSegment(Base):
    """A road segment with its class and free-flow speed."""

    __tablename__ = "road_segment"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    road_class: Mapped[str] = mapped_column(String(16))  # expressway | arterial | secondary
    lanes: Mapped[int | None] = mapped_column(Integer)
    length_m: Mapped[float] = mapped_column(Float)
    free_flow_kmh: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    geometry: Mapped[object] = mapped_column(Geometry)


class Station(Base):
    """A sensor site: air-quality, noise or water-quality station."""

    __tablename__ = "station"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)  # air | noise | water
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    noise_class: Mapped[str | None] = mapped_column(String(4))  # GB 3096-2008 acoustic class: 0 1 2 3 4a 4b


class ServiceHall(Base):
    """A government service hall (政务服务大厅)."""

    __tablename__ = "service_hall"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    windows: Mapped[int | None] = mapped_column(Integer)


class Department(Base):
    """A department that handles complaints (承办单位)."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class ServiceType(Base):
    """A complaint category (诉求类型) with its handling department and deadline."""

    __tablename__ = "service_type"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str | None] = mapped_column(String(64))
    deadline_days: Mapped[float | None] = mapped_column(Float)
    parent_code: Mapped[str | None] = mapped_column(String(64))  # the category it belongs to, if any


class ServiceItem(Base):
    """A service item (办事事项) of the halls; hall tickets name it by its code or its Chinese name."""

    __tablename__ = "service_item"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))


class ReferenceAlias(Base):
    """Another name a feed gives a reference entity (a department, district, category or station), mapped to its
    code; maintained by configuration: the city manifest's aliases (its ``[aliases]`` file and the ``aliases``
    column of its departments and categories, see docs/city.md), or ``aliases.csv`` in the city's data folder."""

    __tablename__ = "reference_alias"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # department district category station
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))


# --- domain facts ----------------------------------------------------------------------------------------


class Complaint(Base):
    """A citizen complaint ticket (12345 / 311) in its latest known state."""

    __tablename__ = "complaint"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_complaint_requested_at", "requested_at"),
        Index("ix_complaint_updated_at", "updated_at"),
        Index("ix_complaint_district_code_requested_at", "district_code", "requested_at"),
        Index("ix_complaint_due_at", "due_at"),
        # Closure ranges, and the open tickets (closed_at IS NULL) with their deadlines from the index alone:
        # the backlog and overdue counts never read the history.
        Index("ix_complaint_closed_at_due_at", "closed_at", "due_at"),
        Index("ix_complaint_revisited_at", "revisited_at"),
        # The categories the complaints name, one index entry each (dashboard.queries.reference.categories).
        Index("ix_complaint_category_category_name", "category", "category_name"),
        # The map's H3 cells of any time range and filter, counted from the index alone (no row lookups).
        Index("ix_complaint_h3_requested_at", "h3", "requested_at", "district_code", "category", "status",
              "department_code", "location_flag"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(64))
    category_name: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # received dispatched accepted returned extended closed revisited
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    department_code: Mapped[str | None] = mapped_column(String(64))
    district_code: Mapped[str | None] = mapped_column(String(64))
    subdistrict_code: Mapped[str | None] = mapped_column(String(64))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    h3: Mapped[str | None] = mapped_column(String(16))
    location_flag: Mapped[str | None] = mapped_column(String(32))  # e.g. outside_city, null_island, swapped
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    satisfaction: Mapped[str | None] = mapped_column(String(32))  # satisfied basically_satisfied unsatisfied
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    extended_count: Mapped[int] = mapped_column(Integer, default=0)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)  # 重办: reopened after closure
    details: Mapped[str | None] = mapped_column(Text)  # JSON: source fields no column holds (media, references…)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ComplaintEvent(Base):
    """One step of a complaint's lifecycle (受理→派单→签收→(退回/延期)→办结→回访)."""

    __tablename__ = "complaint_event"
    __table_args__ = (
        UniqueConstraint("source", "ticket_id", "status", "occurred_at"),
        Index("ix_complaint_event_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class TrafficObservation(Base):
    """Traffic flow on a road segment over one observation interval (ending at ``observed_at``)."""

    __tablename__ = "traffic_observation"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_traffic_observation_observed_at", "observed_at"),
        Index("ix_traffic_observation_segment_code_observed_at", "segment_code", "observed_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(160))
    segment_code: Mapped[str] = mapped_column(String(64))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    period_s: Mapped[int | None] = mapped_column(Integer)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    free_flow_kmh: Mapped[float | None] = mapped_column(Float)
    volume: Mapped[float | None] = mapped_column(Float)
    occupancy: Mapped[float | None] = mapped_column(Float)
    congested: Mapped[bool | None] = mapped_column(Boolean)


class SensorReading(Base):
    """One value of one quantity measured at a station."""

    __tablename__ = "sensor_reading"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_sensor_reading_observed_at", "observed_at"),
        Index("ix_sensor_reading_station_code_quantity_observed_at", "station_code", "quantity", "observed_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(160))
    station_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[str] = mapped_column(String(32))  # pm25 pm10 no2 so2 o3 co laeq ph do turbidity …
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    quality: Mapped[str | None] = mapped_column(String(32))


class HallTicket(Base):
    """A queue ticket in a government service hall."""

    __tablename__ = "hall_ticket"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_hall_ticket_issued_at", "issued_at"),
        Index("ix_hall_ticket_hall_code_issued_at", "hall_code", "issued_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128))
    hall_code: Mapped[str] = mapped_column(String(64))
    service_item: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))  # online | offline
    status: Mapped[str | None] = mapped_column(String(16))
    window: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visits: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- derived: rollups, maintained at ingest in the same transaction as the facts (dashboard.db.rollups) ----
#
# Each measure is counted in the hour of its own event time (received: requested_at; closed: closed_at;
# due: due_at; rated: revisited_at), so any period's KPI is a sum of whole hours. Unknown dimensions are ''.
# The daily level sums the hourly one per local day of the city (``day`` is the UTC start of that day); the
# KPI reads take the whole days of a period from it and the hours at its edges from the hourly level.
# Every rollup table is clustered on its key in SQLite (WITHOUT ROWID): a range of hours or days is read
# sequentially, not row by row through an index.

CLUSTERED = {"sqlite_with_rowid": False}


class ComplaintMeasures:
    """Complaint measures (sums) of an hour or a day."""

    received: Mapped[int] = mapped_column(Integer, default=0)
    received_closed: Mapped[int] = mapped_column(Integer, default=0)  # of those received, closed by now
    returned: Mapped[int] = mapped_column(Integer, default=0)  # returns (退回) of the tickets received
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    handling_seconds: Mapped[float] = mapped_column(Float, default=0)  # sum over the tickets closed
    due: Mapped[int] = mapped_column(Integer, default=0)
    due_met: Mapped[int] = mapped_column(Integer, default=0)  # due and closed by the deadline
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)  # satisfied or basically satisfied
    reopened: Mapped[int] = mapped_column(Integer, default=0)  # of the tickets closed, those reopened (重办)
    # The overdue tickets as a running count: a ticket with a deadline counts in the hour it is both requested and
    # past due (overdue_from) and, once closed, in the hour it is both closed and past due (overdue_to).
    overdue_from: Mapped[int] = mapped_column(Integer, default=0)
    overdue_to: Mapped[int] = mapped_column(Integer, default=0)


class ComplaintHourly(ComplaintMeasures, Base):
    """Complaint measures per UTC hour × district × category × the department the ticket names ('' when none:
    its handling department is then its category's, resolved when read)."""

    __tablename__ = "complaint_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    district_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintDaily(ComplaintMeasures, Base):
    """Complaint measures per local day × category (city totals)."""

    __tablename__ = "complaint_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintMonthly(ComplaintMeasures, Base):
    """Complaint measures per local month (``month`` is its UTC start) × category (city totals)."""

    __tablename__ = "complaint_monthly"
    __table_args__ = CLUSTERED

    month: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintBlock(ComplaintMeasures, Base):
    """Complaint measures per four-hour UTC block (``block`` is its start: 00, 04, ... 20 UTC) × category (city
    totals): a period's hours at its edges that fill whole blocks are read from here, not hour by hour."""

    __tablename__ = "complaint_block"
    __table_args__ = CLUSTERED

    block: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintCityHourly(ComplaintMeasures, Base):
    """Complaint measures per UTC hour, summed over its districts, categories and departments (city totals): the
    city-wide reads of a period's hours at its edges, and the backlog's running counts of today's hours, read one
    row an hour instead of one per district, category and department."""

    __tablename__ = "complaint_city_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class ComplaintDepartmentDaily(ComplaintMeasures, Base):
    """Complaint measures per local day × department named × category (the department ranking)."""

    __tablename__ = "complaint_department_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintAreaDaily(ComplaintMeasures, Base):
    """Complaint measures per local day × district (the map's district choropleth over long periods)."""

    __tablename__ = "complaint_area_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    district_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrafficMeasures:
    """Traffic measures (sums, so harmonic means can be derived) of an hour or a day."""

    observations: Mapped[int] = mapped_column(Integer, default=0)
    speed_sum: Mapped[float] = mapped_column(Float, default=0)
    inverse_speed_sum: Mapped[float] = mapped_column(Float, default=0)  # Σ 1/speed over speed > 0
    speeds: Mapped[int] = mapped_column(Integer, default=0)  # observations with speed > 0
    volume_sum: Mapped[float] = mapped_column(Float, default=0)
    occupancy_sum: Mapped[float] = mapped_column(Float, default=0)
    congested: Mapped[int] = mapped_column(Integer, default=0)


class TrafficHourly(TrafficMeasures, Base):
    """Traffic measures per UTC hour × road segment."""

    __tablename__ = "traffic_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    segment_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrafficDaily(TrafficMeasures, Base):
    """Traffic measures per local day × road segment."""

    __tablename__ = "traffic_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    segment_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrafficMonthly(TrafficMeasures, Base):
    """Traffic measures per local month (``month`` is its UTC start) × road segment."""

    __tablename__ = "traffic_monthly"
    __table_args__ = CLUSTERED

    month: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    segment_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrafficDekad(TrafficMeasures, Base):
    """Traffic measures per local dekad (days 1–10, 11–20 and 21 to the end of a local month; ``dekad`` is the
    UTC start of its first day) × road segment: the days of a month so far are read a dekad at a time."""

    __tablename__ = "traffic_dekad"
    __table_args__ = CLUSTERED

    dekad: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    segment_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrafficBlock(TrafficMeasures, Base):
    """Traffic measures per four-hour UTC block (``block`` is its start) × road segment."""

    __tablename__ = "traffic_block"
    __table_args__ = CLUSTERED

    block: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    segment_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class SensorHourly(Base):
    """Sensor measures per UTC hour × station × quantity."""

    __tablename__ = "sensor_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    station_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[str] = mapped_column(String(32), primary_key=True)
    readings: Mapped[int] = mapped_column(Integer, default=0)
    value_sum: Mapped[float] = mapped_column(Float, default=0)
    value_min: Mapped[float | None] = mapped_column(Float)
    value_max: Mapped[float | None] = mapped_column(Float)


class EnvironmentMeasures:
    """The city's environment over an hour or a day: hourly city AQI sums and noise station-hours."""

    aqi_hours: Mapped[int] = mapped_column(Integer, default=0)  # hours with a city AQI
    aqi_sum: Mapped[float] = mapped_column(Float, default=0)  # Σ hourly city AQI
    aqi_over_100_hours: Mapped[int] = mapped_column(Integer, default=0)
    noise_day_hours: Mapped[int] = mapped_column(Integer, default=0)  # noise station-hours 06–22 local
    noise_day_within: Mapped[int] = mapped_column(Integer, default=0)  # of them, within the class's day limit
    noise_night_hours: Mapped[int] = mapped_column(Integer, default=0)  # 22–06 local
    noise_night_within: Mapped[int] = mapped_column(Integer, default=0)


class EnvironmentHourly(EnvironmentMeasures, Base):
    """The city's environment per UTC hour (from sensor_hourly and the stations' acoustic classes)."""

    __tablename__ = "environment_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class EnvironmentDaily(EnvironmentMeasures, Base):
    """The city's environment per local day."""

    __tablename__ = "environment_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class HallMeasures:
    """Service-hall measures of the tickets issued in an hour or a day."""

    issued: Mapped[int] = mapped_column(Integer, default=0)
    called: Mapped[int] = mapped_column(Integer, default=0)
    wait_seconds: Mapped[float] = mapped_column(Float, default=0)  # Σ (called − issued)
    waited_over_30min: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    handling_seconds: Mapped[float] = mapped_column(Float, default=0)  # Σ (finished − called)
    online: Mapped[int] = mapped_column(Integer, default=0)
    with_visits: Mapped[int] = mapped_column(Integer, default=0)
    single_visit: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rated_good: Mapped[int] = mapped_column(Integer, default=0)  # rating 4 or 5


class HallHourly(HallMeasures, Base):
    """Service-hall measures per UTC hour of issue × hall × service item."""

    __tablename__ = "hall_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    hall_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_item: Mapped[str] = mapped_column(String(64), primary_key=True)


class HallDaily(HallMeasures, Base):
    """Service-hall measures per local day of issue × hall."""

    __tablename__ = "hall_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    hall_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class HallMonthly(HallMeasures, Base):
    """Service-hall measures per local month of issue (``month`` is its UTC start) × hall."""

    __tablename__ = "hall_monthly"
    __table_args__ = CLUSTERED

    month: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    hall_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class HallCityHourly(HallMeasures, Base):
    """Service-hall measures per UTC hour of issue, summed over its halls and service items (city totals): the
    city-wide reads of a period's hours at its edges, one row an hour."""

    __tablename__ = "hall_city_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class HallBlock(HallMeasures, Base):
    """Service-hall measures per four-hour UTC block of issue (``block`` is its start) × hall."""

    __tablename__ = "hall_block"
    __table_args__ = CLUSTERED

    block: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    hall_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class DurationBuckets:
    """A histogram bucket of durations (see ``dashboard.kpis.durations``): how many tickets, the least and the most."""

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # complaint_handling | hall_wait
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    min_seconds: Mapped[float] = mapped_column(Float)
    max_seconds: Mapped[float] = mapped_column(Float)


class DurationHourly(DurationBuckets, Base):
    """Duration histograms per UTC hour: handling times by hour of closure, hall waits by hour of issue."""

    __tablename__ = "duration_hourly"
    __table_args__ = CLUSTERED

    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class DurationDaily(DurationBuckets, Base):
    """Duration histograms per local day."""

    __tablename__ = "duration_daily"
    __table_args__ = CLUSTERED

    day: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class DurationMonthly(DurationBuckets, Base):
    """Duration histograms per local month (``month`` is its UTC start): a long period's whole months are a few
    hundred rows instead of thirty times as many days."""

    __tablename__ = "duration_monthly"
    __table_args__ = CLUSTERED

    month: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class DurationDekad(DurationBuckets, Base):
    """Duration histograms per local dekad (``dekad`` is the UTC start of its first day, see :class:`TrafficDekad`)."""

    __tablename__ = "duration_dekad"
    __table_args__ = CLUSTERED

    dekad: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class DurationBlock(DurationBuckets, Base):
    """Duration histograms per four-hour UTC block (``block`` is its start)."""

    __tablename__ = "duration_block"
    __table_args__ = CLUSTERED

    block: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


# --- feed operations -------------------------------------------------------------------------------------


class Feed(Base):
    """Mirror of one configured feed (the configuration file stays the source of truth)."""

    __tablename__ = "feed"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    domain: Mapped[str] = mapped_column(String(32))
    protocol: Mapped[str] = mapped_column(String(32))
    interval_s: Mapped[int] = mapped_column(Integer)
    max_data_age_s: Mapped[int | None] = mapped_column(Integer)  # older data means the upstream went quiet
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedRun(Base):
    """One run of a feed's collector and what it did."""

    __tablename__ = "feed_run"
    __table_args__ = (Index("ix_feed_run_feed_started_at", "feed", "started_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    feed: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # ok | failed | auth_failed
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    max_source_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="fetch", server_default="fetch")  # fetch | replay
    filtered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # left out by a where condition
    released: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # quarantine rows a replay cleared
    unread_json: Mapped[str | None] = mapped_column(Text)  # JSON: source field -> values no mapping read
    note: Mapped[str | None] = mapped_column(Text)  # e.g. a file dropped again, already processed


class FeedState(Base):
    """Where a feed stands after its newest run: that run's outcome and counts, its last success, its newest
    source time and the failed runs since the last success. Written with each ``feed_run`` row (in the same
    transaction) so that reading the feeds' health never scans their run history."""

    __tablename__ = "feed_state"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the newest run's end (its start if unfinished)
    last_status: Mapped[str] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_source_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class FeedCursor(Base):
    """How far a feed (or one partition of it: a hall, a datastream, a file) has been read."""

    __tablename__ = "feed_cursor"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    partition: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))
    format_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Quarantine(Base):
    """A record that arrived but could not be stored, with the reason — nothing is dropped silently."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_feed_received_at", "feed", "received_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    feed: Mapped[str] = mapped_column(String(64))
    feed_run_id: Mapped[int | None] = mapped_column(ForeignKey("feed_run.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    record_ref: Mapped[str | None] = mapped_column(String(256))
    field: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)


class Alert(Base):
    """An alert opened by a rule on a subject, closed with hysteresis, acknowledged by an operator."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_rule_subject_closed_at", "rule", "subject", "closed_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))  # info | warning | critical
    subject: Mapped[str] = mapped_column(String(128))
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))


# --- access control (see dashboard.auth) ------------------------------------------------------------------


class AppUser(Base):
    """A person who signs in: leader, analyst or admin; the password is stored as a salted scrypt hash."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # leader | analyst | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Sessions signed in under an older version are refused (sign-out, password change, deactivation bump it).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AccessToken(Base):
    """A revocable read-only token (wall kiosks, API clients); only its SHA-256 digest is stored."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # wall | leader | analyst
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KpiTarget(Base):
    """A KPI target (and optionally its RAG thresholds) set by an admin, overriding the registry and the TOML."""

    __tablename__ = "kpi_target"

    kpi: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[float] = mapped_column(Float)
    threshold_green: Mapped[float | None] = mapped_column(Float)
    threshold_red: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class PublishedFigure(Base):
    """A figure a source publishes for something CityOps computes itself (CNEMC: a station-hour's AQI, with its
    primary pollutant as ``label``), stored beside the readings to be compared with ours."""

    __tablename__ = "published_figure"
    __table_args__ = (UniqueConstraint("source", "station_code", "quantity", "observed_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    station_code: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[str] = mapped_column(String(32))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(64))


# --- reports (see dashboard.report) -----------------------------------------------------------------------


class ReportFile(Base):
    """A generated daily or weekly report kept in ``<var_dir>/reports``: one file per period, language and
    format (regenerating the same period replaces it; the bytes are the same when the data is)."""

    __tablename__ = "report_file"
    __table_args__ = (UniqueConstraint("kind", "first_day", "lang", "format"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily | weekly
    first_day: Mapped[str] = mapped_column(String(10))  # local date, YYYY-MM-DD
    last_day: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(8))
    format: Mapped[str] = mapped_column(String(8))  # pdf | html
    path: Mapped[str] = mapped_column(String(255))  # relative to the reports folder
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    incomplete: Mapped[str] = mapped_column(String(128), default="")  # sections, comma-separated
    note: Mapped[str | None] = mapped_column(Text)  # e.g. why a PDF fell back to HTML
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(Text)  # JSON: the title and sentences its deliveries send


class ReportDelivery(Base):
    """One attempt to deliver a report (by e-mail or webhook): every attempt is kept, failures included; a failed
    one says when the next attempt is due (none: it was the last)."""

    __tablename__ = "report_delivery"
    __table_args__ = (Index("ix_report_delivery_attempted_at", "attempted_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report_file.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # smtp | webhook
    target: Mapped[str] = mapped_column(String(255))
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # ok | failed
    error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
