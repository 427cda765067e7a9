"""A request's workflow: each allowed status change writes an event, an audit row and a
mail to the family.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, update
from sqlmodel import col

from mairie_tui.clock import Clock
from mairie_tui.db import unit_of_work
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
    NotFoundError,
    RuleViolation,
)
from mairie_tui.services.offline import ensure_writable
from mairie_tui.services.requests.demarches import SIGNATURE, catalogue, type_label
from mairie_tui.services.requests.lookups import recipient_of
from mairie_tui.services.requests.page import get_request
from mairie_tui.services.requests.views import RequestPage


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
    with unit_of_work(engine) as session:
        ensure_writable(session, "changement de statut")
        request = session.get(Request, request_id)
        if request is None:
            raise NotFoundError(f"Demande introuvable (n° {request_id}).")
        demarche = catalogue().get(request.type)
        if demarche is None:
            raise RuleViolation(
                f"Une demande « {type_label(request.type)} » n'a pas de circuit d'instruction."
            )
        expected = request.version if version is None else version
        source = request.status
        try:
            transition = demarche.workflow.check(source, target, comment)
        except WorkflowError as exc:
            raise RuleViolation(exc.message) from None
        bumped = session.execute(
            update(Request)
            .where(col(Request.id) == request_id, col(Request.version) == expected)
            .values(
                version=col(Request.version) + 1, status=target, updated_at=now, agent_id=actor.id
            )
        )
        if bumped.rowcount == 0:  # type: ignore[attr-defined]
            raise ConflictError(
                f"Un autre poste a modifié la demande n° {request.number} entre-temps : "
                "rechargez-la."
            )
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
        try:
            values = json.loads(request.answers)
        except ValueError:
            values = {}
        recipient = recipient_of(
            session, request.household_id, values if isinstance(values, dict) else {}
        )
        if recipient:
            label = demarche.workflow.label(target)
            body = [
                "Bonjour,",
                "",
                f"Votre demande n° {request.number} ({demarche.title}) est maintenant : {label}.",
            ]
            if comment:
                body += ["", f"Message de la mairie : {comment}"]
            body += ["", SIGNATURE]
            queue_email(
                session,
                at=now,
                recipient=recipient,
                subject=f"Votre demande n° {request.number} : {label.lower()}",
                body="\n".join(body),
                request_id=request_id,
            )
    return get_request(engine, request_id, actor=actor)
