"""Tables of the démarches: appointment agendas and slots, tariff grids per activity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime


class Agenda(SQLModel, table=True):
    """An appointment agenda (the titres desk): opening hours and slot length set by the mairie."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)
    slot_minutes: int = Field(default=20, ge=5)
    # JSON: {"0": [["08:30", "12:00"], ["13:30", "17:00"]], ...}, Monday = 0.
    opening: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    days_ahead: int = Field(default=60, ge=1)
    active: bool = True


class Appointment(SQLModel, table=True):
    """A taken slot. `held` is True while the slot is taken and NULL once cancelled:
    the unique (agenda, start, held) then lets only one live appointment per slot,
    on SQLite and PostgreSQL alike (NULLs are distinct), whichever desk inserts first."""

    __table_args__ = (
        UniqueConstraint("agenda_id", "starts_at", "held", name="uq_appointment_slot"),
        CheckConstraint("held IS NULL OR held", name="ck_appointment_held"),
        Index("ix_appointment_agenda_start", "agenda_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agenda_id: int = Field(foreign_key="agenda.id", nullable=False)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    held: bool | None = Field(default=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    name: str = Field(default="", max_length=160)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cancel_reason: str = Field(default="", max_length=300)


class TariffBracket(SQLModel, table=True):
    """One row of an activity's tariff grid: the price of a unit for a QF bracket."""

    __tablename__ = "tariff_bracket"
    __table_args__ = (
        UniqueConstraint("activity_id", "min_qf", name="uq_tariff_bracket_activity_min"),
        CheckConstraint("price_cents >= 0", name="ck_tariff_bracket_price"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", nullable=False, index=True)
    min_qf: int = Field(ge=0)
    max_qf: int | None = None
    price_cents: int
