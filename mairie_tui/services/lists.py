"""Listes for the school staff: sites, the list of a day, pointage, day closing, headcounts.

Staff (role ``staff``) may use everything here and nothing else: services that
show or change households and bookings call :func:`require_counter_agent`.
What a list returns is minimal: names, birth date, class, booking status,
absence reason, and the phones of the people to call. No address, no
quotient familial, no e-mail.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import (
    Absence,
    Activity,
    Agent,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.models.attendance import ORIGIN_MAIRIE, Attendance, DayClosing, OfflineCopy
from mairie_tui.services.common import Actor, audit
from mairie_tui.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)

CONTACT_ROLES = ("representative", "co_representative", "authorised")
CONTACT_LABELS = {
    "representative": "Représentant légal",
    "co_representative": "Co-représentant",
    "authorised": "Personne autorisée",
    "household": "Téléphone du foyer",
}
BOOKING_LABELS = {"booked": "Réservé", "pending": "En attente", "none": "Non réservé"}
KNOWN_ROLES = ("agent", "supervisor", "staff")


# ------------------------------------------------------------------ rights


def require_supervisor(actor: Actor, what: str) -> None:
    if not actor.is_supervisor:
        raise PermissionDenied(f"Seul un superviseur peut {what}.")


def _require_known(actor: Actor) -> None:
    if actor.role not in KNOWN_ROLES:
        raise PermissionDenied("Rôle inconnu : action refusée.")


# ------------------------------------------------------------------ plain data


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str
    activity_id: int
    activity_code: str
    activity_name: str
    kind: str
    weekdays: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.activity_name} — {self.name}"


@dataclass(frozen=True)
class SiteSummary:
    site: str
    units: tuple[UnitChoice, ...]

    @property
    def activity_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(unit.activity_name for unit in self.units))


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str | None

    @property
    def role_label(self) -> str:
        return CONTACT_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class AbsenceInfo:
    reason: str
    justified: bool
    start_date: date
    end_date: date

    @property
    def label(self) -> str:
        status = "justifiée" if self.justified else "non justifiée"
        return f"{self.reason} ({status}, {fr.period(self.start_date, self.end_date)})"


@dataclass(frozen=True)
class Mark:
    enrolment_id: int
    day: date
    unit_id: int
    present: bool
    unexpected: bool
    agent_name: str | None
    marked_at: datetime
    origin: str

    @property
    def label(self) -> str:
        if not self.present:
            return "Absent"
        return "Présent (inattendu)" if self.unexpected else "Présent"


@dataclass(frozen=True)
class ChildLine:
    enrolment_id: int
    person_id: int
    first_name: str
    last_name: str
    birth_date: date | None
    school_class: str | None
    booking: str  # "booked", "pending" or "none"
    absence: AbsenceInfo | None
    mark: Mark | None
    contacts: tuple[Contact, ...]

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def booking_label(self) -> str:
        return BOOKING_LABELS[self.booking]


@dataclass(frozen=True)
class DayCounts:
    enrolled: int
    booked: int
    pending: int
    not_booked: int
    absences: int
    present: int
    absent: int
    unexpected: int
    unmarked: int  # booked children not ticked yet


@dataclass(frozen=True)
class DayList:
    site: str
    activity_name: str
    unit_id: int
    unit_name: str
    day: date
    # Why the unit does not run that day (holiday, closure, weekday), if so.
    note: str | None
    closed: bool
    closed_by: str | None
    closed_at: datetime | None
    can_mark: bool
    copy_id: str | None
    counts: DayCounts
    children: tuple[ChildLine, ...]

    @property
    def day_label(self) -> str:
        return fr.long_date(self.day)

    @property
    def booked(self) -> tuple[ChildLine, ...]:
        return tuple(c for c in self.children if c.booking == "booked")

    @property
    def pending(self) -> tuple[ChildLine, ...]:
        return tuple(c for c in self.children if c.booking == "pending")

    @property
    def not_booked(self) -> tuple[ChildLine, ...]:
        return tuple(c for c in self.children if c.booking == "none")


@dataclass(frozen=True)
class ClosingInfo:
    unit_id: int
    day: date
    closed_by: str | None
    closed_at: datetime
    present: int
    absent: int
    unmarked: int


@dataclass(frozen=True)
class HeadcountRow:
    site: str
    activity_name: str
    unit_id: int
    unit_name: str
    day: date
    booked: int
    pending: int
    # From pointage, for today and past days only (None for days to come).
    present: int | None
    absent: int | None
    unexpected: int | None
    closed: bool

    @property
    def day_label(self) -> str:
        return fr.long_date(self.day)


# ------------------------------------------------------------------ helpers


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def copy_origin(session: Session) -> str:
    """`mairie` in the main database, the copy's id in an offline copy."""
    copy_id = session.exec(select(OfflineCopy.id).limit(1)).first()
    return copy_id or ORIGIN_MAIRIE


