"""Households (foyers) and their members."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from mairie_tui.models.types import UTCDateTime

PERSON_ROLES = ("representative", "co_representative", "child", "authorised")
# The persons with allergens or a diet (a partial index; the headcounts' query says the same).
PERSON_WITH_DIET = "allergens != '' OR diet IS NOT NULL"


class HouseholdBase(SQLModel):
    dossier: str = Field(max_length=20, unique=True, index=True)
    address: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=5)
    commune_insee: str = Field(max_length=5, index=True)
    commune_name: str = Field(max_length=80)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    quotient_familial: int | None = Field(default=None, ge=0)
    qf_valid_until: date | None = None
    # Source document of the QF (Document.id); no FK: documents point to households.
    qf_document_id: int | None = None
    external_id: str | None = Field(default=None, max_length=64, unique=True)


class Household(HouseholdBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PersonBase(SQLModel):
    role: str = Field(max_length=20)
    civility: str | None = Field(default=None, max_length=10)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    school: str | None = Field(default=None, max_length=120)
    school_class: str | None = Field(default=None, max_length=20)
    position: int = Field(default=0)


class Person(PersonBase, table=True):
    __table_args__ = (
        CheckConstraint(
            "role IN ('representative', 'co_representative', 'child', 'authorised')",
            name="ck_person_role",
        ),
        Index("ix_person_household_role", "household_id", "role"),
        # The few children with allergens or a diet (the headcounts' special diets).
        Index(
            "ix_person_with_diet",
            "id",
            sqlite_where=text(PERSON_WITH_DIET),
            postgresql_where=text(PERSON_WITH_DIET),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", nullable=False, ondelete="CASCADE")
    # A child's allergens (codes of domain/menus.py, « arachide,lait »), diet and PAI
    # (projet d'accueil individualisé: valid until, and where its signed document is).
    allergens: str = Field(default="", max_length=200)
    diet: str | None = Field(default=None, max_length=20)
    pai_until: date | None = None
    pai_document: str | None = Field(default=None, max_length=120)
