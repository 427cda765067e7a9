"""Shared fixtures' helpers for the family agenda tests (FAMILLE AGENDA of the demo)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session
from mairie_tui.domain.draft import WeekParity
from mairie_tui.domain.family_draft import FamilyPattern, apply_family_pattern
from mairie_tui.models import AuditEvent, Booking, Enrolment, Household, OutboxEmail, Request
from mairie_tui.services.agenda import FamilyAgenda
from mairie_tui.services.common import Actor

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
SUPERVISOR = Actor(id=2, login="superviseur", name="Dominique Roux", role="supervisor")
STAFF = Actor(id=3, login="cantine", name="Sandrine Vidal", role="staff")
YEAR = (date(2020, 9, 1), date(2021, 7, 6))
MON_TUE_THU_FRI = frozenset({0, 1, 3, 4})
CLAIRE, MARC = "claire.agenda@example.fr", "marc.agenda@example.fr"

# Zone C, 2020–2021, written from docs/reference calendar facts (not from the code):
# school holidays (first day, last day, both closed) and public holidays on a weekday.
CLOSED_RANGES = (
    (date(2020, 10, 17), date(2020, 11, 1)),  # Toussaint
    (date(2020, 11, 11), date(2020, 11, 11)),  # Armistice
    (date(2020, 12, 19), date(2021, 1, 3)),  # Noël
    (date(2021, 2, 13), date(2021, 2, 28)),  # hiver
    (date(2021, 4, 5), date(2021, 4, 5)),  # lundi de Pâques
    (date(2021, 4, 10), date(2021, 4, 25)),  # printemps (décalé, COVID)
    (date(2021, 5, 13), date(2021, 5, 14)),  # Ascension et son pont
    (date(2021, 5, 24), date(2021, 5, 24)),  # lundi de Pentecôte
)


def open_days(first: date, last: date, weekdays: frozenset[int]) -> list[date]:
    """The days of [first, last] on these weekdays, outside the closed ranges above."""
    days = []
    day = first
    while day <= last:
        closed = any(start <= day <= end for start, end in CLOSED_RANGES)
        if day.weekday() in weekdays and not closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def agenda_household(engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(Household.id).where(Household.dossier == "F-000000")).one()


def table_counts(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Booking, Request, AuditEvent, OutboxEmail)
        }


def versions(engine) -> dict[int, int]:
    with read_session(engine) as session:
        return {e.id: e.version for e in session.exec(select(Enrolment))}


def pattern(
    agenda: FamilyAgenda,
    *,
    children: tuple[str, ...] | None = None,
    start: date = YEAR[0],
    end: date = YEAR[1],
    weekdays: frozenset[int] = MON_TUE_THU_FRI,
    add: bool = True,
):
    """Apply Mon/Tue/Thu/Fri (by default) to the rows of these children (all by default)."""
    ids = frozenset(
        row.enrolment_id
        for row in agenda.rows
        if children is None or row.booking.enrolment.child_name in children
    )
    chosen = FamilyPattern(ids, weekdays, None, WeekParity.EVERY, start, end, add=add)
    return apply_family_pattern(
        {row.enrolment_id: row.booking.draft for row in agenda.rows}, chosen
    )
