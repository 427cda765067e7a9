"""Which households the retention rule may anonymise: no activity since a date, nothing blocking.

Activity of a household since DATE (any of these makes it "active"):
the household row created or changed; an enrolment running on or after DATE;
a booking for a day on or after DATE, or changed since; a pointage mark; an
absence ending on or after DATE; a request filed or changed, or one of its
events; a pièce deposited; a mail created or sent about one of its requests;
an appointment taken or held since.

Blocking reasons (the household is kept whatever its age): see BLOCKING_CHECKS.

Every query returns a set of household ids, either for all households (dry run:
a few GROUP-less scans, whatever the number of households) or for one
(`only=`, the re-check inside the purge's transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from mairie_tui.clock import PARIS
from mairie_tui.models import (
    Absence,
    Appointment,
    Attendance,
    AuditEvent,
    Booking,
    Document,
    Enrolment,
    Household,
    OutboxEmail,
    Person,
    Request,
    RequestEvent,
)
from mairie_tui.services.requests import OPEN_STATUSES, catalogue

PURGE_ACTION = "household.purge"
Finder = Callable[[Session, date, datetime, int | None], set[int]]


def start_of(day: date) -> datetime:
    """Midnight, Paris time, at the start of `day` (the threshold for timestamps)."""
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)


def _ids(session: Session, query: Any) -> set[int]:
    return {int(i) for i in session.exec(query).all() if i is not None}


def _by_person(query: Any, only: int | None) -> Any:
    return query if only is None else query.where(col(Person.household_id) == only)


def _by_household(query: Any, column: Any, only: int | None) -> Any:
    return query if only is None else query.where(column == only)


def _households(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = select(Household.id).where(
        or_(col(Household.created_at) >= moment, col(Household.updated_at) >= moment)
    )
    return _ids(s, _by_household(query, col(Household.id), only))


def _enrolments(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = (
        select(Person.household_id)
        .join(Enrolment, col(Enrolment.person_id) == col(Person.id))
        .where(col(Enrolment.end_date) >= day)
        .distinct()
    )
    return _ids(s, _by_person(query, only))


def _bookings(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = (
        select(Person.household_id)
        .join(Enrolment, col(Enrolment.person_id) == col(Person.id))
        .join(Booking, col(Booking.enrolment_id) == col(Enrolment.id))
        .where(or_(col(Booking.day) >= day, col(Booking.updated_at) >= moment))
        .distinct()
    )
    return _ids(s, _by_person(query, only))


def _attendance(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = (
        select(Person.household_id)
        .join(Enrolment, col(Enrolment.person_id) == col(Person.id))
        .join(Attendance, col(Attendance.enrolment_id) == col(Enrolment.id))
        .where(or_(col(Attendance.day) >= day, col(Attendance.marked_at) >= moment))
        .distinct()
    )
    return _ids(s, _by_person(query, only))


def _absences(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = (
        select(Person.household_id)
        .join(Absence, col(Absence.person_id) == col(Person.id))
        .where(col(Absence.end_date) >= day)
        .distinct()
    )
    return _ids(s, _by_person(query, only))


def _requests(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    filed = select(Request.household_id).where(
        or_(col(Request.created_at) >= moment, col(Request.updated_at) >= moment)
    )
    events = (
        select(Request.household_id)
        .join(RequestEvent, col(RequestEvent.request_id) == col(Request.id))
        .where(col(RequestEvent.at) >= moment)
        .distinct()
    )
    column = col(Request.household_id)
    return _ids(s, _by_household(filed, column, only)) | _ids(
        s, _by_household(events, column, only)
    )


def _documents(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = select(Document.household_id).where(col(Document.created_at) >= moment).distinct()
    return _ids(s, _by_household(query, col(Document.household_id), only))


def _mails(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = (
        select(Request.household_id)
        .join(OutboxEmail, col(OutboxEmail.request_id) == col(Request.id))
        .where(or_(col(OutboxEmail.created_at) >= moment, col(OutboxEmail.sent_at) >= moment))
        .distinct()
    )
    return _ids(s, _by_household(query, col(Request.household_id), only))


def _appointments(s: Session, day: date, moment: datetime, only: int | None) -> set[int]:
    query = select(Appointment.household_id).where(
        or_(col(Appointment.created_at) >= moment, col(Appointment.starts_at) >= moment)
    )
    return _ids(s, _by_household(query, col(Appointment.household_id), only))


ACTIVITY_FINDERS: tuple[Finder, ...] = (
    _households,
    _enrolments,
    _bookings,
    _attendance,
    _absences,
    _requests,
    _documents,
    _mails,
    _appointments,
)


def active_since(session: Session, day: date, only: int | None = None) -> set[int]:
    """Households with any activity on or after `day` (see the module docstring)."""
    moment = start_of(day)
    found: set[int] = set()
    for finder in ACTIVITY_FINDERS:
        found |= finder(session, day, moment, only)
    return found


# ---------------------------------------------------------------- blocking reasons


def _future_bookings(s: Session, today: date, now: datetime, only: int | None) -> set[int]:
    query = (
        select(Person.household_id)
        .join(Enrolment, col(Enrolment.person_id) == col(Person.id))
        .join(Booking, col(Booking.enrolment_id) == col(Enrolment.id))
        .where(col(Booking.day) >= today, col(Booking.status) != "cancelled")
        .distinct()
    )
    return _ids(s, _by_person(query, only))


def _open_requests(s: Session, today: date, now: datetime, only: int | None) -> set[int]:
    """Requests whose status is not final in their démarche's workflow (or not yet closed)."""
    query = select(Request.household_id, Request.type, Request.status).where(
        col(Request.household_id).is_not(None)
    )
    if only is not None:
        query = query.where(col(Request.household_id) == only)
    found: set[int] = set()
    known = catalogue()
    for household_id, type_code, status in session_rows(s, query.distinct()):
        demarche = known.get(type_code)
        still_open = not demarche.workflow.is_final(status) if demarche else status in OPEN_STATUSES
        if still_open:
            found.add(int(household_id))
    return found