def _origin_for(session: Session, day: date) -> str:
    """Where a mark or closing of `day` is made; in a copy, only for the days it holds."""
    copy = session.exec(select(OfflineCopy).limit(1)).first()
    if copy is None:
        return ORIGIN_MAIRIE
    if not copy.start_date <= day <= copy.end_date:
        raise RuleViolation(
            f"Cette copie hors ligne couvre {fr.period(copy.start_date, copy.end_date)} : "
            f"pas de pointage le {fr.long_date(day)}."
        )
    return copy.id


def _site_names(session: Session) -> list[str]:
    return list(session.exec(select(Activity.site).distinct().order_by(col(Activity.site))))


def resolve_site(session: Session, text: str) -> str:
    """The site named exactly, or the only site whose name contains the words given."""
    sites = _site_names(session)
    if text in sites:
        return text
    wanted = _fold(text)
    exact = [site for site in sites if _fold(site) == wanted]
    if len(exact) == 1:
        return exact[0]
    words = wanted.split()
    found = [site for site in sites if words and all(w in _fold(site) for w in words)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFoundError(f"Aucun site ne correspond à « {text} ».", field="site")
    shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
    raise ServiceError(f"Plusieurs sites correspondent à « {text} » : {shown}.", field="site")


def _site_units(session: Session, site: str) -> list[tuple[Unit, Activity]]:
    rows = session.exec(
        select(Unit, Activity)
        .join(Activity, col(Activity.id) == col(Unit.activity_id))
        .where(Activity.site == site)
        .order_by(col(Activity.name), col(Unit.position), col(Unit.id))
    ).all()
    return [(unit, activity) for unit, activity in rows]


def resolve_unit(session: Session, site: str, unit: int | str) -> tuple[Unit, Activity]:
    """A unit of the site, by id or by name (« Repas », « matin »)."""
    units = _site_units(session, site)
    if isinstance(unit, int) or (isinstance(unit, str) and unit.strip().isdigit()):
        unit_id = int(unit)
        for row, activity in units:
            if row.id == unit_id:
                return row, activity
        raise NotFoundError(f"Unité n° {unit_id} introuvable sur le site {site}.", field="unit")
    matches = [(row, activity) for row, activity in units if _fold(row.name) == _fold(unit)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(sorted({row.name for row, _ in units})) or "aucune"
    if not matches:
        raise NotFoundError(
            f"Pas d'unité « {unit} » sur le site {site} (unités : {names}).", field="unit"
        )
    raise ServiceError(
        f"Plusieurs unités « {unit} » sur le site {site} : donnez son numéro "
        f"({', '.join(str(row.id) for row, _ in matches)}).",
        field="unit",
    )


def _unit_weekdays(unit: Unit) -> tuple[int, ...]:
    return tuple(int(d) for d in unit.weekdays.split(",") if d.strip() != "")


def _day_note(session: Session, activity: Activity, unit: Unit, day: date) -> str | None:
    if day.weekday() not in _unit_weekdays(unit):
        return f"{unit.name} : pas de service le {fr.day_name(day)}."
    closure = session.exec(
        select(Closure.reason).where(
            Closure.day == day,
            or_(col(Closure.activity_id).is_(None), col(Closure.activity_id) == activity.id),
        )
    ).first()
    if closure is not None:
        return f"Fermeture : {closure or 'sans motif'}."
    holidays = HolidayCalendar(zone=activity.holiday_zone, school=activity.kind != "creche")
    name = holidays.name(day)
    if name is not None:
        return f"Jour férié ou vacances : {name}."
    return None


def _flush_or_conflict(session: Session, message: str) -> None:
    """Another desk inserted the same (unique) row in between: say so, nothing is written."""
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError(f"{message} : rechargez la liste.") from None


def _agent_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Agent.id, Agent.name).where(col(Agent.id).in_(wanted))).all()
    return {agent_id: name for agent_id, name in rows if agent_id is not None}


