"""Ticking children present or absent, and closing a day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, and_, case, func
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.domain import fr
from mairie_tui.models import (
    Booking,
    Enrolment,
    Person,
    Unit,
)
from mairie_tui.models.attendance import Attendance, DayClosing
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import (
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.lists.lookup import (
    _flush_or_conflict,
    _mark,
    _origin_for,
    _require_known,
    _site_of,
    require_supervisor,
)
from mairie_tui.services.lists.views import (
    ClosingInfo,
    Mark,
)
from mairie_tui.services.permissions import require, requires
from mairie_tui.services.uow import get_or_404, writing


@requires("listes.pointer")
def mark_attendance(
    engine: Engine,
    *,
    enrolment_id: int,
    day: date,
    unit_id: int,
    present: bool,
    unexpected: bool = False,
    actor: Actor,
    clock: Clock,
) -> Mark:
    """Tick a child present or absent (an unexpected presence: present without a booking).

    Refused for a day to come and once the day is closed; audited.
    """
    _require_known(actor)
    if day > clock.today():
        raise RuleViolation(f"Impossible de pointer un jour à venir ({fr.long_date(day)}).")
    if unexpected and not present:
        raise ServiceError("Une présence inattendue est une présence : cochez « présent ».")
    now = clock.now()
    with writing(engine, "pointage", allowed_on_copy=True) as session:
        enrolment, unit, name = _marking_target(session, enrolment_id, unit_id)
        require(actor, "listes.pointer", site=_site_of(session, unit))
        _refuse_closed_day(session, unit, day)
        origin = _origin_for(session, day)
        _check_booking(session, enrolment, unit_id, day, name, present, unexpected)
        row, before = _attendance_row(session, enrolment_id, unit_id, day, present, now)
        row.present = present
        row.unexpected = unexpected
        row.agent_id = actor.id
        row.marked_at = now
        row.origin = origin
        session.add(row)
        _flush_or_conflict(session, "Ce pointage vient d'être fait sur un autre poste")
        audit(
            session,
            at=now,
            actor=actor,
            action="attendance.mark",
            entity="attendance",
            entity_id=row.id,
            details={
                "enrolment_id": enrolment_id,
                "day": day.isoformat(),
                "unit_id": unit_id,
                "present": present,
                "unexpected": unexpected,
                "before": before,
                "origin": origin,
            },
        )
        return _mark(row, {actor.id: actor.name} if actor.id is not None else {})


def _marking_target(
    session: Session, enrolment_id: int, unit_id: int
) -> tuple[Enrolment, Unit, str]:
    """The enrolment, its unit and the child's name, as the messages say it."""
    enrolment = get_or_404(session, Enrolment, enrolment_id)
    unit = get_or_404(
        session,
        Unit,
        unit_id,
        "Cette unité n'appartient pas à l'activité de l'inscription.",
        where=lambda found: found.activity_id == enrolment.activity_id,
    )
    child = session.get(Person, enrolment.person_id)
    name = f"{child.first_name} {child.last_name}" if child else f"n° {enrolment.person_id}"
    return enrolment, unit, name


def _refuse_closed_day(session: Session, unit: Unit, day: date) -> None:
    if (
        session.exec(
            select(DayClosing.id).where(DayClosing.unit_id == unit.id, DayClosing.day == day)
        ).first()
        is not None
    ):
        raise RuleViolation(
            f"La journée du {fr.long_date(day)} ({unit.name}) est clôturée : "
            "le pointage est verrouillé."
        )


