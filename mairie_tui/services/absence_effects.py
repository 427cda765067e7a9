"""The effects of « Signaler une absence » inside the filing transaction.

Days still before the booking deadline are cancelled; a day past the deadline
is cancelled only when the absence is justified by a medical certificate
(attached as a pièce), otherwise the booking stays (and is charged) and the
recap says so. Every enrolment touched has its version bumped, so a booking
calendar open on another desk must reload before validating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState
from mairie_tui.domain.catalogue import FieldValue
from mairie_tui.models import Absence, Booking, Document, Enrolment, Person, Request
from mairie_tui.services.bookings import LIVE_STATUSES, load_calendar
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import InvalidAnswers, RuleViolation
from mairie_tui.services.transactions import lock_rows
from mairie_tui.services.uow import get_or_404


@dataclass(frozen=True)
class AbsenceLine:
    day: date
    unit: str
    activity: str
    cancelled: bool
    why: str = ""

    def text(self) -> str:
        what = "annulé" if self.cancelled else f"maintenu : {self.why}"
        return f"{fr.long_date(self.day)} - {self.activity} - {self.unit} : {what}"


def apply_absence(
    session: Session,
    *,
    request: Request,
    household_id: int,
    values: Mapping[str, FieldValue],
    documents: Sequence[Document],
    actor: Actor,
    now: datetime,
) -> list[str]:
    """The absence's effects inside the filing transaction; the recap's result lines."""
    assert request.id is not None
    child_id, start, end = values.get("enfant"), values.get("du"), values.get("au")
    assert isinstance(child_id, int) and isinstance(start, date) and isinstance(end, date)
    justified = values.get("justifiee") is True
    certificate = next((doc for doc in documents if doc.kind == "certificat_medical"), None)
    if justified and certificate is None:
        raise InvalidAnswers(
            {"justifiee": "Une absence justifiée demande le certificat médical en pièce jointe."}
        )
    if (end - start).days > 366:
        raise InvalidAnswers({"au": "Une absence se signale pour un an au plus."})
    child = _child_without_absence(session, child_id, household_id, start, end)
    lines: list[AbsenceLine] = []
    for enrolment_id in _booked_enrolments(session, child_id, start, end):
        lines += _cancel_bookings(
            session,
            enrolment_id,
            start,
            end,
            justified=justified,
            request_id=request.id,
            actor=actor,
            now=now,
        )
    lines.sort(key=lambda line: (line.day, line.activity, line.unit))
    absence = Absence(
        person_id=child_id,
        start_date=start,
        end_date=end,
        reason=str(values.get("motif") or ""),
        justified=justified,
        document_id=certificate.id if certificate is not None else None,
        request_id=request.id,
    )
    session.add(absence)
    session.flush()
    _audit_absence(session, absence, request, lines, actor=actor, now=now)
    cancelled = sum(1 for line in lines if line.cancelled)
    summary = f"Absence de {child.first_name} {fr.period(start, end)} : " + (
        f"{cancelled} réservation annulée"
        if cancelled == 1
        else f"{cancelled} réservations annulées"
    )
    return [summary] + [line.text() for line in lines]


def _child_without_absence(
    session: Session, child_id: int, household_id: int, start: date, end: date
) -> Person:
    """The household's child, locked, with no absence overlapping start…end."""
    child = get_or_404(
        session,
        Person,
        child_id,
        f"Enfant introuvable dans ce foyer (n° {child_id}).",
        where=lambda found: found.household_id == household_id and found.role == "child",
    )
    # Two desks signalling the same absence: the child's row lock makes the
    # second one see the first's absence below (PostgreSQL; SQLite serialises).
    lock_rows(session, Person, [child_id])
    overlapping = session.exec(
        select(Absence).where(
            Absence.person_id == child_id, Absence.start_date <= end, Absence.end_date >= start
        )
    ).first()
    if overlapping is not None:
        raise RuleViolation(
            f"Une absence de {child.first_name} est déjà signalée "
            f"{fr.period(overlapping.start_date, overlapping.end_date)}."
        )
    return child


def _booked_enrolments(session: Session, child_id: int, start: date, end: date) -> list[int]:
    """The child's enrolments with a live booking between start and end, in id order."""
    enrolment_ids = session.exec(
        select(Enrolment.id)
        .join(Booking, col(Booking.enrolment_id) == Enrolment.id)
        .where(
            Enrolment.person_id == child_id,
            col(Booking.status).in_(LIVE_STATUSES),
            Booking.day >= start,
            Booking.day <= end,
        )
        .distinct()
    ).all()
    return sorted(i for i in enrolment_ids if i is not None)


def _cancel_bookings(
    session: Session,
    enrolment_id: int,
    start: date,
    end: date,
    *,
    justified: bool,
    request_id: int,
    actor: Actor,
    now: datetime,
) -> list[AbsenceLine]:
    """Cancel an enrolment's bookings of the absence that may still be cancelled."""
    # Bump the version first: it takes the row lock, and drafts open elsewhere must reload.
    session.execute(
        update(Enrolment)
        .where(col(Enrolment.id) == enrolment_id)
        .values(version=col(Enrolment.version) + 1)
    )
    loaded = load_calendar(session, enrolment_id, now, start=start, end=end)
    lines = []
    for (day, unit_id), row in sorted(loaded.rows.items()):
        if row.status not in LIVE_STATUSES:
            continue
        unit = loaded.ctx.unit(unit_id)
        status = loaded.ctx.status(day, unit, has_booking=True)
        locked = status.state is DayState.LOCKED
        if status.state is DayState.OPEN or (locked and justified):
            row.status = "cancelled"
            row.request_id = request_id
            row.agent_id = actor.id
            row.updated_at = now
            row.forced_reason = "Absence justifiée (certificat médical)" if locked else None
            session.add(row)
            lines.append(AbsenceLine(day, unit.name, loaded.summary.activity_name, True))
        else:
            why = "délai dépassé, absence non justifiée" if locked else status.reason
            lines.append(AbsenceLine(day, unit.name, loaded.summary.activity_name, False, why))
    return lines


def _audit_absence(
    session: Session,
    absence: Absence,
    request: Request,
    lines: Sequence[AbsenceLine],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    audit(
        session,
        at=now,
        actor=actor,
        action="absence.declare",
        entity="person",
        entity_id=absence.person_id,
        details={
            "absence": absence.id,
            "request": request.number,
            "from": absence.start_date.isoformat(),
            "to": absence.end_date.isoformat(),
            "justified": absence.justified,
            "cancelled": [line.day.isoformat() for line in lines if line.cancelled],
            "kept": [line.day.isoformat() for line in lines if not line.cancelled],
        },
    )
