"""What an offline copy holds, read from the main database in one snapshot.

Only what a site's staff need for some days: the site's activities and units,
the enrolled children (names, birth date, class), the phones of their
representatives and authorised persons, the bookings, absences, closures,
pointage and day closings of those days, and the logins of the staff and
supervisors — no password hash of anyone. No address, no e-mail, no quotient
familial, no document, no démarche, no secret of the main database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from mairie_tui.models import (
    Absence,
    Activity,
    Agent,
    AgentSite,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.models.attendance import Attendance, DayClosing
from mairie_tui.services.lists import CONTACT_ROLES
from mairie_tui.services.offline.guard import table_of
from mairie_tui.services.offline.seal import Scope

Rows = list[dict[str, Any]]
CHILD_COLUMNS = (
    "id",
    "household_id",
    "role",
    "first_name",
    "last_name",
    "birth_date",
    "school",
    "school_class",
    "position",
)
CONTACT_COLUMNS = (
    "id",
    "household_id",
    "role",
    "civility",
    "first_name",
    "last_name",
    "phone",
    "position",
)


@dataclass
class Extract:
    """The rows of a copy, table by table."""

    activities: Rows
    units: Rows
    closures: Rows
    enrolments: Rows
    children: Rows
    contacts: Rows
    households: Rows
    bookings: Rows
    absences: Rows
    marks: Rows
    closings: Rows
    agents: Rows
    # The copied staff's link to this site only (their other sites stay out of the copy).
    agent_sites: Rows = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        return Scope(
            enrolments=tuple(sorted((row["id"], row["person_id"]) for row in self.enrolments)),
            units=tuple(sorted(row["id"] for row in self.units)),
        )


def rows(session: Session, statement: Any) -> Rows:
    return [dict(row._mapping) for row in session.execute(statement)]


def gather(session: Session, site: str, start: date, end: date, now: datetime) -> Extract:
    """Read and scrub everything a copy of `site` for start..end holds."""
    activities = rows(session, select(table_of(Activity)).where(col(Activity.site) == site))
    activity_ids = [row["id"] for row in activities]
    units = rows(session, select(table_of(Unit)).where(col(Unit.activity_id).in_(activity_ids)))
    enrolments = rows(
        session,
        select(table_of(Enrolment)).where(
            col(Enrolment.activity_id).in_(activity_ids),
            col(Enrolment.start_date) <= end,
            col(Enrolment.end_date) >= start,
        ),
    )
    children, contacts, households = _people(session, enrolments, now)
    child_ids = [row["id"] for row in children]
    extract = Extract(
        activities=activities,
        units=units,
        closures=_closures(session, activity_ids, start, end),
        enrolments=enrolments,
        children=children,
        contacts=contacts,
        households=households,
        bookings=_bookings(session, [row["id"] for row in enrolments], start, end),
        absences=_absences(session, child_ids, start, end),
        marks=[],
        closings=[],
        agents=[],
    )
    _pointage(session, extract, start, end)
    extract.agents = _agents(session, extract.marks + extract.closings)
    extract.agent_sites = rows(
        session,
        select(table_of(AgentSite)).where(
            col(AgentSite.site) == site,
            col(AgentSite.agent_id).in_([row["id"] for row in extract.agents]),
        ),
    )
    return extract


def _closures(session: Session, activity_ids: list[int], start: date, end: date) -> Rows:
    return rows(
        session,
        select(table_of(Closure)).where(
            col(Closure.day) >= start,
            col(Closure.day) <= end,
            (col(Closure.activity_id).is_(None)) | col(Closure.activity_id).in_(activity_ids),
        ),
    )


def _people(session: Session, enrolments: Rows, now: datetime) -> tuple[Rows, Rows, Rows]:
    """The enrolled children, their households' contacts, and the households (scrubbed)."""
    child_ids = sorted({row["person_id"] for row in enrolments})
    children = rows(
        session,
        select(*(col(getattr(Person, name)) for name in CHILD_COLUMNS)).where(
            col(Person.id).in_(child_ids)
        ),
    )
    household_ids = sorted({row["household_id"] for row in children})
    contacts = rows(
        session,
        select(*(col(getattr(Person, name)) for name in CONTACT_COLUMNS)).where(
            col(Person.household_id).in_(household_ids), col(Person.role).in_(CONTACT_ROLES)
        ),
    )
    households = rows(
        session,
        select(col(Household.id), col(Household.dossier), col(Household.phone)).where(
            col(Household.id).in_(household_ids)
        ),
    )
    for row in households:
        row.update(
            address="",
            postcode="",
            commune_insee="",
            commune_name="",
            email=None,
            quotient_familial=None,
            qf_valid_until=None,
            qf_document_id=None,
            external_id=None,
            version=1,
            created_at=now,
            updated_at=now,
        )
    for row in children:
        row.update(civility=None, phone=None, email=None)
    for row in contacts:
        row.update(birth_date=None, email=None, school=None, school_class=None)
    return children, contacts, households


def _bookings(session: Session, enrolment_ids: list[int], start: date, end: date) -> Rows:
    bookings = rows(
        session,
        select(
            col(Booking.id),
            col(Booking.enrolment_id),
            col(Booking.day),
            col(Booking.unit_id),
            col(Booking.status),
            col(Booking.updated_at),
        ).where(
            col(Booking.enrolment_id).in_(enrolment_ids),
            col(Booking.day) >= start,
            col(Booking.day) <= end,
        ),
    )
    for row in bookings:
        row.update(forced_reason=None, request_id=None, agent_id=None)
    return bookings


def _absences(session: Session, child_ids: list[int], start: date, end: date) -> Rows:
    absences = rows(
        session,
        select(
            col(Absence.id),
            col(Absence.person_id),
            col(Absence.start_date),
            col(Absence.end_date),
            col(Absence.reason),
            col(Absence.justified),
        ).where(
            col(Absence.person_id).in_(child_ids),
            col(Absence.start_date) <= end,
            col(Absence.end_date) >= start,
        ),
    )
    for row in absences:
        row.update(document_id=None, request_id=None)
    return absences


def _pointage(session: Session, extract: Extract, start: date, end: date) -> None:
    unit_ids = [row["id"] for row in extract.units]
    extract.marks = rows(
        session,
        select(table_of(Attendance)).where(
            col(Attendance.unit_id).in_(unit_ids),
            col(Attendance.enrolment_id).in_([row["id"] for row in extract.enrolments]),
            col(Attendance.day) >= start,
            col(Attendance.day) <= end,
        ),
    )
    extract.closings = rows(
        session,
        select(table_of(DayClosing)).where(
            col(DayClosing.unit_id).in_(unit_ids),
            col(DayClosing.day) >= start,
            col(DayClosing.day) <= end,
        ),
    )


def _agents(session: Session, pointage: Rows) -> Rows:
    """Staff and supervisors (who sign in with the copy's code); other agents named by a
    mark or a closing come along disabled. Nobody's password hash is copied."""
    named = {row["agent_id"] for row in pointage if row["agent_id"] is not None}
    agents = rows(
        session,
        select(
            col(Agent.id), col(Agent.login), col(Agent.name), col(Agent.role), col(Agent.active)
        ).where(
            (col(Agent.role).in_(("staff", "supervisor")) & col(Agent.active).is_(True))
            | col(Agent.id).in_(named)
        ),
    )
    for row in agents:
        row["active"] = bool(row["role"] in ("staff", "supervisor") and row["active"])
        row.update(password_hash="", failed_attempts=0, last_failed_at=None)
    return agents