def session_rows(session: Session, query: Any) -> list[Any]:
    return list(session.exec(query).all())


def _future_appointments(s: Session, today: date, now: datetime, only: int | None) -> set[int]:
    query = select(Appointment.household_id).where(
        col(Appointment.starts_at) >= now, col(Appointment.held).is_(True)
    )
    return _ids(s, _by_household(query, col(Appointment.household_id), only))


@dataclass(frozen=True)
class BlockingCheck:
    reason: str
    find: Finder


# A household matching any of these is never anonymised, however old its activity.
BLOCKING_CHECKS: tuple[BlockingCheck, ...] = (
    BlockingCheck("réservation à venir", _future_bookings),
    BlockingCheck("demande en cours (statut non final)", _open_requests),
    BlockingCheck("rendez-vous à venir", _future_appointments),
    # Régie (not built yet): when invoices exist, add here
    #     BlockingCheck("montant impayé", _unpaid_amounts),
    # where _unpaid_amounts returns the households whose invoices leave a balance
    # due: a debt must stay attached to a named family until it is settled.
)


def blocking_reasons(
    session: Session, today: date, now: datetime, only: int | None = None
) -> dict[int, list[str]]:
    """household id → the reasons it must be kept (only households with at least one)."""
    reasons: dict[int, list[str]] = {}
    for check in BLOCKING_CHECKS:
        for household_id in check.find(session, today, now, only):
            reasons.setdefault(household_id, []).append(check.reason)
    return reasons


def already_purged(session: Session, only: int | None = None) -> set[int]:
    """Households anonymised before: their `household.purge` audit row (append-only) says so."""
    query = select(AuditEvent.entity_id).where(
        col(AuditEvent.action) == PURGE_ACTION, col(AuditEvent.entity) == "household"
    )
    return _ids(session, _by_household(query, col(AuditEvent.entity_id), only))
