"""Helpers shared by the use cases: audit trail, outbox, numbering, the acting agent."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from mairie_tui.models import AuditEvent, Counter, OutboxEmail


@dataclass(frozen=True)
class Actor:
    """The signed-in agent on whose behalf a use case runs (plain data)."""

    id: int | None
    login: str
    name: str
    role: str
    # The sites a staff member is attached to (read at sign-in, table agent_site);
    # agents and supervisors see every site whatever it holds.
    sites: tuple[str, ...] = ()

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


SECRET_FIELDS = ("password_hash", "password", "token", "secret")
MASK = "***"


def _plain(value: Any) -> Any:
    """A value as the audit's JSON keeps it (dates in ISO, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    secret_fields: tuple[str, ...] = SECRET_FIELDS,
) -> dict[str, dict[str, Any]]:
    """The fields that differ, as {"field": {"avant": …, "après": …}} (sorted by field).

    A field missing on one side counts as None (a creation diffs against {}).
    A secret (password hash…) that changed is recorded as "***" on both
    sides: the journal says it changed, never what it was or became.
    """
    diff: dict[str, dict[str, Any]] = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in secret_fields:
            diff[field] = {
                "avant": MASK if old is not None else None,
                "après": MASK if new is not None else None,
            }
        else:
            diff[field] = {"avant": _plain(old), "après": _plain(new)}
    return diff


def fields_of(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a model or dataclass, as a dict for `changes`."""
    return {name: getattr(row, name) for name in names}


def queue_email(
    session: Session,
    *,
    at: datetime,
    recipient: str,
    subject: str,
    body: str,
    html: str | None = None,
    request_id: int | None = None,
) -> OutboxEmail:
    """Put a mail to a family in the outbox (sent later by services/outbox.py, never lost):
    its plain text `body` and, when rendered from a template, its `html` part."""
    mail = OutboxEmail(
        recipient=recipient,
        subject=subject,
        body=body,
        body_html=html,
        request_id=request_id,
        created_at=at,
    )
    session.add(mail)
    return mail


def _insert_counter_if_missing(session: Session, name: str, start: int) -> None:
    """INSERT the counter row unless it exists, without ever raising a duplicate key."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(Counter).on_conflict_do_nothing(index_elements=["name"])
    else:
        statement = sqlite.insert(Counter).on_conflict_do_nothing(index_elements=["name"])
    session.execute(statement.values(name=name, value=start))


def next_numbers(
    session: Session, name: str, count: int = 1, *, start: Callable[[], int] | None = None
) -> list[int]:
    """Reserve `count` consecutive values of a named counter, inside the caller's transaction.

    Race-free on PostgreSQL as on SQLite: the row is created with
    INSERT … ON CONFLICT DO NOTHING (a desk that loses that race simply finds
    the row), then UPDATE … RETURNING takes the row lock and reads the new
    value in one statement, so two desks never get the same number. `start`
    gives the value a missing counter starts from (default 0).
    """
    if count <= 0:
        return []
    bump = (
        update(Counter)
        .where(col(Counter.name) == name)
        .values(value=col(Counter.value) + count)
        .returning(col(Counter.value))
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is None:
        _insert_counter_if_missing(session, name, start() if start is not None else 0)
        last = session.execute(bump).scalar_one()
    return list(range(int(last) - count + 1, int(last) + 1))


def next_number(session: Session, name: str) -> int:
    """Next value of a named counter, inside the caller's transaction (see next_numbers)."""
    return next_numbers(session, name)[0]


def request_number(session: Session, now: datetime) -> str:
    """A request number such as 2026-000042, per calendar year."""
    year = now.year
    return f"{year}-{next_number(session, f'request-{year}'):06d}"
