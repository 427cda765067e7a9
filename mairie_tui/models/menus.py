"""The canteen's menus: one row per kitchen site and day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime


class Menu(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("site", "day", name="uq_menu_site_day"),)

    id: int | None = Field(default=None, primary_key=True)
    # Named as `activity.site` names it (there is no site table).
    site: str = Field(max_length=120)
    day: date = Field(index=True)
    starter: str = Field(default="", max_length=200)
    main_course: str = Field(default="", max_length=200)
    dessert: str = Field(default="", max_length=200)
    # The périscolaire's afternoon snack (goûter).
    snack: str = Field(default="", max_length=200)
    # Codes of domain/menus.py, comma-separated: « arachide,lait », « bio,vegetarien ».
    allergens: str = Field(default="", max_length=200)
    labels: str = Field(default="", max_length=60)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