def _mark(row: Attendance, agents: dict[int, str]) -> Mark:
    assert row.enrolment_id is not None
    return Mark(
        enrolment_id=row.enrolment_id,
        day=row.day,
        unit_id=row.unit_id,
        present=row.present,
        unexpected=row.unexpected,
        agent_name=agents.get(row.agent_id) if row.agent_id is not None else None,
        marked_at=row.marked_at,
        origin=row.origin,
    )


# ------------------------------------------------------------------ use cases


def list_sites(engine: Engine) -> list[SiteSummary]:
    """Every site with its activities' units, for the site and unit pickers."""
    with read_session(engine) as session:
        rows = session.exec(
            select(Unit, Activity)
            .join(Activity, col(Activity.id) == col(Unit.activity_id))
            .where(col(Activity.active).is_(True))
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
        unit_row, activity = resolve_unit(session, site_name, unit)
        assert unit_row.id is not None and activity.id is not None
        unit_id = unit_row.id
        bookings = {
            enrolment_id: status
            for enrolment_id, status in session.exec(
                select(Booking.enrolment_id, Booking.status).where(
                    col(Booking.unit_id) == unit_id,
                    Booking.day == day,
                    Booking.status != "cancelled",
                )
            ).all()
        }
        marks_rows = list(
            session.exec(
                select(Attendance).where(Attendance.unit_id == unit_id, Attendance.day == day)
            ).all()
        )
        listed = set(bookings) | {row.enrolment_id for row in marks_rows}
        covering = and_(
            col(Enrolment.status) == "active",
            col(Enrolment.start_date) <= day,
            col(Enrolment.end_date) >= day,
        )
        condition = covering
        if listed:
            condition = or_(covering, col(Enrolment.id).in_(listed))
        enrolled = session.exec(
            select(Enrolment, Person)
            .join(Person, col(Person.id) == col(Enrolment.person_id))
            .where(Enrolment.activity_id == activity.id, condition)
        ).all()
        child_ids = {person.id for _, person in enrolled if person.id is not None}
        household_ids = {person.household_id for _, person in enrolled}
        absences: dict[int, AbsenceInfo] = {}
        if child_ids:
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
        contacts: dict[int, list[Contact]] = defaultdict(list)
        if household_ids:
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
        closing = session.exec(
            select(DayClosing).where(DayClosing.unit_id == unit_id, DayClosing.day == day)
        ).first()
        agents = _agent_names(
            session,
            [row.agent_id for row in marks_rows] + [closing.agent_id if closing else None],
        )
        marks = {row.enrolment_id: _mark(row, agents) for row in marks_rows}
        note = _day_note(session, activity, unit_row, day)
        copy_id = copy_origin(session)
    children: list[ChildLine] = []
    for enrolment, person in enrolled:
        assert enrolment.id is not None and person.id is not None
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
            )
        )
    children.sort(key=lambda c: (_fold(c.last_name), _fold(c.first_name), c.enrolment_id))
    counts = DayCounts(
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
        can_mark=closing is None and day <= clock.today(),
        copy_id=None if copy_id == ORIGIN_MAIRIE else copy_id,
        counts=counts,
        children=tuple(children),
    )


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
    with unit_of_work(engine) as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None:
            raise NotFoundError(f"Inscription introuvable (n° {enrolment_id}).")
        unit = session.get(Unit, unit_id)
        if unit is None or unit.activity_id != enrolment.activity_id:
            raise NotFoundError("Cette unité n'appartient pas à l'activité de l'inscription.")
        child = session.get(Person, enrolment.person_id)
        name = f"{child.first_name} {child.last_name}" if child else f"n° {enrolment.person_id}"
        if (
            session.exec(
                select(DayClosing.id).where(DayClosing.unit_id == unit_id, DayClosing.day == day)
            ).first()
            is not None
        ):
            raise RuleViolation(
                f"La journée du {fr.long_date(day)} ({unit.name}) est clôturée : "
                "le pointage est verrouillé."
            )
        origin = _origin_for(session, day)
        status = session.exec(
            select(Booking.status).where(
                Booking.enrolment_id == enrolment_id,
                col(Booking.unit_id) == unit_id,
                Booking.day == day,
            )
        ).first()
        booked = status == "booked"
        if not booked and not (enrolment.start_date <= day <= enrolment.end_date):
            raise RuleViolation(f"{name} n'est pas inscrit(e) le {fr.long_date(day)}.")
        if present and not booked and not unexpected:
            raise RuleViolation(
                f"{name} n'a pas de réservation le {fr.long_date(day)} : "
                "notez une présence inattendue."
            )
        if unexpected and booked:
            raise RuleViolation(
                f"{name} est réservé(e) le {fr.long_date(day)} : ce n'est pas une présence "
                "inattendue."
            )
        row = session.exec(
            select(Attendance).where(
                Attendance.enrolment_id == enrolment_id,
                Attendance.unit_id == unit_id,
                Attendance.day == day,
            )
        ).first()
        before: dict[str, bool] | None = None
        if row is None:
            row = Attendance(
                enrolment_id=enrolment_id, day=day, unit_id=unit_id, present=present, marked_at=now
            )
        else:
            before = {"present": row.present, "unexpected": row.unexpected}
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


