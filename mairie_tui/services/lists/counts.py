"""Kitchen headcounts per site, unit and day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, and_, case, func, literal_column, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr, menus
from mairie_tui.models import (
    Activity,
    Booking,
    Enrolment,
    Person,
    Unit,
)
from mairie_tui.models.attendance import Attendance, DayClosing
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import (
    NotFoundError,
    ServiceError,
)
from mairie_tui.services.lists.lookup import (
    _unit_weekdays,
    resolve_site,
)
from mairie_tui.services.lists.views import (
    HeadcountRow,
)
from mairie_tui.services.permissions import may_see_site, require, requires

DayKey = tuple[int, date]


@requires("listes.lire")
def headcounts(
    engine: Engine,
    *,
    start: date,
    end: date,
    clock: Clock,
    site: str | None = None,
    unit: int | str | None = None,
    actor: Actor,
) -> list[HeadcountRow]:
    """Kitchen headcounts per site, unit and day, from bookings (and pointage up to today).

    A row for every day a unit runs that weekday (0 on a holiday), plus any
    other day holding bookings or marks. Two GROUP BY queries, whatever the range.
    """
    if end < start:
        raise ServiceError("La date de fin précède la date de début.", field="end")
    if (end - start).days > 400:
        raise ServiceError("Période trop longue (plus d'un an).", field="end")
    today = clock.today()
    with read_session(engine) as session:
        units = _visible(actor, _chosen_units(session, site, unit), site, unit)
        unit_ids = [u.id for u, _ in units if u.id is not None]
        if not unit_ids:
            return []
        booking_counts = _booking_counts(session, unit_ids, start, end)
        diets = _diet_counts(session, unit_ids, start, end)
        marks: dict[DayKey, tuple[int, int, int]] = {}
        closed: set[DayKey] = set()
        if start <= today:
            last = min(end, today)
            marks = _mark_counts(session, unit_ids, start, last)
            closed = _closed_days(session, unit_ids, start, last)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    rows: list[HeadcountRow] = []
    for unit_row, activity in units:
        assert unit_row.id is not None
        weekdays = set(_unit_weekdays(unit_row))
        for day in days:
            key = (unit_row.id, day)
            if day.weekday() not in weekdays and key not in booking_counts and key not in marks:
                continue
            booked, pending = booking_counts.get(key, (0, 0))
            past = day <= today
            present, absent, unexpected = marks.get(key, (0, 0, 0))
            rows.append(
                HeadcountRow(
                    site=activity.site,
                    activity_name=activity.name,
                    unit_id=unit_row.id,
                    unit_name=unit_row.name,
                    day=day,
                    booked=booked,
                    pending=pending,
                    present=present if past else None,
                    absent=absent if past else None,
                    unexpected=unexpected if past else None,
                    closed=key in closed,
                    diets=diets.get(key, {}),
                )
            )
    return rows


def _visible(
    actor: Actor, units: list[tuple[Unit, Activity]], site: str | None, unit: int | str | None
) -> list[tuple[Unit, Activity]]:
    """Staff: the units of their sites only; a site or unit of another site named is refused."""
    visible = [(u, a) for u, a in units if may_see_site(actor, a.site)]
    if units and (site is not None or (unit is not None and not visible)):
        for _, activity in units:
            require(actor, "listes.lire", site=activity.site)
    return visible


def _chosen_units(
    session: Session, site: str | None, unit: int | str | None
) -> list[tuple[Unit, Activity]]:
    """Every unit, or those of the site, or the one unit asked for (by id or name)."""
    query = (
        select(Unit, Activity)
        .join(Activity, col(Activity.id) == col(Unit.activity_id))
        .order_by(col(Activity.site), col(Activity.name), col(Unit.position), col(Unit.id))
    )
    if site is not None:
        query = query.where(Activity.site == resolve_site(session, site))
    units = [(u, a) for u, a in session.exec(query).all()]
    if unit is not None:
        if isinstance(unit, int) or unit.strip().isdigit():
            units = [(u, a) for u, a in units if u.id == int(unit)]
        else:
            units = [(u, a) for u, a in units if fr.fold(u.name) == fr.fold(unit)]
        if not units:
            raise NotFoundError(f"Aucune unité « {unit} » pour ce choix.", field="unit")
    return units


def _booking_counts(
    session: Session, unit_ids: list[int], start: date, end: date
) -> dict[DayKey, tuple[int, int]]:
    """(unit, day) → (booked, pending)."""
    booked_sum = func.sum(case((col(Booking.status) == "booked", 1), else_=0))
    pending_sum = func.sum(case((col(Booking.status) == "pending", 1), else_=0))
    return {
        (unit_id, day): (int(b), int(p))
        for unit_id, day, b, p in session.exec(
            select(Booking.unit_id, col(Booking.day), booked_sum, pending_sum)
            .where(
                col(Booking.unit_id).in_(unit_ids),
                col(Booking.day) >= start,
                col(Booking.day) <= end,
                col(Booking.status) != "cancelled",
            )
            .group_by(col(Booking.unit_id), col(Booking.day))
        ).all()
    }


def _diet_counts(
    session: Session, unit_ids: list[int], start: date, end: date
) -> dict[DayKey, dict[str, int]]:
    """(unit, day) → special diets of the booked children: {« arachide »: 1}."""
    children: dict[DayKey, list[tuple[tuple[str, ...], str | None]]] = {}
    for unit_id, day, allergens, diet in session.exec(
        select(Booking.unit_id, col(Booking.day), Person.allergens, Person.diet)
        .join(Enrolment, col(Enrolment.id) == col(Booking.enrolment_id))
        .join(Person, col(Person.id) == col(Enrolment.person_id))
        .where(
            col(Booking.unit_id).in_(unit_ids),
            col(Booking.day) >= start,
            col(Booking.day) <= end,
            col(Booking.status) == "booked",
            # The partial index ix_person_with_diet's condition, literally: the
            # few children it holds lead the join (not every enrolment's child).
            or_(col(Person.allergens) != literal_column("''"), col(Person.diet).is_not(None)),
        )
    ).all():
        children.setdefault((unit_id, day), []).append((menus.split_codes(allergens), diet))
    return {key: menus.diet_counts(rows) for key, rows in children.items()}


def _mark_counts(
    session: Session, unit_ids: list[int], start: date, last: date
) -> dict[DayKey, tuple[int, int, int]]:
    """(unit, day) → (present, absent, unexpected) from the pointage."""
    present_sum = func.sum(case((col(Attendance.present), 1), else_=0))
    absent_sum = func.sum(case((col(Attendance.present), 0), else_=1))
    unexpected_sum = func.sum(
        case((and_(col(Attendance.present), col(Attendance.unexpected)), 1), else_=0)
    )
    return {
        (unit_id, day): (int(p), int(a), int(u))
        for unit_id, day, p, a, u in session.execute(
            sa_select(
                col(Attendance.unit_id),
                col(Attendance.day),
                present_sum,
                absent_sum,
                unexpected_sum,
            )
            .where(
                col(Attendance.unit_id).in_(unit_ids),
                col(Attendance.day) >= start,
                col(Attendance.day) <= last,
            )
            .group_by(col(Attendance.unit_id), col(Attendance.day))
        ).all()
    }


def _closed_days(session: Session, unit_ids: list[int], start: date, last: date) -> set[DayKey]:
    return {
        (unit_id, day)
        for unit_id, day in session.exec(
            select(DayClosing.unit_id, col(DayClosing.day)).where(
                col(DayClosing.unit_id).in_(unit_ids),
                col(DayClosing.day) >= start,
                col(DayClosing.day) <= last,
            )
        ).all()
    }
