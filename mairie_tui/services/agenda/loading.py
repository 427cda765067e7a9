"""Reading a whole family's calendars in a fixed number of queries.

One query per kind of row, for every enrolment of the household at once
(enrolments, units, closures, capacity counts, booking rows, menus,
representatives, custody), never one per child or per day: the agenda of a
family of five children in three activities costs what a family of one costs.
The pure rules' context of each enrolment is built as load_calendar builds it
(bookings/loading.py, context_of).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from mairie_tui.domain.calendar import UnitInfo
from mairie_tui.domain.draft import Key
from mairie_tui.models import Activity, Booking, Closure, Custody, Enrolment, Person, Unit
from mairie_tui.services.agenda.views import CustodyView, RepresentativeView
from mairie_tui.services.bookings.loading import LoadedCalendar, context_of, live_marks
from mairie_tui.services.bookings.views import LIVE_STATUSES, summary_of

REPRESENTATIVE_ROLES = ("representative", "co_representative")


def load_family(session: Session, household_id: int, now: datetime) -> list[LoadedCalendar]:
    """The calendars of the household's active enrolments, ordered by child position,
    then activity name (then start date)."""
    found = session.exec(
        select(Enrolment, Person, Activity)
        .join(Person)
        .join(Activity)
        .where(Person.household_id == household_id, Enrolment.status == "active")
        .order_by(
            col(Person.position), col(Person.id), col(Activity.name), col(Enrolment.start_date)
        )
    ).all()
    if not found:
        return []
    enrolment_ids = [enrolment.id for enrolment, _, _ in found if enrolment.id is not None]
    first = min(enrolment.start_date for enrolment, _, _ in found)
    last = max(enrolment.end_date for enrolment, _, _ in found)
    units = _units(session, {activity.id for _, _, activity in found if activity.id is not None})
    closures = _closures(session, set(units), first, last)
    capped = [unit.id for unit_list in units.values() for unit in unit_list if unit.capacity]
    counts = _counts(session, capped, first, last)
    rows = _rows(session, enrolment_ids, first, last)
    calendars = []
    for enrolment, child, activity in found:
        assert enrolment.id is not None and activity.id is not None
        own = rows.get(enrolment.id, {})
        existing = live_marks(own)
        taken = _taken_by_others(counts, existing, enrolment, units[activity.id])
        ctx = context_of(
            enrolment,
            activity,
            units[activity.id],
            _within(closures.get(activity.id, {}), enrolment.start_date, enrolment.end_date),
            taken,
            now,
        )
        summary = summary_of(enrolment, child, activity)
        calendars.append(LoadedCalendar(enrolment, summary, child.household_id, ctx, existing, own))
    return calendars


def _units(session: Session, activity_ids: set[int]) -> dict[int, tuple[UnitInfo, ...]]:
    found: dict[int, list[UnitInfo]] = {activity_id: [] for activity_id in activity_ids}
    for unit in session.exec(
        select(Unit)
        .where(col(Unit.activity_id).in_(sorted(activity_ids)))
        .order_by(col(Unit.activity_id), col(Unit.position), col(Unit.id))
    ):
        assert unit.id is not None
        found[unit.activity_id].append(
            UnitInfo(
                id=unit.id,
                name=unit.name,
                weekdays=UnitInfo.parse_weekdays(unit.weekdays),
                capacity=unit.capacity,
            )
        )
    return {activity_id: tuple(units) for activity_id, units in found.items()}


def _closures(
    session: Session, activity_ids: set[int], first: date, last: date
) -> dict[int, dict[tuple[date, int | None], str]]:
    """Each activity's closed days and the all-activity ones over [first, last]."""
    found: dict[int, dict[tuple[date, int | None], str]] = {a: {} for a in activity_ids}
    for day, reason, activity_id in session.exec(
        select(col(Closure.day), col(Closure.reason), col(Closure.activity_id)).where(
            or_(
                col(Closure.activity_id).in_(sorted(activity_ids)),
                col(Closure.activity_id).is_(None),
            ),
            Closure.day >= first,
            Closure.day <= last,
        )
    ):
        for target in activity_ids if activity_id is None else (activity_id,):
            found[target][(day, None)] = reason
    return found


