"""Rights, site and unit lookup, and the small queries the lists share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import (
    Activity,
    Agent,
    Closure,
    Unit,
)
from mairie_tui.models.attendance import ORIGIN_MAIRIE, Attendance, OfflineCopy
from mairie_tui.services.common import Actor
from mairie_tui.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ServiceError,
)
from mairie_tui.services.lists.views import KNOWN_ROLES, Mark


def require_supervisor(actor: Actor, what: str) -> None:
    if not actor.is_supervisor:
        raise PermissionDenied(f"Seul un superviseur peut {what}.")


def _require_known(actor: Actor) -> None:
    if actor.role not in KNOWN_ROLES:
        raise PermissionDenied("Rôle inconnu : action refusée.")


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
    wanted = fr.fold(text)
    exact = [site for site in sites if fr.fold(site) == wanted]
    if len(exact) == 1:
        return exact[0]
    words = wanted.split()
    found = [site for site in sites if words and all(w in fr.fold(site) for w in words)]
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
    matches = [(row, activity) for row, activity in units if fr.fold(row.name) == fr.fold(unit)]
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


def _site_of(session: Session, unit: Unit) -> str:
    """The site of a unit's activity (what staff are attached to)."""
    activity = session.get(Activity, unit.activity_id)
    return activity.site if activity is not None else ""


def _unit_weekdays(unit: Unit) -> tuple[int, ...]:
    return tuple(int(d) for d in unit.weekdays.split(",") if d.strip() != "")


def day_note(session: Session, activity: Activity, unit: Unit, day: date) -> str | None:
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
