"""Dossier unique / pré-inscription: enrol a child in an activity, then activate it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mairie_tui.clock import Clock
from mairie_tui.db import read_session
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import Activity, Enrolment, Person, Unit
from mairie_tui.services.common import Actor, audit, changes, fields_of, require_counter_agent
from mairie_tui.services.errors import RuleViolation, ServiceError
from mairie_tui.services.permissions import requires
from mairie_tui.services.transactions import ENROLMENT_OVERLAP, lock_rows, write_use_case
from mairie_tui.services.uow import get_or_404, writing

# What an enrolment's audit rows diff: its status and its period.
ENROLMENT_FIELDS = ("status", "start_date", "end_date")


@dataclass(frozen=True)
class ActivityOption:
    id: int
    code: str
    name: str
    site: str
    kind: str
    commune_insee: str
    capacity: int | None

    @property
    def label(self) -> str:
        return f"{self.name} — {self.site}"


def school_year(today: date, zone: str = "C") -> tuple[date, date]:
    """The school year around `today`: 1 September to the eve of the summer holidays."""
    start_year = today.year if today.month >= 8 else today.year - 1
    start = date(start_year, 9, 1)
    holidays = HolidayCalendar(zone=zone)
    day = date(start_year + 1, 6, 20)
    while day < date(start_year + 1, 8, 31):
        name = holidays.name(day) or ""
        if "été" in name:
            return start, day - timedelta(days=1)
        day += timedelta(days=1)
    return start, date(start_year + 1, 7, 4)


def list_activities(engine: Engine, *, commune_insee: str | None = None) -> list[ActivityOption]:
    """Active activities (those of a commune first when one is given)."""
    with read_session(engine) as session:
        rows = session.exec(
            select(Activity).where(col(Activity.active).is_(True)).order_by(col(Activity.name))
        ).all()
        capacities = dict(
            session.exec(
                select(col(Unit.activity_id), func.max(Unit.capacity)).group_by(
                    col(Unit.activity_id)
                )
            ).all()
        )
    options = [
        ActivityOption(a.id, a.code, a.name, a.site, a.kind, a.commune_insee, capacities.get(a.id))
        for a in rows
        if a.id is not None
    ]
    if commune_insee:
        options.sort(key=lambda option: option.commune_insee != commune_insee)
    return options


def _age_months(birth: date, on: date) -> int:
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - (1 if on.day < birth.day else 0)


@requires("foyers.modifier")
@write_use_case()
def enrol_child(
    engine: Engine,
    *,
    child_id: int,
    activity_id: int,
    actor: Actor,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    activate: bool = False,
) -> int:
    """Pré-inscription (status pending), or directly active when `activate`; returns its id."""
    require_counter_agent(actor)
    now = clock.now()
    with writing(engine, "inscription") as session:
        child = get_or_404(
            session, Person, child_id, "Enfant introuvable.", where=lambda p: p.role == "child"
        )
        activity = get_or_404(
            session,
            Activity,
            activity_id,
            "Activité introuvable ou fermée.",
            where=lambda a: a.active,
        )
        default_start, default_end = school_year(clock.today(), activity.holiday_zone)
        first, last = start or default_start, end or default_end
        if last < first:
            raise ServiceError("La fin de la période précède son début.", field="end")
        _check_age(child, activity, first)
        overlapping = session.exec(
            select(Enrolment).where(
                Enrolment.person_id == child_id,
                Enrolment.activity_id == activity_id,
                Enrolment.status != "ended",
                Enrolment.start_date <= last,
                Enrolment.end_date >= first,
            )
        ).first()
        if overlapping is not None:
            raise RuleViolation(
                f"{child.first_name} est déjà inscrit(e) à {activity.name} "
                f"{fr.period(overlapping.start_date, overlapping.end_date)}."
            )
        if activate:
            _check_capacity(session, activity, first, last)
        enrolment = Enrolment(
            person_id=child_id,
            activity_id=activity_id,
            start_date=first,
            end_date=last,
            status="active" if activate else "pending",
        )
        refused = f"{child.first_name} est déjà inscrit(e) à {activity.name} sur cette période."
        session.add(enrolment)
        try:
            session.flush()
        except IntegrityError as error:
            # Another desk enrolled the child at the same moment: the database's
            # exclusion constraint (migration 0006) refused the second row.
            if ENROLMENT_OVERLAP not in str(error.orig):
                raise
            raise RuleViolation(refused) from None
        assert enrolment.id is not None
        audit(
            session,
            at=now,
            actor=actor,
            action="enrolment.create",
            entity="enrolment",
            entity_id=enrolment.id,
            details={
                **_enrolment_details(child, activity, {}, enrolment),
                "status": enrolment.status,
            },
        )
        return enrolment.id


@requires("foyers.modifier")
@write_use_case()
def activate_enrolment(engine: Engine, enrolment_id: int, *, actor: Actor, clock: Clock) -> None:
    """pending → active, after the checks (age, capacity of a crèche)."""
    require_counter_agent(actor)
    with writing(engine, "inscription") as session:
        # Row lock: two desks validating the same pré-inscription queue here.
        enrolment = get_or_404(session, Enrolment, enrolment_id, for_update=True)
        if enrolment.status != "pending":
            raise ServiceError("Seule une pré-inscription peut être validée.")
        activity = session.get(Activity, enrolment.activity_id)
        child = session.get(Person, enrolment.person_id)
        assert activity is not None and child is not None
        _check_age(child, activity, enrolment.start_date)
        _check_capacity(session, activity, enrolment.start_date, enrolment.end_date)
        before = fields_of(enrolment, ENROLMENT_FIELDS)
        enrolment.status = "active"
        enrolment.version += 1
        session.add(enrolment)
        audit(
            session,
            at=clock.now(),
            actor=actor,
            action="enrolment.activate",
            entity="enrolment",
            entity_id=enrolment_id,
            details=_enrolment_details(child, activity, before, enrolment),
        )


def _enrolment_details(
    child: Person, activity: Activity, before: dict[str, object], enrolment: Enrolment
) -> dict[str, object]:
    return {
        "child": child.id,
        "child_name": f"{child.first_name} {child.last_name}",
        "household_id": child.household_id,
        "activity": activity.code,
        "changes": changes(before, fields_of(enrolment, ENROLMENT_FIELDS)),
    }


def _check_age(child: Person, activity: Activity, on: date) -> None:
    if child.birth_date is None:
        if activity.min_age_months is not None or activity.max_age_months is not None:
            raise RuleViolation(
                f"Date de naissance de {child.first_name} inconnue : âge à vérifier."
            )
        return
    months = _age_months(child.birth_date, on)
    if activity.min_age_months is not None and months < activity.min_age_months:
        raise RuleViolation(
            f"{child.first_name} est trop jeune pour {activity.name} "
            f"({months} mois au {fr.short_date(on)}, minimum {activity.min_age_months} mois)."
        )
    if activity.max_age_months is not None and months > activity.max_age_months:
        raise RuleViolation(
            f"{child.first_name} est trop âgé(e) pour {activity.name} "
            f"({months // 12} ans au {fr.short_date(on)}, maximum {activity.max_age_months // 12} ans)."
        )


def _check_capacity(session: Session, activity: Activity, first: date, last: date) -> None:
    """A crèche takes at most its capacity in active enrolments over a period.

    The activity row is locked before counting: two desks giving the last
    place at once queue here, and the second one counts the first's child.
    """
    if activity.kind != "creche":
        return
    lock_rows(session, Activity, [activity.id])
    capacity = session.exec(
        select(func.max(Unit.capacity)).where(Unit.activity_id == activity.id)
    ).one()
    if capacity is None:
        return
    taken = session.exec(
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.activity_id == activity.id,
            Enrolment.status == "active",
            Enrolment.start_date <= last,
            Enrolment.end_date >= first,
        )
    ).one()
    if taken >= capacity:
        raise RuleViolation(
            f"{activity.name} est complète : {taken} enfants inscrits pour {capacity} places."
        )
