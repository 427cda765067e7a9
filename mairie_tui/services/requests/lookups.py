"""Reads shared by filing, the wizard and the pages: a household, its children, who to
write to and who asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from mairie_tui.domain.catalogue import (
    Choice,
)
from mairie_tui.models import (
    Household,
    Person,
    Request,
)
from mairie_tui.services.uow import get_or_404


def children_of(session: Session, household_id: int | None) -> tuple[Choice, ...]:
    if household_id is None:
        return ()
    return tuple(
        Choice(str(person.id), person.first_name)
        for person in session.exec(
            select(Person)
            .where(Person.household_id == household_id, Person.role == "child")
            .order_by(col(Person.position), col(Person.id))
        )
    )


def household_of(session: Session, household_id: int | None) -> Household | None:
    if household_id is None:
        return None
    return get_or_404(session, Household, household_id)


def representative_of(session: Session, household_id: int | None) -> Person | None:
    if household_id is None:
        return None
    return session.exec(
        select(Person).where(Person.household_id == household_id, Person.role == "representative")
    ).first()


def recipient_of(
    session: Session, household_id: int | None, values: Mapping[str, Any]
) -> str | None:
    given = values.get("email")
    if isinstance(given, str) and given:
        return given
    representative = representative_of(session, household_id)
    if representative is not None and representative.email:
        return representative.email
    household = session.get(Household, household_id) if household_id is not None else None
    return household.email if household is not None else None


def requester_name(values: Mapping[str, Any], representative: Person | None) -> str:
    name = " ".join(str(values[k]) for k in ("prenom", "nom") if values.get(k))
    if name:
        return name
    if representative is not None:
        return f"{representative.first_name} {representative.last_name}".strip()
    return ""


def requester_of(request: Request, representative: str | None) -> str:
    try:
        values = json.loads(request.answers)
    except ValueError:
        values = {}
    if isinstance(values, dict):
        name = " ".join(str(values[k]) for k in ("prenom", "nom") if values.get(k))
        if name:
            return name
    return representative or ""
