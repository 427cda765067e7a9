"""A family's history (supervisors): the audit rows about a household and what hangs off it.

The rows are found by entity and id (index ix_auditevent_entity, migration
0008): the household itself, its members, their enrolments (and the booking
changes recorded on them), its requests, documents and appointments. Each
comes back as plain data with the agent's name, a French label and a French
summary of what changed (from the {"avant", "après"} diffs the audit rows
carry; rows written before those diffs say what they recorded).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select

from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.household_rules import ROLE_LABELS
from mairie_tui.models import (
    Agent,
    Appointment,
    AuditEvent,
    Document,
    Enrolment,
    Household,
    Person,
    Request,
)
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import NotFoundError, PermissionDenied, ServiceError
from mairie_tui.services.permissions import requires

ACTION_LABELS = {
    "household.create": "Création du foyer",
    "household.update": "Modification du foyer",
    "household.import": "Import du foyer",
    "enrolment.create": "Inscription",
    "enrolment.activate": "Validation de l'inscription",
    "booking.validate": "Réservations modifiées",
    "booking.force": "Réservation forcée",
    "request.file": "Demande déposée",
    "request.status": "Suivi de demande",
    "document.attach": "Pièce ajoutée",
    "absence.declare": "Absence signalée",
    "appointment.book": "Rendez-vous pris",
    "appointment.cancel": "Rendez-vous annulé",
    "custody.set": "Garde alternée",
    "custody.clear": "Garde alternée retirée",
}
FIELD_LABELS = {
    "address": "adresse",
    "postcode": "code postal",
    "commune_insee": "code INSEE",
    "commune_name": "commune",
    "phone": "téléphone",
    "email": "e-mail",
    "quotient_familial": "quotient familial",
    "qf_valid_until": "QF valable jusqu'au",
    "external_id": "identifiant externe",
    "role": "rôle",
    "civility": "civilité",
    "first_name": "prénom",
    "last_name": "nom",
    "birth_date": "date de naissance",
    "school": "école",
    "school_class": "classe",
    "allergens": "allergies",
    "diet": "régime",
    "pai_until": "PAI valable jusqu'au",
    "pai_document": "document du PAI",
    "status": "statut",
    "start_date": "début",
    "end_date": "fin",
}
STATUS_LABELS = {"pending": "pré-inscription", "active": "active", "ended": "terminée"}
PERSON_CHANGE_LABELS = {"ajout": "ajout", "retrait": "retrait", "modification": "modification"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class HistoryEntry:
    """One audit row about the family, ready to show."""

    at: datetime
    agent: str
    action: str
    label: str
    entity: str
    entity_id: int | None
    summary: str
    details: dict[str, Any]


@dataclass(frozen=True)
class HouseholdHistory:
    household_id: int
    dossier: str
    representative: str
    entries: tuple[HistoryEntry, ...]


def _dossier(text: str) -> str:
    """F-000001 as typed (f-1, 1, 000001 too)."""
    cleaned = text.strip().upper()
    digits = cleaned[2:] if cleaned.startswith("F-") else cleaned
    if not digits.isdigit():
        raise ServiceError(f"Numéro de dossier invalide : « {text} » (ex. F-000001).")
    return f"F-{int(digits):06d}"


@requires("foyers.historique")
def household_history(engine: Engine, dossier: str, *, actor: Actor) -> HouseholdHistory:
    """The audit trail of a household, oldest first; supervisors only."""
    if not actor.is_supervisor:
        raise PermissionDenied("L'historique d'un foyer est réservé aux superviseurs.")
    number = _dossier(dossier)
    with read_session(engine) as session:
        household = session.exec(select(Household).where(Household.dossier == number)).first()
        if household is None or household.id is None:
            raise NotFoundError(f"Foyer introuvable (dossier {number}).")
        representative = session.exec(
            select(Person).where(
                Person.household_id == household.id, Person.role == "representative"
            )
        ).first()
        rows = session.exec(
            select(AuditEvent, Agent.name)
            .join(Agent, col(Agent.id) == col(AuditEvent.agent_id), isouter=True)
            .where(_about(session, household.id))
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
        entries = tuple(_entry(event, name) for event, name in rows)
        return HouseholdHistory(
            household_id=household.id,
            dossier=household.dossier,
            representative=f"{representative.first_name} {representative.last_name}"
            if representative is not None
            else "",
            entries=entries,
        )


def _about(session: Session, household_id: int) -> Any:
    """The WHERE clause: rows whose entity is the household or one of its things."""
    person_ids = list(session.exec(select(Person.id).where(Person.household_id == household_id)))
    owned: dict[str, list[Any]] = {
        "household": [household_id],
        "person": person_ids,
        "enrolment": list(
            session.exec(select(Enrolment.id).where(col(Enrolment.person_id).in_(person_ids)))
        ),
        "request": list(
            session.exec(select(Request.id).where(Request.household_id == household_id))
        ),
        "document": list(
            session.exec(select(Document.id).where(Document.household_id == household_id))
        ),
        "appointment": list(
            session.exec(select(Appointment.id).where(Appointment.household_id == household_id))
        ),
    }
    return or_(
        *(
            and_(col(AuditEvent.entity) == entity, col(AuditEvent.entity_id).in_(ids))
            for entity, ids in owned.items()
            if ids
        )
    )


def _entry(event: AuditEvent, agent_name: str | None) -> HistoryEntry:
    try:
        details = json.loads(event.details or "{}")
    except ValueError:
        details = {"texte": event.details}
    if not isinstance(details, dict):
        details = {"valeur": details}
    label = ACTION_LABELS.get(event.action, event.action)
    if event.action == "enrolment.create" and details.get("status") == "pending":
        label = "Pré-inscription"
    return HistoryEntry(
        at=event.at,
        agent=agent_name or "Système",
        action=event.action,
        label=label,
        entity=event.entity,
        entity_id=event.entity_id,
        summary=summary(event.action, details),
        details=details,
    )


def show_value(value: Any) -> str:
    """A recorded value in French: dates JJ/MM/AAAA, nothing as « (vide) »."""
    if value is None or value == "":
        return "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and _ISO_DAY.match(value):
        return fr.short_date(date.fromisoformat(value))
    if isinstance(value, str) and value in STATUS_LABELS:
        return STATUS_LABELS[value]
    if isinstance(value, str) and value in ROLE_LABELS:
        return ROLE_LABELS[value]
    return str(value)


def describe_changes(diff: Any) -> str:
    """« adresse : 1 rue A → 2 rue B ; téléphone : (vide) → 06… »."""
    if not isinstance(diff, dict):
        return ""
    parts = []
    for field, change in diff.items():
        if not isinstance(change, dict):
            continue
        name = FIELD_LABELS.get(field, field)
        parts.append(
            f"{name} : {show_value(change.get('avant'))} → {show_value(change.get('après'))}"
        )
    return " ; ".join(parts)


def _persons(entries: Any) -> list[str]:
    lines = []
    for entry in entries if isinstance(entries, list) else []:
        kind = PERSON_CHANGE_LABELS.get(entry.get("change"), str(entry.get("change")))
        role = ROLE_LABELS.get(entry.get("role"), str(entry.get("role")))
        line = f"{kind} {role} {entry.get('name', '')}".strip()
        if kind == "modification" and entry.get("changes"):
            line += f" ({describe_changes(entry['changes'])})"
        lines.append(line)
    return lines


def summary(action: str, details: dict[str, Any]) -> str:
    """What an audit row says, in one French line."""
    if action.startswith("household."):
        parts = []
        if action == "household.update" and details.get("changes"):
            parts.append(describe_changes(details["changes"]))
        parts += _persons(details.get("persons"))
        if not parts and "version" in details:
            parts.append(f"version {details['version']}")
        return " ; ".join(parts) or str(details.get("dossier", ""))
    if action.startswith("enrolment."):
        who = details.get("child_name") or (
            f"enfant n° {details['child']}" if "child" in details else ""
        )
        what = " · ".join(str(p) for p in (who, details.get("activity")) if p)
        diff = describe_changes(details.get("changes"))
        return f"{what} : {diff}" if what and diff else what or diff
    if action == "request.status":
        return (
            f"{details.get('number', '')} : {details.get('from', '')} → {details.get('to', '')}"
            + (f" ({details['comment']})" if details.get("comment") else "")
        )
    if action == "request.file":
        return f"{details.get('number', '')} · {details.get('type', '')}"
    if action == "booking.validate":
        return (
            f"{details.get('request', '')} : {details.get('added', 0)} ajout(s), "
            f"{details.get('removed', 0)} retrait(s)"
        )
    if action == "booking.force":
        return (
            f"{show_value(details.get('day'))} · {details.get('unit', '')} : "
            f"{details.get('reason') or ''}"
        )
    if action == "absence.declare":
        return f"{show_value(details.get('from'))} → {show_value(details.get('to'))}"
    if action == "document.attach":
        return str(details.get("kind", ""))
    return ", ".join(f"{key} : {show_value(value)}" for key, value in details.items())


__all__ = [
    "ACTION_LABELS",
    "HistoryEntry",
    "HouseholdHistory",
    "describe_changes",
    "household_history",
    "show_value",
    "summary",
]
