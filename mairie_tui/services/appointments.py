"""Appointments (« Mon rendez-vous »): agenda slots, booking, freeing a refused request's slot.

An agenda (the titres desk) has opening hours per weekday and a slot length
set by the mairie; its defaults come from the catalogue and are written to
the `agenda` table on first use. A slot is taken by one live Appointment row:
the unique constraint (agenda, start, held) makes the database refuse a
second one, so two desks booking the same slot at the same moment get one
success and one ConflictError, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mairie_tui.clock import PARIS, Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.domain.catalogue import AgendaSpec, default_catalogue
from mairie_tui.models.demarches import Agenda, Appointment
from mairie_tui.services.common import Actor, audit, require_counter_agent
from mairie_tui.services.errors import (
    ConflictError,
    NotFoundError,
    RuleViolation,
)
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import write_use_case
from mairie_tui.services.uow import writing


@dataclass(frozen=True)
class AgendaView:
    id: int | None
    code: str
    name: str
    slot_minutes: int
    opening: dict[int, tuple[tuple[time, time], ...]]
    days_ahead: int

    def hours_text(self, weekday: int) -> str:
        """`08h30-12h00, 13h30-17h00` or `fermé`."""
        ranges = self.opening.get(weekday) or ()
        if not ranges:
            return "fermé"
        return ", ".join(f"{a:%Hh%M}-{b:%Hh%M}" for a, b in ranges)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    free: bool

    @property
    def label(self) -> str:
        """`08h30`."""
        return f"{self.starts_at.astimezone(PARIS):%Hh%M}"


@dataclass(frozen=True)
class AppointmentView:
    id: int
    agenda_code: str
    agenda_name: str
    starts_at: datetime
    ends_at: datetime
    household_id: int | None
    request_id: int | None
    name: str
    live: bool

    @property
    def text(self) -> str:
        return f"{fr.date_time(self.starts_at)} ({self.agenda_name})"


# ---------------------------------------------------------------- agendas


def _spec_of(code: str) -> AgendaSpec:
    for demarche in default_catalogue().demarches:
        if demarche.appointment is not None and demarche.appointment.code == code:
            return demarche.appointment
    raise NotFoundError(f"Agenda inconnu : « {code} ».")


def _opening_json(opening: dict[int, tuple[tuple[time, time], ...]]) -> str:
    return json.dumps(
        {
            str(day): [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in ranges]
            for day, ranges in sorted(opening.items())
        }
    )


def _view(agenda: Agenda) -> AgendaView:
    raw = json.loads(agenda.opening or "{}")
    opening = {
        int(day): tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in ranges)
        for day, ranges in raw.items()
    }
    return AgendaView(
        agenda.id, agenda.code, agenda.name, agenda.slot_minutes, opening, agenda.days_ahead
    )


def _spec_view(spec: AgendaSpec) -> AgendaView:
    return AgendaView(
        None, spec.code, spec.name, spec.slot_minutes, dict(spec.opening), spec.days_ahead
    )


def _agenda_row(session: Session, code: str) -> Agenda | None:
    return session.exec(select(Agenda).where(Agenda.code == code)).first()


def ensure_agenda(engine: Engine, spec: AgendaSpec) -> int:
    """The agenda's id, creating it from the catalogue's defaults on first use."""
    with read_session(engine) as session:
        found = _agenda_row(session, spec.code)
        if found is not None and found.id is not None:
            return found.id
    try:
        with writing(engine, "création d'agenda") as session:
            agenda = Agenda(
                code=spec.code,
                name=spec.name,
                slot_minutes=spec.slot_minutes,
                opening=_opening_json(dict(spec.opening)),
                days_ahead=spec.days_ahead,
            )
            session.add(agenda)
            session.flush()
            assert agenda.id is not None
            return agenda.id
    except IntegrityError:
        # Another desk created it at the same moment.
        with read_session(engine) as session:
            found = _agenda_row(session, spec.code)
            assert found is not None and found.id is not None
            return found.id


@requires("demarches.lire")
def get_agenda(engine: Engine, code: str, *, actor: Actor) -> AgendaView:
    """An agenda's settings (from the table, else the catalogue's defaults)."""
    require_counter_agent(actor)
    with read_session(engine) as session:
        found = _agenda_row(session, code)
    return _view(found) if found is not None else _spec_view(_spec_of(code))


# ---------------------------------------------------------------- slots


def _day_starts(agenda: AgendaView, day: date) -> list[tuple[datetime, datetime]]:
    if HolidayCalendar(school=False).is_public_holiday(day):
        return []
    step = timedelta(minutes=agenda.slot_minutes)
    slots = []
    for start, end in agenda.opening.get(day.weekday(), ()):
        moment = datetime.combine(day, start, tzinfo=PARIS)
        last = datetime.combine(day, end, tzinfo=PARIS)
        while moment + step <= last:
            slots.append((moment, moment + step))
            moment += step
    return slots


def _slot_problem(agenda: AgendaView, starts_at: datetime, now: datetime) -> str | None:
    if starts_at.tzinfo is None:
        return "Heure de rendez-vous sans fuseau horaire."
    local = starts_at.astimezone(PARIS)
    if local <= now:
        return f"Le créneau du {fr.date_time(local)} est déjà passé."
    if local.date() > now.astimezone(PARIS).date() + timedelta(days=agenda.days_ahead):
        return f"Les rendez-vous se prennent au plus {agenda.days_ahead} jours à l'avance."
    if all(start != local for start, _ in _day_starts(agenda, local.date())):
        return (
            f"Le {fr.date_time(local)} n'est pas un créneau de « {agenda.name} » "
            f"(le {fr.day_name(local.date())} : {agenda.hours_text(local.weekday())}, "
            f"créneaux de {agenda.slot_minutes} min)."
        )
    return None


def _taken(
    session: Session, agenda_id: int | None, first: datetime, last: datetime
) -> set[datetime]:
    if agenda_id is None:
        return set()
    return set(
        session.exec(
            select(Appointment.starts_at).where(
                Appointment.agenda_id == agenda_id,
                col(Appointment.held).is_(True),
                Appointment.starts_at >= first,
                Appointment.starts_at < last,
            )
        ).all()
    )


@requires("demarches.lire")
def day_slots(engine: Engine, code: str, day: date, *, actor: Actor, clock: Clock) -> list[Slot]:
    """Every slot of a day that is still ahead, free or taken."""
    require_counter_agent(actor)
    now = clock.now()
    with read_session(engine) as session:
        found = _agenda_row(session, code)
        agenda = _view(found) if found is not None else _spec_view(_spec_of(code))
        first = datetime.combine(day, time.min, tzinfo=PARIS)
        taken = _taken(session, agenda.id, first, first + timedelta(days=1))
    return [
        Slot(start, end, start not in taken)
        for start, end in _day_starts(agenda, day)
        if start > now
    ]


@requires("demarches.lire")
def next_free_slots(
    engine: Engine, code: str, *, actor: Actor, clock: Clock, limit: int = 20
) -> list[Slot]:
    """The first free slots from now on (the « prochains créneaux » list)."""
    agenda = get_agenda(engine, code, actor=actor)
    day = clock.today()
    found: list[Slot] = []
    for offset in range(agenda.days_ahead + 1):
        found += [
            slot
            for slot in day_slots(
                engine, code, day + timedelta(days=offset), actor=actor, clock=clock
            )
            if slot.free
        ]
        if len(found) >= limit:
            break
    return found[:limit]


# ---------------------------------------------------------------- booking


def book_in_session(
    session: Session,
    *,
    spec: AgendaSpec,
    starts_at: datetime,
    household_id: int | None,
    request_id: int | None,
    name: str,
    actor: Actor,
    now: datetime,
) -> AppointmentView:
    """Take a slot inside the caller's transaction; ConflictError if it is taken."""
    found = _agenda_row(session, spec.code)
    if found is None or found.id is None:
        raise NotFoundError(f"Agenda « {spec.name} » non initialisé.")
    agenda = _view(found)
    problem = _slot_problem(agenda, starts_at, now)
    if problem:
        raise RuleViolation(problem)
    taken_message = (
        f"Le créneau du {fr.date_time(starts_at)} vient d'être pris par un autre rendez-vous : "
        "choisissez-en un autre."
    )
    if starts_at in _taken(session, agenda.id, starts_at, starts_at + timedelta(seconds=1)):
        raise ConflictError(taken_message)
    appointment = Appointment(
        agenda_id=found.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=agenda.slot_minutes),
        held=True,
        household_id=household_id,
        request_id=request_id,
        name=name[:160],
        agent_id=actor.id,
        created_at=now,
    )
    session.add(appointment)
    try:
        # The savepoint keeps the caller's transaction usable on PostgreSQL.
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ConflictError(taken_message) from None
    assert appointment.id is not None
    audit(
        session,
        at=now,
        actor=actor,
        action="appointment.book",
        entity="appointment",
        entity_id=appointment.id,
        details={"agenda": spec.code, "starts_at": starts_at.isoformat(), "request": request_id},
    )
    return _appointment_view(appointment, found)


