"""Validating a booking draft: every change re-checked and written, or nothing.

One transaction, in named steps: who may validate what (before any read);
the optimistic lock on the enrolment's version, which also takes the write
lock; the row locks on the capped units being added to, then the calendar
re-read and every rule re-checked; the Request and its event; the bookings;
the audit rows; the confirmation mail. A lost race re-runs the whole use case
(write_use_case).

The steps are public: the family agenda (services/agenda/validation.py) runs
them for several enrolments inside its own single transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime

from sqlalchemy import Engine, insert, update
from sqlmodel import Session, col

from mairie_tui.clock import Clock
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import DayState, DeadlineRule
from mairie_tui.domain.draft import ChangeKind, RecapLine
from mairie_tui.models import Booking, Enrolment, Request, RequestEvent, Unit
from mairie_tui.services.bookings.loading import LoadedCalendar, load_calendar, recipient_of
from mairie_tui.services.bookings.views import BookingSession, ValidationResult
from mairie_tui.services.common import (
    Actor,
    audit,
    queue_email,
    request_number,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    ConflictError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.mail_templates import RenderedMail, render_mail
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import lock_rows, write_use_case
from mairie_tui.services.uow import get_or_404, writing


@requires("reservations.modifier")
@write_use_case()
def validate_booking(
    engine: Engine, booking: BookingSession, *, actor: Actor, clock: Clock
) -> ValidationResult:
    """Write the draft's changes, or nothing, after re-checking every rule."""
    lines = booking.draft.recap()
    forced = refuse_unless_allowed(lines, actor)
    now = clock.now()
    with writing(engine, "validation de réservations") as session:
        take_enrolment(session, booking)
        loaded = load_checked(session, booking, lines, actor, now)
        request_id, number = record_request(session, booking, loaded, lines, actor, now)
        write_bookings(session, loaded, lines, request_id, actor, now)
        audit_validation(session, booking.enrolment.id, number, lines, forced, actor, now)
        recipient = recipient_of(session, loaded.household_id)
        if recipient:
            subject = f"Votre demande n° {number} a été traitée"
            mail = _mail(booking, number, lines, loaded.ctx.rule, subject)
            queue_email(
                session,
                at=now,
                recipient=recipient,
                subject=subject,
                body=mail.text,
                html=mail.html,
                request_id=request_id,
            )
        return ValidationResult(
            request_id=request_id,
            request_number=number,
            recipient=recipient,
            mail_queued=recipient is not None,
            lines=lines,
            forced=len(forced),
        )


def refuse_unless_allowed(lines: list[RecapLine], actor: Actor) -> list[RecapLine]:
    """Refuse an empty draft, school staff, and forcing without a supervisor or a reason;
    the forced lines."""
    if not lines:
        raise ServiceError("Aucune modification à valider.")
    require_counter_agent(actor)
    forced = [line for line in lines if line.forced_reason is not None]
    for line in forced:
        if not actor.is_supervisor:
            raise PermissionDenied(
                "Seul un superviseur peut modifier un jour dont le délai est dépassé."
            )
        if not (line.forced_reason or "").strip():
            raise ServiceError(
                f"Motif obligatoire pour forcer le {fr.long_date(line.day)}.", field="reason"
            )
    return forced


