"""Filing a démarche in one transaction: the numbered Request, its first RequestEvent,
audit rows, the démarche's own effects (appointment, cancelled bookings) and the
confirmation mail. A simulation (tarifs) is never filed: `simulate_tariffs` shows it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from mairie_tui.clock import Clock
from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import (
    Demarche,
    FieldContext,
    FieldType,
    FieldValue,
    to_json,
    validate_answers,
)
from mairie_tui.models import (
    Document,
    Household,
    Request,
    RequestEvent,
)
from mairie_tui.services.absence_effects import apply_absence
from mairie_tui.services.appointments import book_in_session, ensure_agenda
from mairie_tui.services.common import (
    Actor,
    audit,
    queue_email,
    request_number,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    InvalidAnswers,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests.demarches import RESULT_KEY, demarche_of
from mairie_tui.services.requests.lookups import (
    children_of,
    household_of,
    recipient_of,
    representative_of,
    requester_name,
)
from mairie_tui.services.requests.mails import filed_mail, filed_subject
from mairie_tui.services.requests.views import FiledRequest, RecapItem
from mairie_tui.services.requests.wizard import recap_of
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import get_or_404, writing


def _attach(
    session: Session, document_ids: Sequence[int], household_id: int | None, request_id: int
) -> list[Document]:
    documents = []
    for document_id in document_ids:
        document = get_or_404(
            session,
            Document,
            document_id,
            f"Pièce introuvable pour ce foyer (n° {document_id}).",
            where=lambda found: found.household_id == household_id,
        )
        if document.request_id is not None:
            raise RuleViolation(
                f"La pièce « {document.original_name} » est déjà jointe à une autre demande."
            )
        document.request_id = request_id
        session.add(document)
        documents.append(document)
    return documents


@requires("demarches.modifier")
@write_use_case()
def file_request(
    engine: Engine,
    *,
    code: str,
    answers: Mapping[str, str | None],
    actor: Actor,
    clock: Clock,
    household_id: int | None = None,
    appointment_at: datetime | None = None,
    document_ids: Sequence[int] = (),
) -> FiledRequest:
    """File a démarche for a household (or a passer-by with no household) in one transaction.

    `answers` are the raw texts of the form, by field code. Raises InvalidAnswers
    (every wrong field), RuleViolation, ConflictError (appointment slot just taken).
    """
    require_counter_agent(actor)
    demarche = demarche_of(code)
    now = clock.now()
    _check_filing(demarche, household_id, appointment_at)
    if demarche.appointment is not None:
        ensure_agenda(engine, demarche.appointment)
    with writing(engine, "dépôt de démarche") as session:
        household = household_of(session, household_id)
        context, values = _validated(session, demarche, answers, household_id, clock.today())
        request = _new_request(session, demarche, household_id, actor=actor, now=now)
        assert request.id is not None
        documents = _attach(session, document_ids, household_id, request.id)
        result = _run_effects(
            session,
            demarche,
            request,
            household=household,
            values=values,
            documents=documents,
            appointment_at=appointment_at,
            actor=actor,
            now=now,
        )
        _record_filing(session, demarche, request, values, result, actor=actor, now=now)
        recap = recap_of(demarche, values, context)
        attached = tuple(document.kind for document in documents)
        recipient = _mail_filed(
            session, demarche, request, values, recap, result, attached, now=now
        )
        session.flush()
        return FiledRequest(
            id=request.id,
            number=request.number,
            type=demarche.code,
            title=demarche.title,
            status=request.status,
            status_label=demarche.workflow.label(request.status),
            recipient=recipient,
            mail_queued=recipient is not None,
            recap=recap,
            result=tuple(result),
            appointment_at=request.appointment_at,
            pieces=demarche.pieces,
            attached=attached,
        )


def _check_filing(
    demarche: Demarche, household_id: int | None, appointment_at: datetime | None
) -> None:
    """What the démarche needs before anything is read: a household, an appointment slot."""
    if demarche.handler == "simulation":
        raise RuleViolation(
            f"« {demarche.title} » est une simulation : elle s'affiche au guichet, "
            "sans demande enregistrée ni mail à la famille."
        )
    if any(spec.type is FieldType.CHILD for spec in demarche.fields) and household_id is None:
        raise ServiceError(f"« {demarche.title} » se dépose pour un foyer.", field="household")
    if demarche.appointment is not None and appointment_at is None:
        raise InvalidAnswers({"rendez_vous": "Choisissez un créneau de rendez-vous."})
    if demarche.appointment is None and appointment_at is not None:
        raise ServiceError(f"« {demarche.title} » ne comporte pas de rendez-vous.")


def _validated(
    session: Session,
    demarche: Demarche,
    answers: Mapping[str, str | None],
    household_id: int | None,
    today: date,
) -> tuple[FieldContext, Mapping[str, FieldValue]]:
    """Every answer re-checked against the household's children: the typed values."""
    context = FieldContext(today=today, children=children_of(session, household_id))
    checked = validate_answers(demarche, answers, context)
    if not checked.ok:
        raise InvalidAnswers(checked.errors)
    return context, checked.values