def _appointment_view(appointment: Appointment, agenda: Agenda) -> AppointmentView:
    assert appointment.id is not None
    return AppointmentView(
        id=appointment.id,
        agenda_code=agenda.code,
        agenda_name=agenda.name,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        household_id=appointment.household_id,
        request_id=appointment.request_id,
        name=appointment.name,
        live=bool(appointment.held),
    )


@requires("demarches.modifier")
@write_use_case()
def book_appointment(
    engine: Engine,
    *,
    code: str,
    starts_at: datetime,
    actor: Actor,
    clock: Clock,
    household_id: int | None = None,
    name: str = "",
) -> AppointmentView:
    """Take a slot outside a démarche (the agent's agenda screen)."""
    require_counter_agent(actor)
    spec = _spec_of(code)
    ensure_agenda(engine, spec)
    with writing(engine, "prise de rendez-vous") as session:
        return book_in_session(
            session,
            spec=spec,
            starts_at=starts_at,
            household_id=household_id,
            request_id=None,
            name=name,
            actor=actor,
            now=clock.now(),
        )


def _release(session: Session, appointment: Appointment, now: datetime, reason: str) -> None:
    appointment.held = None
    appointment.cancelled_at = now
    appointment.cancel_reason = reason[:300]
    session.add(appointment)


def release_for_request(session: Session, request_id: int, *, now: datetime, reason: str) -> int:
    """Free the slots of a refused or cancelled request; how many were freed."""
    freed = 0
    for appointment in session.exec(
        select(Appointment).where(
            Appointment.request_id == request_id, col(Appointment.held).is_(True)
        )
    ):
        _release(session, appointment, now, reason)
        freed += 1
    return freed
