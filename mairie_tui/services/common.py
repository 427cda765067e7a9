"""Helpers shared by the use cases: audit trail, outbox, numbering, the acting agent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from mairie_tui.models import AuditEvent, Counter, OutboxEmail


@dataclass(frozen=True)
class Actor:
    """The signed-in agent on whose behalf a use case runs (plain data)."""

    id: int | None
    login: str
    name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"


KNOWN_ROLES = ("agent", "supervisor", "staff")


def require_counter_agent(actor: Actor) -> None:
    """Refuse school staff: households, bookings and démarches are for counter agents."""
    from mairie_tui.services.errors import PermissionDenied

    if actor.role not in KNOWN_ROLES:
        raise PermissionDenied("Rôle inconnu : action refusée.")
    if actor.is_staff:
        raise PermissionDenied("Le personnel des écoles n'a accès qu'aux listes et au pointage.")


SYSTEM_ACTOR = Actor(id=None, login="systeme", name="Système", role="supervisor")


def audit(
    session: Session,
    *,
    at: datetime,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the current transaction."""
    event = AuditEvent(
        at=at,
        agent_id=actor.id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        details=json.dumps(details or {}, ensure_ascii=False, default=str, sort_keys=True),
    )
    session.add(event)
    return event


def queue_email(
    session: Session,
    *,
    at: datetime,
    recipient: str,
    subject: str,
    body: str,
    request_id: int | None = None,
) -> OutboxEmail:
    """Put a mail to a family in the outbox (sent later, never lost)."""
    mail = OutboxEmail(
        recipient=recipient, subject=subject, body=body, request_id=request_id, created_at=at
    )
    session.add(mail)
    return mail


def next_number(session: Session, name: str) -> int:
    """Next value of a named counter, inside the caller's transaction.

    The UPDATE takes the row lock first, so concurrent desks get distinct
    numbers on PostgreSQL as on SQLite.
    """
    result = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1)  # type: ignore[arg-type]
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    value = session.exec(select(Counter.value).where(Counter.name == name)).one()
    return int(value)


def request_number(session: Session, now: datetime) -> str:
    """A request number such as 2026-000042, per calendar year."""
    year = now.year
    return f"{year}-{next_number(session, f'request-{year}'):06d}"
