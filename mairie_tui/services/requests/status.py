"""A request's workflow: each allowed status change writes an event, an audit row and a
mail to the family.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from mairie_tui.clock import Clock
from mairie_tui.domain.catalogue import Demarche
from mairie_tui.domain.workflow import WorkflowError
from mairie_tui.models import (
    Request,
    RequestEvent,
)
from mairie_tui.services.appointments import release_for_request
from mairie_tui.services.common import (
    Actor,
    audit,
    queue_email,
    require_counter_agent,
)
from mairie_tui.services.errors import (
    ConflictError,
    RuleViolation,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.requests.demarches import catalogue, type_label
from mairie_tui.services.requests.lookups import recipient_of
from mairie_tui.services.requests.mails import status_mail
from mairie_tui.services.requests.page import get_request
from mairie_tui.services.requests.views import RequestPage
from mairie_tui.services.uow import get_or_404, writing


@requires("demarches.modifier")
def change_status(
    engine: Engine,
    request_id: int,
    target: str,
    *,
    actor: Actor,
    clock: Clock,
    comment: str = "",
    version: int | None = None,
) -> RequestPage:
    """Move a request along its workflow; mails the family. A refusal needs a comment.

    `version` is the one the page was loaded at: another desk's change in
    between gives ConflictError.
    """
    require_counter_agent(actor)
    now = clock.now()
    comment = comment.strip()
    with writing(engine, "changement de statut") as session:
        request, demarche = _request_and_demarche(session, request_id)
        expected = request.version if version is None else version
        source = request.status
        try:
            transition = demarche.workflow.check(source, target, comment)
        except WorkflowError as exc:
            raise RuleViolation(exc.message) from None
        _bump(session, request, expected, target, actor=actor, now=now)
        session.add(
            RequestEvent(
                request_id=request_id, at=now, agent_id=actor.id, status=target, comment=comment
            )
        )
        audit(
            session,
            at=now,
            actor=actor,
            action="request.status",
            entity="request",
            entity_id=request_id,
            details={"number": request.number, "from": source, "to": target, "comment": comment},
        )
        if demarche.workflow.is_final(target) and target != "traitee":
            release_for_request(session, request_id, now=now, reason=transition.label)
        _mail_status(session, request, demarche, target, comment, now=now)
    return get_request(engine, request_id, actor=actor)


def _request_and_demarche(session: Session, request_id: int) -> tuple[Request, Demarche]:
    request = get_or_404(session, Request, request_id)
    demarche = catalogue().get(request.type)
    if demarche is None:
        raise RuleViolation(
            f"Une demande « {type_label(request.type)} » n'a pas de circuit d'instruction."
        )
    return request, demarche


def _bump(
    session: Session, request: Request, expected: int, target: str, *, actor: Actor, now: datetime
) -> None:
    """The new status, if the request is still at the version the page was loaded at."""
    bumped = session.execute(
        update(Request)
        .where(col(Request.id) == request.id, col(Request.version) == expected)
        .values(version=col(Request.version) + 1, status=target, updated_at=now, agent_id=actor.id)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        raise ConflictError(
            f"Un autre poste a modifié la demande n° {request.number} entre-temps : rechargez-la."
        )


def _mail_status(
    session: Session,
    request: Request,
    demarche: Demarche,
    target: str,
    comment: str,
    *,
    now: datetime,
) -> None:
    """Tell the family the request's new status (when it has an address)."""
    try:
        values = json.loads(request.answers)
    except ValueError:
        values = {}
    recipient = recipient_of(
        session, request.household_id, values if isinstance(values, dict) else {}
    )
    if recipient:
        label = demarche.workflow.label(target)
        subject = f"Votre demande n° {request.number} : {label.lower()}"
        mail = status_mail(demarche, request.number, label, comment, subject=subject)
        queue_email(
            session,
            at=now,
            recipient=recipient,
            subject=subject,
            body=mail.text,
            html=mail.html,
            request_id=request.id,
        )
