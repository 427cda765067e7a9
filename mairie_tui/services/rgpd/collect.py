"""Droit d'accès: everything the database holds about one household, as plain data.

`collect_household` reads, in one read transaction, the household, its members,
their enrolments, bookings, attendance marks and absences, the household's
requests with their history, appointments, pièces justificatives (metadata;
the files are copied by the writer), the mails sent about it, and the audit
rows whose entity is one of those rows. The result holds only JSON-ready
values (str, int, bool, None, lists and dicts): the JSON file and the PDF
summary are both written from it.

Agents' identities are not part of a family's access export: an event or a
booking says "par un agent", its agent id is kept for the mairie's own trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from mairie_tui.models import (
    Absence,
    Activity,
    Appointment,
    Attendance,
    AuditEvent,
    Booking,
    Document,
    Enrolment,
    Household,
    OutboxEmail,
    Person,
    Request,
    RequestEvent,
    Unit,
)
from mairie_tui.services.errors import NotFoundError

Row = dict[str, Any]


@dataclass
class HouseholdRecord:
    """What is held about one household, section by section (JSON-ready dicts)."""

    household: Row
    members: list[Row] = field(default_factory=list)
    enrolments: list[Row] = field(default_factory=list)
    bookings: list[Row] = field(default_factory=list)
    attendance: list[Row] = field(default_factory=list)
    absences: list[Row] = field(default_factory=list)
    requests: list[Row] = field(default_factory=list)
    appointments: list[Row] = field(default_factory=list)
    documents: list[Row] = field(default_factory=list)
    mails: list[Row] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)

    @property
    def dossier(self) -> str:
        return str(self.household["dossier"])

    @property
    def household_id(self) -> int:
        return int(self.household["id"])

    def counts(self) -> dict[str, int]:
        return {
            "membres": len(self.members),
            "inscriptions": len(self.enrolments),
            "reservations": len(self.bookings),
            "pointages": len(self.attendance),
            "absences": len(self.absences),
            "demandes": len(self.requests),
            "rendez_vous": len(self.appointments),
            "pieces": len(self.documents),
            "mails": len(self.mails),
            "journal": len(self.audit),
        }


def plain(value: Any) -> Any:
    """A JSON-ready copy: dates in ISO form, everything else as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _row(model: Any, *, skip: tuple[str, ...] = ()) -> Row:
    data = model.model_dump()
    return {key: plain(value) for key, value in data.items() if key not in skip}


def _json_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def find_household(session: Session, dossier_or_id: str | int) -> Household:
    """The household by its dossier number (F-000001, case ignored) or its id."""
    household: Household | None
    if isinstance(dossier_or_id, int):
        household = session.get(Household, dossier_or_id)
    else:
        wanted = dossier_or_id.strip().upper()
        household = session.exec(select(Household).where(Household.dossier == wanted)).first()
    if household is None:
        raise NotFoundError(f"Foyer introuvable : « {dossier_or_id} ».", field="dossier")
    return household


def collect_household(session: Session, dossier_or_id: str | int) -> HouseholdRecord:
    """Everything held about one household (see the module docstring)."""
    household = find_household(session, dossier_or_id)
    assert household.id is not None
    record = HouseholdRecord(household=_row(household))
    people = session.exec(
        select(Person)
        .where(Person.household_id == household.id)
        .order_by(col(Person.position), col(Person.id))
    ).all()
    record.members = [_row(person) for person in people]
    person_ids = [int(p.id) for p in people if p.id is not None]
    enrolment_ids = _collect_enrolments(session, record, person_ids)
    _collect_bookings(session, record, enrolment_ids)
    _collect_attendance(session, record, enrolment_ids)
    record.absences = [
        _row(a)
        for a in session.exec(
            select(Absence)
            .where(col(Absence.person_id).in_(person_ids or [-1]))
            .order_by(col(Absence.start_date), col(Absence.id))
        )
    ]
    request_ids = _collect_requests(session, record, household.id)
    _collect_appointments(session, record, household.id, request_ids)
    record.documents = [
        _row(d)
        for d in session.exec(
            select(Document).where(Document.household_id == household.id).order_by(col(Document.id))
        )
    ]
    emails = {p.email for p in people if p.email} | {household.email or ""}
    record.mails = [_row(m) for m in household_mails(session, request_ids, emails)]
    _collect_audit(session, record, person_ids, enrolment_ids, request_ids)
    return record


