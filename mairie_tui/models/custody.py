"""Alternating custody of a child between its two representatives (migration 0014)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime

CUSTODY_MODES = ("odd_even", "custom")


class Custody(SQLModel, table=True):
    """Which representative has the child in a given ISO week.

    `odd_even`: the first representative has the odd ISO weeks, the second the
    even ones. `custom`: the first has the ISO weeks listed in `weeks`
    (« 1,2,5 »), the second every other week. One row per child at most.
    """

    __table_args__ = (
        CheckConstraint("mode IN ('odd_even', 'custom')", name="ck_custody_mode"),
        CheckConstraint(
            "first_representative_id <> second_representative_id", name="ck_custody_two_people"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="person.id", nullable=False, unique=True, ondelete="CASCADE")
    mode: str = Field(max_length=10)
    first_representative_id: int = Field(
        foreign_key="person.id", nullable=False, ondelete="CASCADE"
    )
    second_representative_id: int = Field(
        foreign_key="person.id", nullable=False, ondelete="CASCADE"
    )
    weeks: str = Field(default="", max_length=200)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_by: int | None = Field(default=None, foreign_key="agent.id")