def _check_booking(
    session: Session,
    enrolment: Enrolment,
    unit_id: int,
    day: date,
    name: str,
    present: bool,
    unexpected: bool,
) -> None:
    """A booked child is ticked as booked, any other enrolled one as an unexpected presence."""
    status = session.exec(
        select(Booking.status).where(
            Booking.enrolment_id == enrolment.id,
            col(Booking.unit_id) == unit_id,
            Booking.day == day,
        )
    ).first()
    booked = status == "booked"
    if not booked and not (enrolment.start_date <= day <= enrolment.end_date):
        raise RuleViolation(f"{name} n'est pas inscrit(e) le {fr.long_date(day)}.")
    if present and not booked and not unexpected:
        raise RuleViolation(
            f"{name} n'a pas de réservation le {fr.long_date(day)} : notez une présence inattendue."
        )
    if unexpected and booked:
        raise RuleViolation(
            f"{name} est réservé(e) le {fr.long_date(day)} : ce n'est pas une présence inattendue."
        )


def _attendance_row(
    session: Session, enrolment_id: int, unit_id: int, day: date, present: bool, now: datetime
) -> tuple[Attendance, dict[str, bool] | None]:
    """The child's mark of that unit's day, new if none, and what it said before."""
    row = session.exec(
        select(Attendance).where(
            Attendance.enrolment_id == enrolment_id,
            Attendance.unit_id == unit_id,
            Attendance.day == day,
        )
    ).first()
    if row is None:
        new = Attendance(
            enrolment_id=enrolment_id, day=day, unit_id=unit_id, present=present, marked_at=now
        )
        return new, None
    return row, {"present": row.present, "unexpected": row.unexpected}


@requires("listes.cloturer")
def close_day(
    engine: Engine, *, unit_id: int, day: date, actor: Actor, clock: Clock
) -> ClosingInfo:
    """A supervisor closes the pointage of a unit for a day; marks are locked after."""
    require_supervisor(actor, "clôturer une journée")
    if day > clock.today():
        raise RuleViolation(f"Impossible de clôturer un jour à venir ({fr.long_date(day)}).")
    now = clock.now()
    with writing(engine, "clôture de journée", allowed_on_copy=True) as session:
        get_or_404(session, Unit, unit_id)
        existing = session.exec(
            select(DayClosing).where(DayClosing.unit_id == unit_id, DayClosing.day == day)
        ).first()
        if existing is not None:
            raise RuleViolation(f"La journée du {fr.long_date(day)} est déjà clôturée.")
        present, absent, unmarked = _day_tallies(session, unit_id, day)
        origin = _origin_for(session, day)
        closing = DayClosing(
            unit_id=unit_id, day=day, agent_id=actor.id, closed_at=now, origin=origin
        )
        session.add(closing)
        _flush_or_conflict(session, "Cette journée vient d'être clôturée sur un autre poste")
        audit(
            session,
            at=now,
            actor=actor,
            action="day.close",
            entity="day_closing",
            entity_id=closing.id,
            details={
                "unit_id": unit_id,
                "day": day.isoformat(),
                "present": present,
                "absent": absent,
                "unmarked": unmarked,
                "origin": origin,
            },
        )
        return ClosingInfo(unit_id, day, actor.name, now, present, absent, unmarked)


def _day_tallies(session: Session, unit_id: int, day: date) -> tuple[int, int, int]:
    """Present, absent, and booked but not ticked, for a unit's day."""
    present, absent = session.exec(
        select(
            func.coalesce(func.sum(case((col(Attendance.present), 1), else_=0)), 0),
            func.coalesce(func.sum(case((col(Attendance.present), 0), else_=1)), 0),
        ).where(Attendance.unit_id == unit_id, Attendance.day == day)
    ).one()
    unmarked = session.exec(
        select(func.count())
        .select_from(Booking)
        .outerjoin(
            Attendance,
            and_(
                col(Attendance.enrolment_id) == col(Booking.enrolment_id),
                col(Attendance.unit_id) == col(Booking.unit_id),
                col(Attendance.day) == col(Booking.day),
            ),
        )
        .where(
            col(Booking.unit_id) == unit_id,
            Booking.day == day,
            Booking.status == "booked",
            col(Attendance.id).is_(None),
        )
    ).one()
    return int(present), int(absent), int(unmarked)