def _collect_enrolments(
    session: Session, record: HouseholdRecord, person_ids: list[int]
) -> list[int]:
    rows = session.exec(
        select(Enrolment, Activity)
        .join(Activity, col(Activity.id) == col(Enrolment.activity_id))
        .where(col(Enrolment.person_id).in_(person_ids or [-1]))
        .order_by(col(Enrolment.start_date), col(Enrolment.id))
    ).all()
    for enrolment, activity in rows:
        row = _row(enrolment)
        row.update(activity_name=activity.name, site=activity.site, activity_code=activity.code)
        record.enrolments.append(row)
    return [int(e.id) for e, _ in rows if e.id is not None]


def _collect_bookings(session: Session, record: HouseholdRecord, enrolment_ids: list[int]) -> None:
    rows = session.exec(
        select(Booking, Unit.name, Request.number)
        .join(Unit, col(Unit.id) == col(Booking.unit_id))
        .join(Request, col(Request.id) == col(Booking.request_id), isouter=True)
        .where(col(Booking.enrolment_id).in_(enrolment_ids or [-1]))
        .order_by(col(Booking.day), col(Booking.id))
    ).all()
    for booking, unit_name, number in rows:
        row = _row(booking)
        row.update(unit_name=unit_name, request_number=number)
        record.bookings.append(row)


def _collect_attendance(
    session: Session, record: HouseholdRecord, enrolment_ids: list[int]
) -> None:
    rows = session.exec(
        select(Attendance, Unit.name)
        .join(Unit, col(Unit.id) == col(Attendance.unit_id))
        .where(col(Attendance.enrolment_id).in_(enrolment_ids or [-1]))
        .order_by(col(Attendance.day), col(Attendance.id))
    ).all()
    for mark, unit_name in rows:
        row = _row(mark)
        row["unit_name"] = unit_name
        record.attendance.append(row)


def _collect_requests(session: Session, record: HouseholdRecord, household_id: int) -> list[int]:
    requests = session.exec(
        select(Request)
        .where(Request.household_id == household_id)
        .order_by(col(Request.created_at), col(Request.id))
    ).all()
    ids = [int(r.id) for r in requests if r.id is not None]
    events: dict[int, list[Row]] = {}
    for event in session.exec(
        select(RequestEvent)
        .where(col(RequestEvent.request_id).in_(ids or [-1]))
        .order_by(col(RequestEvent.at), col(RequestEvent.id))
    ):
        events.setdefault(event.request_id, []).append(_row(event))
    for request in requests:
        row = _row(request)
        row["answers"] = _json_text(request.answers)
        row["events"] = events.get(int(request.id or 0), [])
        record.requests.append(row)
    return ids


def _collect_appointments(
    session: Session, record: HouseholdRecord, household_id: int, request_ids: list[int]
) -> None:
    record.appointments = [
        _row(a)
        for a in session.exec(
            select(Appointment)
            .where(
                or_(
                    col(Appointment.household_id) == household_id,
                    col(Appointment.request_id).in_(request_ids or [-1]),
                )
            )
            .order_by(col(Appointment.starts_at), col(Appointment.id))
        )
    ]


def household_mails(
    session: Session, request_ids: list[int], emails: set[str]
) -> list[OutboxEmail]:
    """Mails about the household's requests, and mails about no request sent to one of its
    addresses (case ignored). A mail about another household's request is that household's,
    even when it went to a shared address."""
    folded = sorted({e.strip().lower() for e in emails if e and e.strip()})
    conditions: list[Any] = [col(OutboxEmail.request_id).in_(request_ids or [-1])]
    if folded:
        conditions.append(
            and_(
                col(OutboxEmail.request_id).is_(None),
                func.lower(col(OutboxEmail.recipient)).in_(folded),
            )
        )
    return list(
        session.exec(
            select(OutboxEmail).where(or_(*conditions)).order_by(col(OutboxEmail.id))
        ).all()
    )


def _collect_audit(
    session: Session,
    record: HouseholdRecord,
    person_ids: list[int],
    enrolment_ids: list[int],
    request_ids: list[int],
) -> None:
    """Audit rows whose entity is the household or one of its rows (the whole trail, by id)."""
    targets = {
        "household": [record.household_id],
        "person": person_ids,
        "enrolment": enrolment_ids,
        "request": request_ids,
        "document": [int(d["id"]) for d in record.documents],
        "attendance": [int(a["id"]) for a in record.attendance],
        "appointment": [int(a["id"]) for a in record.appointments],
    }
    conditions = [
        and_(col(AuditEvent.entity) == entity, col(AuditEvent.entity_id).in_(ids))
        for entity, ids in targets.items()
        if ids
    ]
    rows = session.exec(
        select(AuditEvent).where(or_(*conditions)).order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    for event in rows:
        row = _row(event)
        row["details"] = _json_text(event.details)
        record.audit.append(row)
