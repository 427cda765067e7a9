"""A request's page: answers in form order, result, pièces, documents, history, next moves."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.catalogue import (
    FieldContext,
    Step,
)
from mairie_tui.models import (
    Agent,
    Document,
    Household,
    Request,
    RequestEvent,
)
from mairie_tui.services.common import (
    Actor,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    NotFoundError,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests.demarches import RESULT_KEY, catalogue, status_label, type_label
from mairie_tui.services.requests.lookups import children_of, representative_of, requester_of
from mairie_tui.services.requests.views import DocumentLine, EventLine, RecapItem, RequestPage
from mairie_tui.services.requests.wizard import recap_of


def _find(session: Session, ref: int | str) -> Request:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(Request, int(ref))
    else:
        found = session.exec(select(Request).where(Request.number == ref.strip())).first()
    if found is None:
        raise NotFoundError(f"Demande introuvable (n° {ref}).")
    return found


def _piece_label(kind: str) -> str:
    piece = catalogue().pieces.get(kind)
    return piece.label if piece is not None else kind


@requires("demarches.lire")
def get_request(engine: Engine, ref: int | str, *, actor: Actor) -> RequestPage:
    """A request's page: answers in form order, result, pièces, documents, history, next moves."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        request = _find(session, ref)
        assert request.id is not None
        household = session.get(Household, request.household_id) if request.household_id else None
        representative = representative_of(session, request.household_id)
        children = children_of(session, request.household_id)
        events = _events(session, request)
        documents = session.exec(
            select(Document).where(Document.request_id == request.id).order_by(col(Document.id))
        ).all()
    stored = _stored_answers(request)
    demarche = catalogue().get(request.type)
    if demarche is not None:
        context = FieldContext(today=fr.local_date(request.created_at), children=children)
        answers = recap_of(demarche, stored, context)
        transitions = demarche.workflow.allowed(request.status)
        final = demarche.workflow.is_final(request.status)
        pieces = demarche.pieces
    else:
        answers = _raw_items(stored)
        transitions, final, pieces = (), True, ()
    rep_name = (
        f"{representative.first_name} {representative.last_name}".strip()
        if representative
        else None
    )
    return RequestPage(
        id=request.id,
        number=request.number,
        type=request.type,
        type_label=type_label(request.type),
        status=request.status,
        status_label=status_label(request.status, request.type),
        final=final,
        household_id=request.household_id,
        dossier=household.dossier if household else None,
        requester=requester_of(request, rep_name),
        created_at=request.created_at,
        updated_at=request.updated_at,
        version=request.version,
        appointment_at=request.appointment_at,
        answers=answers,
        result=tuple(str(line) for line in stored.get(RESULT_KEY) or []),
        pieces=pieces,
        documents=tuple(_document_line(doc) for doc in documents if doc.id is not None),
        events=events,
        transitions=transitions,
    )


def _stored_answers(request: Request) -> dict[str, Any]:
    try:
        stored = json.loads(request.answers)
    except ValueError:
        return {}
    return stored if isinstance(stored, dict) else {}


def _events(session: Session, request: Request) -> tuple[EventLine, ...]:
    """The request's history, oldest first, with the agent's name."""
    rows = session.exec(
        select(RequestEvent, Agent.name)
        .join(Agent, col(Agent.id) == RequestEvent.agent_id, isouter=True)
        .where(RequestEvent.request_id == request.id)
        .order_by(col(RequestEvent.at), col(RequestEvent.id))
    ).all()
    return tuple(
        EventLine(
            at=event.at,
            status=event.status,
            status_label=status_label(event.status, request.type),
            agent=agent_name or "",
            comment=event.comment,
        )
        for event, agent_name in rows
    )


def _document_line(document: Document) -> DocumentLine:
    assert document.id is not None
    return DocumentLine(
        id=document.id,
        kind=document.kind,
        kind_label=_piece_label(document.kind),
        original_name=document.original_name,
        media_type=document.media_type,
        size=document.size,
        valid_until=document.valid_until,
    )


def _raw_items(stored: Mapping[str, Any]) -> tuple[RecapItem, ...]:
    """Answers of a request outside the catalogue (a reservation's recap lines)."""
    items = []
    if isinstance(stored.get("title"), str):
        items.append(RecapItem("title", "Inscription", stored["title"], Step.REQUEST.value))
    for line in stored.get("lines") or []:
        if isinstance(line, dict) and "day" in line:
            day = date.fromisoformat(str(line["day"]))
            change = "ajouté" if line.get("change") == "add" else "annulé"
            items.append(
                RecapItem(
                    "line", fr.long_date(day), f"{line.get('unit', '')} ({change})", "demande"
                )
            )
    return tuple(items)
