"""Effacement / durée de conservation: anonymise households with no activity since a date.

`purge_households(..., apply=False)` is the dry run: it reads, writes nothing,
and says how many households, persons, pièces and mails would be anonymised,
with their dossier numbers, and which old households are kept and why.
With `apply=True`, each household is anonymised in its own transaction (a
retried write use case) after re-checking, under its row lock, that it is
still inactive and unblocked (another desk may have just booked for it).

What anonymising keeps, so that past statistics stay right: the household row
(its dossier number, postcode and commune), every person row with its role,
school and class (a child's birth date becomes 1 January of its year: age
bands stay countable), enrolments, bookings, pointage marks, absences' dates,
requests' numbers, types, statuses and dates. Headcounts of past days come from
bookings, pointage and enrolments: they do not change.

What it removes: names (« Anonyme ANONYME »), civility, phones, e-mails, the
address, the quotient familial and its document, the external id; the text of
request answers, request event comments, absence reasons and forced-booking
reasons; the names on appointments; the recipients and bodies of the mails;
the pièces justificatives (rows, and their files once no other row uses the
same content). One audit row ``household.purge`` per household, with ids and
counts only. Audit rows are never changed (the audit table is append-only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.models import (
    Absence,
    Appointment,
    Booking,
    Document,
    Enrolment,
    Household,
    OutboxEmail,
    Person,
    Request,
    RequestEvent,
)
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import ServiceError
from mairie_tui.services.permissions import requires
from mairie_tui.services.rgpd.collect import household_mails
from mairie_tui.services.rgpd.export import require_rgpd_supervisor
from mairie_tui.services.rgpd.selection import (
    PURGE_ACTION,
    active_since,
    already_purged,
    blocking_reasons,
)
from mairie_tui.services.search import reindex_household
from mairie_tui.services.transactions import lock_rows, write_use_case
from mairie_tui.services.uow import refuse_on_copy, writing

ANONYMOUS_FIRST = "Anonyme"
ANONYMOUS_LAST = "ANONYME"
ERASED = "Effacé (RGPD)"
ERASED_RECIPIENT = "(anonymisé)"
UNSENDABLE = "Foyer anonymisé (RGPD) : mail non envoyé, adresse et texte effacés."


@dataclass(frozen=True)
class KeptHousehold:
    dossier: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PurgedHousehold:
    household_id: int
    dossier: str
    persons: int
    documents: int
    mails: int
    files: tuple[str, ...] = ()


@dataclass
class PurgeReport:
    before: date
    applied: bool
    households: int = 0
    persons: int = 0
    documents: int = 0
    mails: int = 0
    dossiers: list[str] = field(default_factory=list)
    kept: list[KeptHousehold] = field(default_factory=list)
    # Dossiers that became active between the selection and their transaction.
    skipped: list[str] = field(default_factory=list)
    files_deleted: int = 0
    files_not_deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "anonymisé(s)" if self.applied else "à anonymiser (essai à blanc, rien n'est écrit)"
        text = (
            f"Sans activité depuis le {fr.short_date(self.before)} : {self.households} foyer(s) "
            f"{verb} — {self.persons} personne(s), {self.documents} pièce(s), "
            f"{self.mails} mail(s). {len(self.kept)} foyer(s) conservé(s) (motif bloquant)."
        )
        if self.skipped:
            text += f" {len(self.skipped)} foyer(s) redevenu(s) actif(s) entre-temps : laissés."
        if self.files_not_deleted:
            text += f" {len(self.files_not_deleted)} fichier(s) non supprimé(s) : voir la liste."
        return text


def _check_date(before: date, clock: Clock) -> None:
    if before > clock.today():
        raise ServiceError(
            "La date limite est dans le futur : seuls les foyers sans activité depuis une date "
            "passée peuvent être anonymisés.",
            field="before",
        )


def _candidates(
    session: Session, before: date, clock: Clock
) -> tuple[list[int], dict[int, list[str]]]:
    """(ids to anonymise, {id: reasons} of the inactive households that are kept)."""
    every = {int(i) for i in session.exec(select(Household.id)).all() if i is not None}
    inactive = every - active_since(session, before) - already_purged(session)
    reasons = blocking_reasons(session, clock.today(), clock.now())
    kept = {i: reasons[i] for i in inactive if i in reasons}
    return sorted(inactive - set(kept)), kept


def _count_by_household(session: Session, query: object) -> dict[int, int]:
    return {int(h): int(n) for h, n in session.exec(query).all()}  # type: ignore[call-overload]


def _dry_counts(session: Session, ids: list[int], report: PurgeReport) -> None:
    chosen = set(ids)
    persons = _count_by_household(
        session, select(Person.household_id, func.count()).group_by(col(Person.household_id))
    )
    documents = _count_by_household(
        session, select(Document.household_id, func.count()).group_by(col(Document.household_id))
    )
    report.persons = sum(n for h, n in persons.items() if h in chosen)
    report.documents = sum(n for h, n in documents.items() if h in chosen)
    for household_id in ids:  # mails: by request and by address, as the export finds them
        report.mails += len(_mails_of(session, household_id))


def _mails_of(session: Session, household_id: int) -> list[OutboxEmail]:
    household = session.get(Household, household_id)
    people = session.exec(select(Person).where(Person.household_id == household_id)).all()
    request_ids = [
        int(i)
        for i in session.exec(select(Request.id).where(Request.household_id == household_id))
        if i is not None
    ]
    emails = {p.email for p in people if p.email} | {household.email if household else None}
    return list(household_mails(session, request_ids, {e for e in emails if e}))


@requires("rgpd")
def purge_households(
    engine: Engine,
    *,
    before: date,
    apply: bool,
    actor: Actor,
    clock: Clock,
    data_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeReport:
    """Dry run (apply=False) or anonymisation of the households inactive since `before`."""
    require_rgpd_supervisor(actor)
    _check_date(before, clock)
    report = PurgeReport(before=before, applied=apply)
    with read_session(engine) as session:
        if apply:
            refuse_on_copy(session, "anonymisation")
        ids, kept = _candidates(session, before, clock)
        dossiers = dict(session.exec(select(Household.id, Household.dossier)).all())
        report.kept = [
            KeptHousehold(str(dossiers[i]), tuple(reasons)) for i, reasons in sorted(kept.items())
        ]
        if not apply:
            report.households = len(ids)
            report.dossiers = [str(dossiers[i]) for i in ids]
            _dry_counts(session, ids, report)
            return report
    for done, household_id in enumerate(ids, start=1):
        purged = anonymise_household(engine, household_id, before=before, actor=actor, clock=clock)
        if purged is None:
            report.skipped.append(str(dossiers[household_id]))
        else:
            report.households += 1
            report.persons += purged.persons
            report.documents += purged.documents
            report.mails += purged.mails
            report.dossiers.append(purged.dossier)
            _delete_files(engine, data_dir, purged.files, report)
        if progress is not None:
            progress(done, len(ids))
    return report


@requires("rgpd")
@write_use_case()
def anonymise_household(
    engine: Engine, household_id: int, *, before: date, actor: Actor, clock: Clock
) -> PurgedHousehold | None:
    """One household, in one transaction, after re-checking it under its row lock.

    None when it is no longer eligible (active since `before`, blocked, already purged).
    """
    require_rgpd_supervisor(actor)
    now = clock.now()
    with writing(engine, "anonymisation") as session:
        if not lock_rows(session, Household, [household_id]):
            return None
        if (
            active_since(session, before, household_id)
            or already_purged(session, household_id)
            or blocking_reasons(session, clock.today(), now, household_id)
        ):
            return None
        household = session.get(Household, household_id)
        assert household is not None
        mails = _scrub_mails(session, household_id)
        persons = _scrub_people(session, household_id)
        _scrub_requests(session, household_id)
        files = _drop_documents(session, household_id)
        _scrub_household(household, now)
        session.add(household)
        reindex_household(session, household_id)
        audit(
            session,
            at=now,
            actor=actor,
            action=PURGE_ACTION,
            entity="household",
            entity_id=household_id,
            details={
                "before": before.isoformat(),
                "persons": persons,
                "documents": len(files),
                "mails": mails,
            },
        )
        return PurgedHousehold(
            household_id, household.dossier, persons, len(files), mails, tuple(files)
        )


def _scrub_household(household: Household, now: datetime) -> None:
    household.address = ""
    household.phone = None
    household.email = None
    household.quotient_familial = None
    household.qf_valid_until = None
    household.qf_document_id = None
    household.external_id = None
    household.version += 1
    household.updated_at = now


def _scrub_mails(session: Session, household_id: int) -> int:
    """Before the people lose their addresses: mails are also found by recipient."""
    mails = _mails_of(session, household_id)
    for mail in mails:
        mail.recipient = ERASED_RECIPIENT
        mail.body = ""
        if mail.sent_at is None:
            # Without SMTP, mails stay unsent for ever: an old one is not a reason to keep
            # a family; it can no longer be sent (no address), which its error says.
            mail.last_error = UNSENDABLE
        session.add(mail)
    return len(mails)


def _scrub_people(session: Session, household_id: int) -> int:
    people = session.exec(select(Person).where(Person.household_id == household_id)).all()
    person_ids = [p.id for p in people]
    for person in people:
        person.civility = None
        person.first_name = ANONYMOUS_FIRST
        person.last_name = ANONYMOUS_LAST
        person.phone = None
        person.email = None
        keep_year = person.role == "child" and person.birth_date is not None
        person.birth_date = date(person.birth_date.year, 1, 1) if keep_year else None  # type: ignore[union-attr]
        session.add(person)
    for absence in session.exec(select(Absence).where(col(Absence.person_id).in_(person_ids))):
        absence.reason = ERASED
        absence.document_id = None
        session.add(absence)
    forced = session.exec(
        select(Booking)
        .join(Enrolment, col(Enrolment.id) == col(Booking.enrolment_id))
        .where(col(Enrolment.person_id).in_(person_ids), col(Booking.forced_reason).is_not(None))
    ).all()
    for booking in forced:
        booking.forced_reason = ERASED
        session.add(booking)
    return len(people)


def _scrub_requests(session: Session, household_id: int) -> None:
    requests = session.exec(select(Request).where(Request.household_id == household_id)).all()
    request_ids = [r.id for r in requests]
    for request in requests:
        request.answers = "{}"
        session.add(request)
    for event in session.exec(
        select(RequestEvent).where(col(RequestEvent.request_id).in_(request_ids))
    ):
        event.comment = ""
        session.add(event)
    for appointment in session.exec(
        select(Appointment).where(
            (col(Appointment.household_id) == household_id)
            | col(Appointment.request_id).in_(request_ids)
        )
    ):
        appointment.name = ANONYMOUS_FIRST
        session.add(appointment)


def _drop_documents(session: Session, household_id: int) -> list[str]:
    """Delete the household's pièces; their stored paths (files removed after the commit)."""
    documents = session.exec(select(Document).where(Document.household_id == household_id)).all()
    paths = [d.path for d in documents]
    for document in documents:
        session.delete(document)
    session.flush()
    return paths


def _delete_files(
    engine: Engine, data_dir: Path, paths: tuple[str, ...], report: PurgeReport
) -> None:
    """Remove the stored files no document row uses any more (same content = same file)."""
    if not paths:
        return
    with read_session(engine) as session:
        still_used = set(
            session.exec(select(Document.path).where(col(Document.path).in_(list(paths)))).all()
        )
    root = data_dir.resolve()
    for stored in sorted(set(paths) - still_used):
        path = (data_dir / stored).resolve()
        if root not in path.parents:
            report.files_not_deleted.append(stored)
            continue
        try:
            path.unlink(missing_ok=True)
            report.files_deleted += 1
        except OSError:
            report.files_not_deleted.append(stored)
