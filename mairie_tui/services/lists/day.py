"""The sites and the list of one unit for a day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr, menus
from mairie_tui.domain.menus import MenuDay
from mairie_tui.models import (
    Absence,
    Activity,
    Booking,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.models.attendance import ORIGIN_MAIRIE, Attendance, DayClosing
from mairie_tui.services.common import Actor
from mairie_tui.services.lists.lookup import (
    _agent_names,
    _mark,
    _require_known,
    _unit_weekdays,
    copy_origin,
    day_note,
    resolve_site,
    resolve_unit,
)
from mairie_tui.services.lists.menus import menus_of
from mairie_tui.services.lists.views import (
    CONTACT_ROLES,
    AbsenceInfo,
    ChildLine,
    Contact,
    DayCounts,
    DayList,
    Mark,
    SiteSummary,
    UnitChoice,
)
from mairie_tui.services.permissions import require, requires


@requires("listes.lire")
def list_sites(engine: Engine, *, actor: Actor) -> list[SiteSummary]:
    """Every site with its activities' units, for the site and unit pickers (staff: theirs)."""
    with read_session(engine) as session:
        rows = session.exec(
            select(Unit, Activity)
            .join(Activity, col(Activity.id) == col(Unit.activity_id))
            .where(col(Activity.active).is_(True))
            .where(col(Activity.site).in_(actor.sites) if actor.is_staff else True)
            .order_by(col(Activity.site), col(Activity.name), col(Unit.position), col(Unit.id))
        ).all()
    by_site: dict[str, list[UnitChoice]] = defaultdict(list)
    for unit, activity in rows:
        assert unit.id is not None and activity.id is not None
        by_site[activity.site].append(
            UnitChoice(
                id=unit.id,
                name=unit.name,
                activity_id=activity.id,
                activity_code=activity.code,
                activity_name=activity.name,
                kind=activity.kind,
                weekdays=_unit_weekdays(unit),
            )
        )
    return [SiteSummary(site, tuple(units)) for site, units in by_site.items()]


@requires("listes.lire")
def day_list(
    engine: Engine,
    *,
    site: str,
    unit: int | str,
    day: date,
    clock: Clock,
    actor: Actor,
) -> DayList:
    """The list of one unit of a site for a day: who is booked, pending, not booked, absent, ticked."""
    _require_known(actor)
    with read_session(engine) as session:
        site_name = resolve_site(session, site)
        require(actor, "listes.lire", site=site_name)
        unit_row, activity = resolve_unit(session, site_name, unit)
        assert unit_row.id is not None and activity.id is not None
        unit_id = unit_row.id
        bookings = _booking_statuses(session, unit_id, day)
        marks_rows = list(
            session.exec(
                select(Attendance).where(Attendance.unit_id == unit_id, Attendance.day == day)
            ).all()
        )
        listed = set(bookings) | {row.enrolment_id for row in marks_rows}
        enrolled = _enrolled(session, activity.id, day, listed)
        absences = _absences(session, {p.id for _, p in enrolled if p.id is not None}, day)
        contacts = _contacts(session, {person.household_id for _, person in enrolled})
        closing = session.exec(
            select(DayClosing).where(DayClosing.unit_id == unit_id, DayClosing.day == day)
        ).first()
        agents = _agent_names(
            session,
            [row.agent_id for row in marks_rows] + [closing.agent_id if closing else None],
        )
        marks = {row.enrolment_id: _mark(row, agents) for row in marks_rows}
        note = day_note(session, activity, unit_row, day)
        copy_id = copy_origin(session)
        menu = menus_of(session, [site_name], day, day).get((site_name, day))
    children = _child_lines(enrolled, bookings, absences, marks, contacts, menu)
    return DayList(
        site=site_name,
        activity_name=activity.name,
        unit_id=unit_id,
        unit_name=unit_row.name,
        day=day,
        note=note,
        closed=closing is not None,
        closed_by=agents.get(closing.agent_id) if closing and closing.agent_id else None,
        closed_at=closing.closed_at if closing else None,
        can_mark=closing is None and day <= clock.today() and note is None,
        copy_id=None if copy_id == ORIGIN_MAIRIE else copy_id,
        counts=_counts(children, marks),
        children=tuple(children),
        menu=menu,
    )


def _booking_statuses(session: Session, unit_id: int, day: date) -> dict[int, str]:
    """Enrolment id → status of its live booking of the unit that day."""
    return {
        enrolment_id: status
        for enrolment_id, status in session.exec(
            select(Booking.enrolment_id, Booking.status).where(
                col(Booking.unit_id) == unit_id,
                Booking.day == day,
                Booking.status != "cancelled",
            )
        ).all()
    }


