"""Validating the family agenda: every child's changes written in one transaction, or nothing.

The steps are those of one child's validation (bookings/validation.py), run
for each changed enrolment inside one unit of work: first every enrolment's
version is bumped, in id order (the optimistic lock, which also takes the
write lock); then the capped units any row adds to are locked, in id order,
once for all; then, enrolment by enrolment, the calendar is re-read and
every rule re-checked, and its Request, bookings and audit rows are written —
so a sibling's addition, flushed just before, counts against a shared
capacity. Any refusal rolls everything back.

One Request per enrolment, as a single child's validation makes: the
household's history, the timeline and the régie read them unchanged. One
confirmation mail lists every child and activity; it goes to the
representative(s) whose custody weeks hold a change, or to the household's
usual address for a child without custody.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col

from mairie_tui.clock import Clock
from mairie_tui.domain.draft import ChangeKind, RecapLine
from mairie_tui.models import Unit
from mairie_tui.services.agenda.loading import custody_of, representatives_of
from mairie_tui.services.agenda.recap import family_recap
from mairie_tui.services.agenda.views import (
    AgendaRow,
    CustodyView,
    FamilyAgenda,
    FamilyValidationResult,
    RepresentativeView,
)
from mairie_tui.services.bookings.loading import LoadedCalendar, recipient_of
from mairie_tui.services.bookings.validation import (
    audit_validation,
    load_checked,
    mail_line,
    record_request,
    refuse_unless_allowed,
    take_enrolment,
    write_bookings,
)
from mairie_tui.services.common import Actor, queue_email
from mairie_tui.services.errors import RuleViolation
from mairie_tui.services.mail_templates import RenderedMail, render_mail
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import lock_rows, write_use_case
from mairie_tui.services.uow import writing


@requires("reservations.modifier")
@write_use_case()
def validate_agenda(
    engine: Engine, agenda: FamilyAgenda, *, actor: Actor, clock: Clock
) -> FamilyValidationResult:
    """Write every row's changes, or nothing, after re-checking every rule of every row."""
    changed = sorted(
        (row for row in agenda.rows if row.booking.draft.dirty), key=lambda r: r.enrolment_id
    )
    lines = {row.enrolment_id: row.booking.draft.recap() for row in changed}
    refuse_unless_allowed([line for value in lines.values() for line in value], actor)
    groups = family_recap(agenda)
    now = clock.now()
    with writing(engine, "validation de l'agenda de la famille") as session:
        for row in changed:
            take_enrolment(session, row.booking)
        added = {line.unit_id for value in lines.values() for line in value if _adds(line)}
        lock_rows(session, Unit, added, col(Unit.capacity).is_not(None))
        written: list[tuple[AgendaRow, LoadedCalendar, int, str]] = []
        for row in changed:
            key = row.enrolment_id
            loaded = _load_checked_naming(session, row, lines[key], actor, now)
            request_id, number = record_request(
                session, row.booking, loaded, lines[key], actor, now
            )
            write_bookings(session, loaded, lines[key], request_id, actor, now)
            forced = [line for line in lines[key] if line.forced_reason is not None]
            audit_validation(session, key, number, lines[key], forced, actor, now)
            written.append((row, loaded, request_id, number))
        # Back in agenda order (child position, then activity) for the mail and the result.
        order = {row.enrolment_id: index for index, row in enumerate(agenda.rows)}
        written.sort(key=lambda item: order[item[0].enrolment_id])
        recipients = _recipients(session, agenda.household_id, changed, lines)
        numbers = [number for *_, number in written]
        if recipients:
            subject = _subject(numbers)
            mail = _mail(subject, written, lines)
            for recipient in recipients:
                queue_email(
                    session,
                    at=now,
                    recipient=recipient,
                    subject=subject,
                    body=mail.text,
                    html=mail.html,
                    request_id=written[0][2],
                )
        return FamilyValidationResult(
            request_numbers=numbers,
            recipients=recipients,
            groups=groups,
            mail_queued=bool(recipients),
            request_ids=[request_id for _, _, request_id, _ in written],
        )


def _adds(line: RecapLine) -> bool:
    return line.kind is ChangeKind.ADD


def _load_checked_naming(
    session: Session, row: AgendaRow, lines: list[RecapLine], actor: Actor, now: datetime
) -> LoadedCalendar:
    """load_checked, its refusal naming the child and the activity."""
    try:
        return load_checked(session, row.booking, lines, actor, now)
    except RuleViolation as refused:
        raise RuleViolation(f"{row.title} : {refused.message}", problems=refused.problems) from None


def _recipients(
    session: Session,
    household_id: int,
    changed: list[AgendaRow],
    lines: dict[int, list[RecapLine]],
) -> list[str]:
    """Who the confirmation goes to, read inside the transaction: for a child in custody,
    the representative(s) whose weeks hold a change (the household's address when one has
    none); otherwise the household's usual address. Each address once, in order."""
    representatives = representatives_of(session, household_id)
    custody = custody_of(
        session, sorted({row.booking.enrolment.child_id for row in changed}), representatives
    )
    usual = recipient_of(session, household_id)
    found: list[str] = []
    for row in changed:
        child_custody = custody.get(row.booking.enrolment.child_id)
        days = [line.day for line in lines[row.enrolment_id]]
        for address in _addresses(child_custody, days, representatives, usual):
            if address and address not in found:
                found.append(address)
    return found


def _addresses(
    custody: CustodyView | None,
    days: list[date],
    representatives: list[RepresentativeView],
    usual: str | None,
) -> list[str | None]:
    if custody is None:
        return [usual]
    emails = {person.id: person.email for person in representatives}
    holders = sorted(
        {custody.representative_for(day) for day in days},
        key=lambda pid: pid != custody.first_representative_id,
    )
    return [emails.get(pid) or usual if pid is not None else usual for pid in holders]


def _subject(numbers: list[str]) -> str:
    if len(numbers) == 1:
        return f"Votre demande n° {numbers[0]} a été traitée"
    return f"Vos demandes n° {', '.join(numbers)} ont été traitées"


def _mail(
    subject: str,
    written: list[tuple[AgendaRow, LoadedCalendar, int, str]],
    lines: dict[int, list[RecapLine]],
) -> RenderedMail:
    """The family's confirmation (template ``reservation_famille``): every child and
    activity with its request number and changes, each activity's deadline once; never
    a supervisor's reason for forcing a day (that stays in the audit)."""
    reminders: list[str] = []
    groups = []
    for row, loaded, _request_id, number in written:
        enrolment = row.booking.enrolment
        groups.append(
            {
                "enrolment": f"{enrolment.title} - {enrolment.period_text} - {enrolment.site}",
                "number": number,
                "lines": [mail_line(line) for line in lines[row.enrolment_id]],
            }
        )
        reminder = loaded.ctx.rule.reminder()
        if reminder not in reminders:
            reminders.append(reminder)
    return render_mail(
        "reservation_famille",
        subject=subject,
        numbers=[number for *_, number in written],
        groups=groups,
        reminders=reminders,
    )
