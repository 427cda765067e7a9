"""Historique de la famille: what happened to a household, newest first.

One read-only list merging the household's bookings (grouped per request or
validation: the days written together make one line), attendance marks,
absences, requests (démarches) with their status, invoices and credit notes,
payments and their cancellations, and mails with their state. One query per
kind, each limited to the newest `limit` events, then merged and cut to
`limit` (so the newest `limit` events overall are exactly those shown).

Unlike the supervisors' « Historique du foyer » (services/history.py, the audit
trail of who changed the file), this is the family's story as the counter tells
it, and every agent may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Engine, func
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.money import format_euros
from mairie_tui.models import (
    Absence,
    Activity,
    Attendance,
    Booking,
    Enrolment,
    Household,
    Invoice,
    OutboxEmail,
    Payment,
    Person,
    Request,
    Unit,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.outbox import STATE_LABELS
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests import status_label, type_label
from mairie_tui.services.uow import get_or_404

LIMIT = 200
BOOKING_STATES = {"booked": "réservé", "pending": "en attente", "cancelled": "annulé"}


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime  # when it happened (UTC); an absence's first day at midnight, Paris time
    kind: str  # « Réservation », « Présence », « Absence », « Demande », « Facture »…
    summary: str  # one line, stored text included (render it with tui/text.py)
    amount_cents: int | None = None  # invoices, credit notes, payments

    @property
    def day(self) -> date:
        return fr.local_date(self.at)


@dataclass(frozen=True)
class HouseholdTimeline:
    household_id: int
    dossier: str
    events: tuple[TimelineEvent, ...]  # newest first
    truncated: bool  # more than `limit` events: the oldest are left out


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _days(count: int, first: date, last: date) -> str:
    if first == last:
        return f"le {fr.short_date(first)}"
    return f"{count} jours {fr.period(first, last)}"


def _bookings(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    """Days written together (same child, activity, request, moment and state) make one line."""
    # Nine columns: SQLModel's select() types four at most, SQLAlchemy's any number.
    rows = session.execute(
        columns(
            col(Booking.updated_at),
            col(Booking.status),
            col(Request.number),
            col(Person.first_name),
            col(Person.last_name),
            col(Activity.name),
            func.count(),
            func.min(col(Booking.day)),
            func.max(col(Booking.day)),
        )
        .join(Enrolment, col(Enrolment.id) == col(Booking.enrolment_id))
        .join(Person, col(Person.id) == col(Enrolment.person_id))
        .join(Activity, col(Activity.id) == col(Enrolment.activity_id))
        .outerjoin(Request, col(Request.id) == col(Booking.request_id))
        .where(col(Person.household_id) == household_id)
        .group_by(
            col(Booking.updated_at),
            col(Booking.status),
            col(Booking.enrolment_id),
            col(Request.number),
            col(Person.first_name),
            col(Person.last_name),
            col(Activity.name),
        )
        .order_by(col(Booking.updated_at).desc())
        .limit(limit)
    ).all()
    events = []
    for at, status, number, first, last, activity, count, start, end in rows:
        state = BOOKING_STATES.get(status, status)
        summary = f"{_name(first, last)} · {activity} : {_days(int(count), start, end)} {state}"
        if number:
            summary += f" (demande {number})"
        events.append(TimelineEvent(at, "Réservation", summary))
    return events


def _attendance(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    rows = session.execute(
        columns(
            Attendance,
            col(Person.first_name),
            col(Person.last_name),
            col(Activity.name),
            col(Unit.name),
        )
        .join(Enrolment, col(Enrolment.id) == col(Attendance.enrolment_id))
        .join(Person, col(Person.id) == col(Enrolment.person_id))
        .join(Activity, col(Activity.id) == col(Enrolment.activity_id))
        .join(Unit, col(Unit.id) == col(Attendance.unit_id))
        .where(col(Person.household_id) == household_id)
        .order_by(col(Attendance.marked_at).desc(), col(Attendance.id).desc())
        .limit(limit)
    ).all()
    events = []
    for mark, first, last, activity, unit in rows:
        if mark.present:
            kind = "Présence hors réservation" if mark.unexpected else "Présence"
            state = "présent"
        else:
            kind, state = "Absence pointée", "absent"
        summary = (
            f"{_name(first, last)} · {activity} ({unit}) : {state} le {fr.short_date(mark.day)}"
        )
        events.append(TimelineEvent(mark.marked_at, kind, summary))
    return events


def _absences(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    rows = session.exec(
        select(Absence, Person.first_name, Person.last_name)
        .join(Person, col(Person.id) == col(Absence.person_id))
        .where(col(Person.household_id) == household_id)
        .order_by(col(Absence.start_date).desc(), col(Absence.id).desc())
        .limit(limit)
    ).all()
    events = []
    for absence, first, last in rows:
        at = datetime.combine(absence.start_date, time(), fr.PARIS)
        when = (
            f"le {fr.short_date(absence.start_date)}"
            if absence.start_date == absence.end_date
            else fr.period(absence.start_date, absence.end_date)
        )
        justified = "justifiée" if absence.justified else "non justifiée"
        summary = f"{_name(first, last)} : absence {justified} {when} — {absence.reason}"
        events.append(TimelineEvent(at, "Absence", summary))
    return events


def _requests(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    rows = session.exec(
        select(Request)
        .where(col(Request.household_id) == household_id)
        .order_by(col(Request.created_at).desc(), col(Request.id).desc())
        .limit(limit)
    ).all()
    return [
        TimelineEvent(
            request.created_at,
            "Demande",
            f"{request.number} · {type_label(request.type)} : "
            f"{status_label(request.status, request.type)}",
        )
        for request in rows
    ]


def _invoices(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    rows = session.exec(
        select(Invoice)
        .where(col(Invoice.household_id) == household_id)
        .order_by(col(Invoice.issued_at).desc(), col(Invoice.id).desc())
        .limit(limit)
    ).all()
    events = []
    for invoice in rows:
        year, month = (int(part) for part in invoice.period.split("-"))
        period = fr.month_title(year, month)
        if invoice.kind == "A":
            summary = f"Avoir {invoice.number} ({period}) : {invoice.reason}"
            events.append(TimelineEvent(invoice.issued_at, "Avoir", summary, invoice.total_cents))
        else:
            summary = (
                f"Facture {invoice.number} ({period}), à payer avant le "
                f"{fr.short_date(invoice.due_date)}"
            )
            events.append(TimelineEvent(invoice.issued_at, "Facture", summary, invoice.total_cents))
    return events


def _payments(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    rows = session.exec(
        select(Payment)
        .where(col(Payment.household_id) == household_id)
        .order_by(col(Payment.taken_at).desc(), col(Payment.id).desc())
        .limit(limit)
    ).all()
    events = []
    for payment in rows:
        amount = format_euros(payment.total_cents)
        summary = f"Reçu {payment.number} : {amount} encaissés"
        if payment.cancelled_at is not None:
            summary += " (annulé depuis)"
            events.append(
                TimelineEvent(
                    payment.cancelled_at,
                    "Annulation",
                    f"Reçu {payment.number} annulé : {payment.cancel_reason}",
                    -payment.total_cents,
                )
            )
        events.append(TimelineEvent(payment.taken_at, "Paiement", summary, payment.total_cents))
    return events


def _mails(session: Session, household_id: int, limit: int) -> list[TimelineEvent]:
    rows = session.exec(
        select(OutboxEmail)
        .join(Request, col(Request.id) == col(OutboxEmail.request_id))
        .where(col(Request.household_id) == household_id)
        .order_by(col(OutboxEmail.created_at).desc(), col(OutboxEmail.id).desc())
        .limit(limit)
    ).all()
    return [
        TimelineEvent(
            mail.created_at,
            "Courriel",
            f"« {mail.subject} » à {mail.recipient} : {STATE_LABELS.get(mail.state, mail.state)}",
        )
        for mail in rows
    ]


KINDS = (_bookings, _attendance, _absences, _requests, _invoices, _payments, _mails)


@requires("foyers.lire")
def household_timeline(
    engine: Engine, household_id: int, *, limit: int = LIMIT, actor: Actor
) -> HouseholdTimeline:
    """The household's events of every kind, newest first, at most `limit` of them."""
    limit = max(1, min(limit, LIMIT))
    with read_session(engine) as session:
        household = get_or_404(session, Household, household_id)
        events = [event for kind in KINDS for event in kind(session, household_id, limit)]
    # Stable: within one instant, the order of KINDS (a payment before the invoice it pays
    # would read oddly, but they never share an instant).
    events.sort(key=lambda event: event.at, reverse=True)
    return HouseholdTimeline(
        household_id=household_id,
        dossier=household.dossier,
        events=tuple(events[:limit]),
        truncated=len(events) > limit,
    )