def _new_request(
    session: Session, demarche: Demarche, household_id: int | None, *, actor: Actor, now: datetime
) -> Request:
    """The numbered Request in the démarche's first status (its answers written at the end)."""
    request = Request(
        number=request_number(session, now),
        household_id=household_id,
        type=demarche.code,
        status=demarche.workflow.initial,
        answers="{}",
        agent_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    return request


def _run_effects(
    session: Session,
    demarche: Demarche,
    request: Request,
    *,
    household: Household | None,
    values: Mapping[str, FieldValue],
    documents: Sequence[Document],
    appointment_at: datetime | None,
    actor: Actor,
    now: datetime,
) -> list[str]:
    """The démarche's own effects (absence, appointment); the result lines."""
    if demarche.handler == "absence":
        assert household is not None and household.id is not None
        return apply_absence(
            session,
            request=request,
            household_id=household.id,
            values=values,
            documents=documents,
            actor=actor,
            now=now,
        )
    if demarche.appointment is not None:
        assert appointment_at is not None
        household_id = request.household_id
        booked = book_in_session(
            session,
            spec=demarche.appointment,
            starts_at=appointment_at,
            household_id=household_id,
            request_id=request.id,
            name=requester_name(values, representative_of(session, household_id)),
            actor=actor,
            now=now,
        )
        request.appointment_at = booked.starts_at
        return [f"Rendez-vous le {fr.date_time(booked.starts_at)} ({booked.agenda_name})"]
    return []


def _record_filing(
    session: Session,
    demarche: Demarche,
    request: Request,
    values: Mapping[str, FieldValue],
    result: Sequence[str],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """The answers (and result) as JSON, the first RequestEvent and the audit row."""
    assert request.id is not None
    stored: dict[str, Any] = {key: to_json(value) for key, value in values.items()}
    if result:
        stored[RESULT_KEY] = list(result)
    request.answers = json.dumps(stored, ensure_ascii=False)
    session.add(request)
    session.add(
        RequestEvent(
            request_id=request.id,
            at=now,
            agent_id=actor.id,
            status=request.status,
            comment=f"Demande déposée au guichet par {actor.name}",
        )
    )
    audit(
        session,
        at=now,
        actor=actor,
        action="request.file",
        entity="request",
        entity_id=request.id,
        details={"number": request.number, "type": demarche.code, "status": request.status},
    )


def _mail_filed(
    session: Session,
    demarche: Demarche,
    request: Request,
    values: Mapping[str, FieldValue],
    recap: Sequence[RecapItem],
    result: Sequence[str],
    attached: Sequence[str],
    *,
    now: datetime,
) -> str | None:
    """Queue the confirmation mail; its recipient, or None when the family has no address."""
    recipient = recipient_of(session, request.household_id, values)
    if recipient:
        mail = filed_mail(demarche, request.number, request.status, recap, result, attached)
        queue_email(
            session,
            at=now,
            recipient=recipient,
            subject=filed_subject(demarche, request.number, request.status),
            body=mail.text,
            html=mail.html,
            request_id=request.id,
        )
    return recipient