def take_enrolment(session: Session, booking: BookingSession) -> None:
    """Bump the enrolment's version if it is still the one the draft was loaded at.

    This optimistic lock comes first: it also takes the write lock (row lock on
    PostgreSQL, BEGIN IMMEDIATE on SQLite), so the checks that follow see the
    state that the writes will land on.
    """
    enrolment_id = booking.enrolment.id
    bumped = session.execute(
        update(Enrolment)
        .where(col(Enrolment.id) == enrolment_id, col(Enrolment.version) == booking.version)
        .values(version=col(Enrolment.version) + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        get_or_404(session, Enrolment, enrolment_id)
        raise ConflictError(
            f"Un autre poste a modifié les réservations de {booking.enrolment.child_name} "
            f"({booking.enrolment.activity_name}) entre-temps : rechargez le calendrier, "
            "vos modifications seront reprises."
        )


def load_checked(
    session: Session,
    booking: BookingSession,
    lines: list[RecapLine],
    actor: Actor,
    now: datetime,
) -> LoadedCalendar:
    """Lock the capped units being added to, re-read the calendar, refuse any broken rule."""
    # Capacity is per unit-day and other children's bookings are counted:
    # lock the capped units this change adds to (booked, pending or forced
    # alike) before counting, so two desks cannot both take the last place.
    added_units = {line.unit_id for line in lines if line.kind is ChangeKind.ADD}
    lock_rows(session, Unit, added_units, col(Unit.capacity).is_not(None))
    loaded = load_calendar(session, booking.enrolment.id, now)
    if loaded.enrolment.status != "active":
        raise RuleViolation(
            f"L'inscription de {loaded.summary.child_name} n'est pas active : aucune réservation possible."
        )
    problems = check_lines(loaded, lines, actor)
    if problems:
        raise RuleViolation(
            "Certains jours ne peuvent pas être modifiés : " + " ; ".join(problems),
            problems=problems,
        )
    return loaded


def check_lines(loaded: LoadedCalendar, lines: list[RecapLine], actor: Actor) -> list[str]:
    """Every rule, against the database state inside the transaction."""
    problems: list[str] = []
    unit_ids = {unit.id for unit in loaded.ctx.units}
    added: Counter[tuple[date, int]] = Counter()
    for line in lines:
        key = (line.day, line.unit_id)
        where = f"{fr.long_date(line.day)} ({line.unit_name})"
        if line.unit_id not in unit_ids:
            problems.append(f"{where} : prestation inconnue pour cette activité")
            continue
        unit = loaded.ctx.unit(line.unit_id)
        held = key in loaded.existing
        if line.kind is ChangeKind.ADD and held:
            problems.append(f"{where} : déjà réservé")
            continue
        if line.kind is ChangeKind.REMOVE and not held:
            problems.append(f"{where} : aucune réservation à annuler")
            continue
        status = loaded.ctx.status(line.day, unit, has_booking=held)
        if (
            status.state is DayState.OPEN
            or status.state is DayState.LOCKED
            and line.forced_reason
            and actor.is_supervisor
        ):
            pass
        else:
            problems.append(f"{where} : {status.reason}")
            continue
        if line.kind is ChangeKind.ADD:
            added[key] += 1
    return problems + _over_capacity(loaded, added)


def _over_capacity(loaded: LoadedCalendar, added: Counter[tuple[date, int]]) -> list[str]:
    """The unit-days these additions would take past their capacity."""
    problems: list[str] = []
    for (day, unit_id), count in added.items():
        unit = loaded.ctx.unit(unit_id)
        if (
            unit.capacity is not None
            and loaded.ctx.taken.get((day, unit_id), 0) + count > unit.capacity
        ):
            places = "place" if unit.capacity == 1 else "places"
            problems.append(
                f"{fr.long_date(day)} ({unit.name}) : complet ({unit.capacity} {places})"
            )
    return problems


def record_request(
    session: Session,
    booking: BookingSession,
    loaded: LoadedCalendar,
    lines: list[RecapLine],
    actor: Actor,
    now: datetime,
) -> tuple[int, str]:
    """The Request (already « traitée ») and its event; its id and number."""
    number = request_number(session, now)
    answers = {
        "enrolment_id": booking.enrolment.id,
        "title": booking.enrolment.title,
        "lines": [
            {
                "day": line.day.isoformat(),
                "unit": line.unit_name,
                "change": line.kind.value,
                "forced_reason": line.forced_reason,
            }
            for line in lines
        ],
    }
    request = Request(
        number=number,
        household_id=loaded.household_id,
        type="reservation",
        status="traitee",
        answers=json.dumps(answers, ensure_ascii=False),
        agent_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    assert request.id is not None
    session.add(
        RequestEvent(
            request_id=request.id,
            at=now,
            agent_id=actor.id,
            status="traitee",
            comment=f"Réservation validée au guichet par {actor.name}",
        )
    )
    return request.id, number


def write_bookings(
    session: Session,
    loaded: LoadedCalendar,
    lines: list[RecapLine],
    request_id: int,
    actor: Actor,
    now: datetime,
) -> None:
    new_rows = []
    for line in lines:
        key = (line.day, line.unit_id)
        row = loaded.rows.get(key)
        if line.kind is ChangeKind.ADD and row is None:
            new_rows.append(
                {
                    "enrolment_id": loaded.summary.id,
                    "day": line.day,
                    "unit_id": line.unit_id,
                    "status": "booked",
                    "forced_reason": line.forced_reason,
                    "request_id": request_id,
                    "agent_id": actor.id,
                    "updated_at": now,
                }
            )
            continue
        assert row is not None
        row.status = "booked" if line.kind is ChangeKind.ADD else "cancelled"
        row.forced_reason = line.forced_reason
        row.request_id = request_id
        row.agent_id = actor.id
        row.updated_at = now
        session.add(row)
    if new_rows:
        session.execute(insert(Booking), new_rows)
    session.flush()


def audit_validation(
    session: Session,
    enrolment_id: int,
    number: str,
    lines: list[RecapLine],
    forced: list[RecapLine],
    actor: Actor,
    now: datetime,
) -> None:
    """One row for the validation, one more per forced day (with its reason)."""
    audit(
        session,
        at=now,
        actor=actor,
        action="booking.validate",
        entity="enrolment",
        entity_id=enrolment_id,
        details={
            "request": number,
            "added": sum(1 for line in lines if line.kind is ChangeKind.ADD),
            "removed": sum(1 for line in lines if line.kind is ChangeKind.REMOVE),
        },
    )
    for line in forced:
        audit(
            session,
            at=now,
            actor=actor,
            action="booking.force",
            entity="enrolment",
            entity_id=enrolment_id,
            details={
                "day": line.day.isoformat(),
                "unit": line.unit_name,
                "change": line.kind.value,
                "reason": line.forced_reason,
            },
        )


def _mail(
    booking: BookingSession,
    number: str,
    lines: list[RecapLine],
    rule: DeadlineRule,
    subject: str,
) -> RenderedMail:
    """The family's confirmation (template ``reservation``): each change, the activity's
    own deadline; never the supervisor's reason for forcing a locked day (that stays in
    the audit). A forced day says only that the mairie made the change after the deadline."""
    enrolment = booking.enrolment
    return render_mail(
        "reservation",
        subject=subject,
        number=number,
        enrolment=f"{enrolment.title} - {enrolment.period_text} - {enrolment.site}",
        lines=[mail_line(line) for line in lines],
        reminder=rule.reminder(),
    )


def mail_line(line: RecapLine) -> dict[str, str | bool]:
    """`- vendredi 25/09/2020 : Repas, ajout` in the template."""
    day, short, unit, kind = line.cells
    return {
        "day": day,
        "date": short,
        "unit": unit,
        "change": kind.lower(),
        "forced": line.forced_reason is not None,
    }