def _enrolled(
    session: Session, activity_id: int, day: date, listed: set[int]
) -> Sequence[tuple[Enrolment, Person]]:
    """The activity's enrolments covering the day, and any other booked or ticked that day."""
    covering = and_(
        col(Enrolment.status) == "active",
        col(Enrolment.start_date) <= day,
        col(Enrolment.end_date) >= day,
    )
    condition = covering
    if listed:
        condition = or_(covering, col(Enrolment.id).in_(listed))
    return session.exec(
        select(Enrolment, Person)
        .join(Person, col(Person.id) == col(Enrolment.person_id))
        .where(Enrolment.activity_id == activity_id, condition)
    ).all()


def _absences(session: Session, child_ids: set[int], day: date) -> dict[int, AbsenceInfo]:
    """Person id → the absence covering the day (the last recorded, if several)."""
    absences: dict[int, AbsenceInfo] = {}
    if not child_ids:
        return absences
    for absence in session.exec(
        select(Absence)
        .where(
            col(Absence.person_id).in_(child_ids),
            col(Absence.start_date) <= day,
            col(Absence.end_date) >= day,
        )
        .order_by(col(Absence.id))
    ):
        absences[absence.person_id] = AbsenceInfo(
            absence.reason, absence.justified, absence.start_date, absence.end_date
        )
    return absences


def _contacts(session: Session, household_ids: set[int]) -> dict[int, list[Contact]]:
    """Household id → the people to call, then the household's phone if nobody has it."""
    contacts: dict[int, list[Contact]] = defaultdict(list)
    if not household_ids:
        return contacts
    for person in session.exec(
        select(Person)
        .where(
            col(Person.household_id).in_(household_ids),
            col(Person.role).in_(CONTACT_ROLES),
        )
        .order_by(col(Person.position), col(Person.id))
    ):
        name = f"{person.first_name} {person.last_name}".strip()
        contacts[person.household_id].append(Contact(person.role, name, person.phone))
    for household_id, phone in session.exec(
        select(Household.id, Household.phone).where(col(Household.id).in_(household_ids))
    ).all():
        if household_id is None or not phone:
            continue
        if all(contact.phone != phone for contact in contacts[household_id]):
            contacts[household_id].append(Contact("household", "Foyer", phone))
    return contacts


def _child_lines(
    enrolled: Sequence[tuple[Enrolment, Person]],
    bookings: dict[int, str],
    absences: dict[int, AbsenceInfo],
    marks: dict[int, Mark],
    contacts: dict[int, list[Contact]],
    menu: MenuDay | None,
) -> list[ChildLine]:
    """One line per enrolled child, in name order; flagged if the menu holds its allergens."""
    children: list[ChildLine] = []
    for enrolment, person in enrolled:
        assert enrolment.id is not None and person.id is not None
        allergens = menus.split_codes(person.allergens)
        children.append(
            ChildLine(
                enrolment_id=enrolment.id,
                person_id=person.id,
                first_name=person.first_name,
                last_name=person.last_name,
                birth_date=person.birth_date,
                school_class=person.school_class,
                booking=bookings.get(enrolment.id, "none"),
                absence=absences.get(person.id),
                mark=marks.get(enrolment.id),
                contacts=tuple(contacts.get(person.household_id, ())),
                allergens=allergens,
                diet=person.diet,
                pai_until=person.pai_until,
                menu_allergens=menus.allergens_in_menu(allergens, menu.allergens) if menu else (),
            )
        )
    children.sort(key=lambda c: (fr.fold(c.last_name), fr.fold(c.first_name), c.enrolment_id))
    return children


def _counts(children: list[ChildLine], marks: dict[int, Mark]) -> DayCounts:
    return DayCounts(
        enrolled=len(children),
        booked=sum(1 for c in children if c.booking == "booked"),
        pending=sum(1 for c in children if c.booking == "pending"),
        not_booked=sum(1 for c in children if c.booking == "none"),
        absences=sum(1 for c in children if c.absence is not None),
        present=sum(1 for m in marks.values() if m.present),
        absent=sum(1 for m in marks.values() if not m.present),
        unexpected=sum(1 for m in marks.values() if m.present and m.unexpected),
        unmarked=sum(1 for c in children if c.booking == "booked" and c.mark is None),
    )
