"""Activities, their bookable units, closures, enrolments, bookings, absences."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime

ACTIVITY_KINDS = ("canteen", "periscolaire", "alsh", "creche")
ENROLMENT_STATUSES = ("pending", "active", "ended")
BOOKING_STATUSES = ("booked", "pending", "cancelled")


class Activity(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "kind IN ('canteen', 'periscolaire', 'alsh', 'creche')", name="ck_activity_kind"
        ),
        CheckConstraint(
            "deadline_kind IN ('weekly', 'working_days')", name="ck_activity_deadline_kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    site: str = Field(max_length=120)
    commune_insee: str = Field(max_length=5, index=True)
    holiday_zone: str = Field(default="C", max_length=2)
    # Deadline rule: "weekly" = before <weekday> 23:59 of the week before;
    # "working_days" = at the latest <days> working days before the day.
    deadline_kind: str = Field(default="weekly", max_length=20)
    deadline_weekday: int = Field(default=1, ge=0, le=6)
    deadline_days: int = Field(default=2, ge=0)
    min_age_months: int | None = None
    max_age_months: int | None = None
    active: bool = True


class Unit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("activity_id", "name", name="uq_unit_activity_name"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", nullable=False, index=True)
    name: str = Field(max_length=40)
    # ISO weekdays the unit is open, Monday = 0: "0,1,3,4".
    weekdays: str = Field(default="0,1,3,4", max_length=20)
    capacity: int | None = Field(default=None, ge=0)
    position: int = 0


class Closure(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # None: every activity is closed that day.
    activity_id: int | None = Field(default=None, foreign_key="activity.id", index=True)
    day: date = Field(index=True)
    reason: str = Field(max_length=200)


class Enrolment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'ended')", name="ck_enrolment_status"),
        CheckConstraint("start_date <= end_date", name="ck_enrolment_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", nullable=False, index=True)
    activity_id: int = Field(foreign_key="activity.id", nullable=False, index=True)
    start_date: date
    end_date: date
    status: str = Field(default="active", max_length=10)
    # Optimistic locking: bumped by every validated booking change.
    version: int = Field(default=1, nullable=False)


class Booking(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("enrolment_id", "day", "unit_id", name="uq_booking_enrolment_day_unit"),
        CheckConstraint("status IN ('booked', 'pending', 'cancelled')", name="ck_booking_status"),
        # Covering index for headcounts and capacity counts (unit, day, status → enrolments).
        Index("ix_booking_unit_day", "unit_id", "day", "status", "enrolment_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", nullable=False)
    day: date
    unit_id: int = Field(foreign_key="unit.id", nullable=False)
    status: str = Field(default="booked", max_length=10)
    forced_reason: str | None = Field(default=None, max_length=300)
    request_id: int | None = Field(default=None, foreign_key="request.id")
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Absence(SQLModel, table=True):
    __table_args__ = (CheckConstraint("start_date <= end_date", name="ck_absence_period"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", nullable=False, index=True)
    start_date: date
    end_date: date
    reason: str = Field(max_length=300)
    justified: bool = False
    document_id: int | None = Field(default=None, foreign_key="document.id")
    request_id: int | None = Field(default=None, foreign_key="request.id")
