"""Filing a démarche in one transaction: the numbered Request, its first RequestEvent,
audit rows, the démarche's own effects (appointment, cancelled bookings, simulation)
and the confirmation mail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from mairie_tui.clock import Clock
from mairie_tui.db import unit_of_work
from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import (
    FieldContext,
    FieldType,
    to_json,
    validate_answers,
)
from mairie_tui.models import (
    Document,
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
    NotFoundError,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.offline import ensure_writable
from mairie_tui.services.requests.demarches import RESULT_KEY, demarche_of
from mairie_tui.services.requests.lookups import (
    children_of,
    household_of,
    recipient_of,
    representative_of,
    requester_name,
)
from mairie_tui.services.requests.mails import filed_body, filed_subject
from mairie_tui.services.requests.tariffs import simulate
from mairie_tui.services.requests.views import FiledRequest
from mairie_tui.services.requests.wizard import recap_of
from mairie_tui.services.transactions import write_use_case


def _attach(
    session: Session, document_ids: Sequence[int], household_id: int | None, request_id: int
) -> list[Document]:
    documents = []
    for document_id in document_ids:
        document = session.get(Document, document_id)
        if document is None or document.household_id != household_id:
            raise NotFoundError(f"Pièce introuvable pour ce foyer (n° {document_id}).")
        if document.request_id is not None:
            raise RuleViolation(
                f"La pièce « {document.original_name} » est déjà jointe à une autre demande."
            )
        document.request_id = request_id
        session.add(document)
        documents.append(document)
    return documents


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
    if any(spec.type is FieldType.CHILD for spec in demarche.fields) and household_id is None:
        raise ServiceError(f"« {demarche.title} » se dépose pour un foyer.", field="household")
    if demarche.appointment is not None and appointment_at is None:
        raise InvalidAnswers({"rendez_vous": "Choisissez un créneau de rendez-vous."})
    if demarche.appointment is None and appointment_at is not None:
        raise ServiceError(f"« {demarche.title} » ne comporte pas de rendez-vous.")
    if demarche.appointment is not None:
        ensure_agenda(engine, demarche.appointment)
    with unit_of_work(engine) as session:
        ensure_writable(session, "dépôt de démarche")
        household = household_of(session, household_id)
        context = FieldContext(today=clock.today(), children=children_of(session, household_id))
        checked = validate_answers(demarche, answers, context)
        if not checked.ok:
            raise InvalidAnswers(checked.errors)
        values = checked.values
        stored: dict[str, Any] = {key: to_json(value) for key, value in values.items()}
        number = request_number(session, now)
        status = demarche.workflow.initial
        request = Request(
            number=number,
            household_id=household_id,
            type=demarche.code,
            status=status,
            answers="{}",
            agent_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        session.flush()
        assert request.id is not None
        documents = _attach(session, document_ids, household_id, request.id)
        result: list[str] = []
        if demarche.handler == "absence":
            assert household_id is not None
            result = apply_absence(
                session,
                request=request,
                household_id=household_id,
                values=values,
                documents=documents,
                actor=actor,
                now=now,
            )
        elif demarche.handler == "simulation":
            simulation = simulate(session, household, values)
            result = list(simulation.summary())
        elif demarche.appointment is not None:
            assert appointment_at is not None
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
            result = [f"Rendez-vous le {fr.date_time(booked.starts_at)} ({booked.agenda_name})"]
        if result:
            stored[RESULT_KEY] = result
        request.answers = json.dumps(stored, ensure_ascii=False)
        session.add(request)
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                agent_id=actor.id,
                status=status,
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
            details={"number": number, "type": demarche.code, "status": status},
        )
        recap = recap_of(demarche, values, context)
        recipient = recipient_of(session, household_id, values)
        if recipient:
            queue_email(
                session,
                at=now,
                recipient=recipient,
                subject=filed_subject(demarche, number, status),
                body=filed_body(demarche, number, status, recap, result),
                request_id=request.id,
            )
        session.flush()
        return FiledRequest(
            id=request.id,
            number=number,
            type=demarche.code,
            title=demarche.title,
            status=status,
            status_label=demarche.workflow.label(status),
            recipient=recipient,
            mail_queued=recipient is not None,
            recap=recap,
            result=tuple(result),
            appointment_at=request.appointment_at,
            pieces=demarche.pieces,
        )
