"""Pointage (attendance marks), day closings, and the metadata of an offline copy."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime

# Where a mark or a closing was made: at the mairie (the main database), or in
# the offline copy whose id is given ("copie-<hex>").
ORIGIN_MAIRIE = "mairie"


class Attendance(SQLModel, table=True):
    """One tick of the pointage: a child present or absent for a unit on a day."""

    __table_args__ = (
        UniqueConstraint("enrolment_id", "day", "unit_id", name="uq_attendance_enrolment_day_unit"),
        # The headcounts read present / unexpected from the index alone (migration 0015).
        Index("ix_attendance_unit_day_marks", "unit_id", "day", "present", "unexpected"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", nullable=False)
    day: date
    unit_id: int = Field(foreign_key="unit.id", nullable=False)
    present: bool
    # A child who came without a booking (or whose booking was cancelled).
    unexpected: bool = False
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    marked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    origin: str = Field(default=ORIGIN_MAIRIE, max_length=40)


class DayClosing(SQLModel, table=True):
    """A supervisor closed the pointage of a unit for a day: marks are locked."""

    __tablename__ = "day_closing"
    __table_args__ = (UniqueConstraint("unit_id", "day", name="uq_day_closing_unit_day"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", nullable=False)
    day: date
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    closed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    origin: str = Field(default=ORIGIN_MAIRIE, max_length=40)


class OfflineCopy(SQLModel, table=True):
    """In an offline copy, its one row says what it holds; empty in the main database."""

    __tablename__ = "offline_copy"

    id: str = Field(primary_key=True, max_length=40)
    site: str = Field(max_length=120)
    start_date: date
    end_date: date
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: str = Field(default="", max_length=120)
    # Hash of the site's activities and units in the source database: an
    # import into another database is refused.
    source_fingerprint: str = Field(max_length=64)
    read_only_except_pointage: bool = True
    # What the copy may bring back (JSON: its enrolments as [id, child] and its unit ids),
    # sealed with the main database's secret (see services/offline/seal.py); the salted
    # scrypt hash of the access code staff sign in with (no person's password is copied).
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    seal: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    access_code_hash: str = Field(
        default="", max_length=200, sa_column_kwargs={"server_default": ""}
    )


class AppSecret(SQLModel, table=True):
    """A random secret of the main database (never copied into an offline copy)."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