def _within(
    closures: dict[tuple[date, int | None], str], first: date, last: date
) -> dict[tuple[date, int | None], str]:
    return {key: reason for key, reason in closures.items() if first <= key[0] <= last}


def _counts(
    session: Session, capped: list[int], first: date, last: date
) -> dict[tuple[date, int], int]:
    """Live bookings of every child per day and capped unit."""
    if not capped:
        return {}
    return {
        (day, unit_id): int(count)
        for day, unit_id, count in session.exec(
            select(col(Booking.day), col(Booking.unit_id), func.count())
            .where(
                col(Booking.unit_id).in_(sorted(capped)),
                col(Booking.status).in_(LIVE_STATUSES),
                Booking.day >= first,
                Booking.day <= last,
            )
            .group_by(col(Booking.day), col(Booking.unit_id))
        )
    }


def _taken_by_others(
    counts: dict[tuple[date, int], int],
    existing: Mapping[Key, object],
    enrolment: Enrolment,
    units: tuple[UnitInfo, ...],
) -> dict[tuple[date, int], int]:
    """The capacity counts as load_calendar reads them: every child but this enrolment's."""
    capped = {unit.id for unit in units if unit.capacity is not None}
    taken: dict[tuple[date, int], int] = {}
    for (day, unit_id), count in counts.items():
        if unit_id not in capped or not enrolment.start_date <= day <= enrolment.end_date:
            continue
        others = count - (1 if (day, unit_id) in existing else 0)
        if others:
            taken[(day, unit_id)] = others
    return taken


def _rows(
    session: Session, enrolment_ids: list[int], first: date, last: date
) -> dict[int, dict[Key, Booking]]:
    """Every booking row of these enrolments, cancelled ones too, by enrolment."""
    found: dict[int, dict[Key, Booking]] = defaultdict(dict)
    for booking in session.exec(
        select(Booking).where(
            col(Booking.enrolment_id).in_(enrolment_ids), Booking.day >= first, Booking.day <= last
        )
    ):
        found[booking.enrolment_id][(booking.day, booking.unit_id)] = booking
    return found


def representatives_of(session: Session, household_id: int) -> list[RepresentativeView]:
    """The representative first, then the co-representatives, by position."""
    people = session.exec(
        select(Person)
        .where(Person.household_id == household_id, col(Person.role).in_(REPRESENTATIVE_ROLES))
        .order_by(col(Person.role).desc(), col(Person.position), col(Person.id))
    ).all()
    return [_representative(person) for person in people if person.id is not None]


def _representative(person: Person) -> RepresentativeView:
    assert person.id is not None
    short = " ".join(filter(None, (person.civility, person.first_name)))
    return RepresentativeView(
        id=person.id,
        name=f"{short} {person.last_name}".strip(),
        short_name=short,
        last_name=person.last_name,
        email=person.email,
        role=person.role,
    )


def custody_of(
    session: Session, child_ids: list[int], representatives: list[RepresentativeView]
) -> dict[int, CustodyView]:
    """The custody of these children (one query), by child id."""
    if not child_ids:
        return {}
    names = {r.id: r.short_name for r in representatives}
    return {
        row.child_id: custody_view(row, names)
        for row in session.exec(select(Custody).where(col(Custody.child_id).in_(child_ids)))
    }


def custody_view(row: Custody, names: dict[int, str]) -> CustodyView:
    return CustodyView(
        child_id=row.child_id,
        mode=row.mode,
        first_representative_id=row.first_representative_id,
        second_representative_id=row.second_representative_id,
        weeks=frozenset(int(week) for week in row.weeks.split(",") if week.strip()),
        first_name=names.get(row.first_representative_id, ""),
        second_name=names.get(row.second_representative_id, ""),
    )