def close_day(
    engine: Engine, *, unit_id: int, day: date, actor: Actor, clock: Clock
) -> ClosingInfo:
    """A supervisor closes the pointage of a unit for a day; marks are locked after."""
    require_supervisor(actor, "clôturer une journée")
    if day > clock.today():
        raise RuleViolation(f"Impossible de clôturer un jour à venir ({fr.long_date(day)}).")
    now = clock.now()
    with unit_of_work(engine) as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFoundError(f"Unité introuvable (n° {unit_id}).")
        existing = session.exec(
            select(DayClosing).where(DayClosing.unit_id == unit_id, DayClosing.day == day)
        ).first()
        if existing is not None:
            raise RuleViolation(f"La journée du {fr.long_date(day)} est déjà clôturée.")
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
                "present": int(present),
                "absent": int(absent),
                "unmarked": int(unmarked),
                "origin": origin,
            },
        )
        return ClosingInfo(unit_id, day, actor.name, now, int(present), int(absent), int(unmarked))


def headcounts(
    engine: Engine,
    *,
    start: date,
    end: date,
    clock: Clock,
    site: str | None = None,
    unit: int | str | None = None,
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
                units = [(u, a) for u, a in units if _fold(u.name) == _fold(unit)]
            if not units:
                raise NotFoundError(f"Aucune unité « {unit} » pour ce choix.", field="unit")
        unit_ids = [u.id for u, _ in units if u.id is not None]
        if not unit_ids:
            return []
        booked_sum = func.sum(case((col(Booking.status) == "booked", 1), else_=0))
        pending_sum = func.sum(case((col(Booking.status) == "pending", 1), else_=0))
        booking_counts = {
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
        marks: dict[tuple[int, date], tuple[int, int, int]] = {}
        closed: set[tuple[int, date]] = set()
        if start <= today:
            last = min(end, today)
            present_sum = func.sum(case((col(Attendance.present), 1), else_=0))
            absent_sum = func.sum(case((col(Attendance.present), 0), else_=1))
            unexpected_sum = func.sum(
                case((and_(col(Attendance.present), col(Attendance.unexpected)), 1), else_=0)
            )
            marks = {
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
            closed = {
                (unit_id, day)
                for unit_id, day in session.exec(
                    select(DayClosing.unit_id, col(DayClosing.day)).where(
                        col(DayClosing.unit_id).in_(unit_ids),
                        col(DayClosing.day) >= start,
                        col(DayClosing.day) <= last,
                    )
                ).all()
            }
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
                )
            )
    return rows
