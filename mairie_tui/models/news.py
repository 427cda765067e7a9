"""News (actualités) published by supervisors for the counter (migration 0013)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime


class News(SQLModel, table=True):
    """A short news shown at the counter from `start_date` to `end_date` (both included).

    The audience is everyone (`all`), one activity (`activity`, its code in
    `audience_value`) or one site (`site`, named as `Activity.site` names it). A
    withdrawn news keeps its row (`withdrawn_at`), like the audit it is part of.
    """

    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="ck_news_period"),
        CheckConstraint("audience IN ('all', 'activity', 'site')", name="ck_news_audience"),
        Index("ix_news_period", "end_date", "start_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    text: str = Field(max_length=280)
    start_date: date
    end_date: date
    audience: str = Field(default="all", max_length=10)
    audience_value: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = Field(default=None, foreign_key="agent.id")
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    withdrawn_by: int | None = Field(default=None, foreign_key="agent.id")
