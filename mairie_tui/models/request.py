"""Démarches (requests), their history, and pièces justificatives."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime


class Request(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    type: str = Field(max_length=40, index=True)
    status: str = Field(max_length=20, index=True)
    # JSON text: the answers of the form, or the recap lines of a reservation.
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    appointment_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RequestEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", nullable=False, index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    status: str = Field(max_length=20)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", nullable=False, index=True)
    request_id: int | None = Field(default=None, foreign_key="request.id")
    kind: str = Field(max_length=60)
    original_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(ge=0)
    media_type: str = Field(max_length=60)
    valid_until: date | None = None
    path: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
