"""Prepare the database a load test runs on, and describe what each desk works on.

The harness only ever writes to a database it prepared: an empty one (no
table, or migrated with no household, agent or activity), or one a previous
`charge` run prepared, recognised by its marker agent. Anything else is
refused with a French message, so a mairie's live data cannot be touched by
accident.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine, func, inspect, select, text

from mairie_tui.db import current_revision, reset_database, unit_of_work, upgrade
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import Activity, Agent, Enrolment, Household, Person, Unit
from mairie_tui.services.agents import hash_password
from mairie_tui.services.appointments import ensure_agenda
from mairie_tui.services.demo import SCHOOL_YEAR, build_demo
from mairie_tui.services.requests import catalogue

# The frozen day of the demo (the portal tutorial): deadlines behave the same at every run.
SEED_NOW = "2020-09-15T10:00"
MARKER_LOGIN = "charge-marqueur"
MARKER_NAME = "Base préparée par « mairie-tui charge » (test de charge)"
DESK_PASSWORD = "guichet-charge"
AGENDA_CODE = "titres"
HOT_ACTIVITY = "CHARGE-ATELIER"
ENROL_ACTIVITIES = tuple(f"CHARGE-INSCR-{n}" for n in range(1, 5))
HOT_HOUSEHOLDS = 3
HOT_DAYS = 6
# Each desk needs families of its own (about two households in three have an enrolment).
MIN_HOUSEHOLDS_PER_DESK = 5
# Days the desks book and cancel: the weeks still open on 15/09/2020, before the autumn holidays.
BOOKING_WINDOW = (date(2020, 9, 21), date(2020, 10, 16))


class PreparationRefused(Exception):
    """The database is not one the harness may write to; the message is French."""


def desk_login(index: int) -> str:
    return f"guichet{index + 1:02d}"


@dataclass(frozen=True)
class DeskPlan:
    """What one desk works on (plain data: it crosses the process boundary)."""

    index: int
    login: str
    own_households: tuple[int, ...]
    hot_enrolment: int
    search_texts: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    url: str
    now: str
    seed: int
    hot_households: tuple[int, ...]
    hot_unit: int
    hot_capacity: int
    hot_days: tuple[date, ...]
    enrol_activities: tuple[int, ...]
    enrol_children: tuple[int, ...]
    desks: tuple[DeskPlan, ...] = field(default_factory=tuple)


def check_target(engine: Engine) -> bool:
    """True if the database was prepared by a previous run; raise if it is someone else's."""
    tables = set(inspect(engine).get_table_names())
    if not tables:
        return False
    refusal = (
        "cette base contient déjà des données : « mairie-tui charge » n'écrit que dans une "
        "base vide ou déjà préparée par un test de charge. Donnez l'adresse d'une base vide "
        "(jamais celle de la mairie)."
    )
    if current_revision(engine) is None or "agent" not in tables:
        raise PreparationRefused(refusal)
    with engine.connect() as conn:
        marker = conn.execute(select(Agent.id).where(Agent.login == MARKER_LOGIN)).first()
        if marker is not None:
            return True
        for model in (Household, Agent, Activity):
            if conn.execute(select(model.id).limit(1)).first() is not None:  # type: ignore[attr-defined]
                raise PreparationRefused(refusal)
    return False


def prepare(engine: Engine, url: str, *, desks: int, households: int, seed: int) -> Scenario:
    """Empty (or previously prepared) database → schema, demo, the scenario's extra rows."""
    if households < MIN_HOUSEHOLDS_PER_DESK * desks:
        raise PreparationRefused(
            f"{households} foyers pour {desks} guichets, c'est trop peu : "
            f"--households {MIN_HOUSEHOLDS_PER_DESK * desks} au moins."
        )
    if check_target(engine):
        reset_database(engine)
    upgrade(engine)
    build_demo(engine, households=households)
    with unit_of_work(engine) as session:
        _create_agents(session, desks)
        hot_unit, capacity = _hot_activity(session, desks)
        enrol_ids = _enrol_activities(session)
        booked = _households_with_enrolments(session)
        if len(booked) < HOT_HOUSEHOLDS + desks:
            raise PreparationRefused(
                f"trop peu de foyers avec des inscriptions ({len(booked)}) pour {desks} guichets : "
                "augmentez --households."
            )
        hot = tuple(booked[:HOT_HOUSEHOLDS])
        own: list[list[int]] = [[] for _ in range(desks)]
        for position, household_id in enumerate(booked[HOT_HOUSEHOLDS:]):
            own[position % desks].append(household_id)
        hot_enrolments = [_enrol_hot_child(session, own[i][0], hot_unit) for i in range(desks)]
        children = tuple(
            session.execute(
                select(Person.id).where(Person.role == "child").order_by(Person.id)
            ).scalars()
        )
        names = _search_texts(session)
    for demarche in catalogue().demarches:
        if demarche.appointment is not None and demarche.appointment.code == AGENDA_CODE:
            ensure_agenda(engine, demarche.appointment)
    plans = _plans(desks, own, hot_enrolments, names, random.Random(seed))
    children_list = list(children)
    random.Random(seed).shuffle(children_list)
    return Scenario(
        url=url,
        now=SEED_NOW,
        seed=seed,
        hot_households=hot,
        hot_unit=hot_unit,
        hot_capacity=capacity,
        hot_days=hot_days(),
        enrol_activities=enrol_ids,
        enrol_children=tuple(children_list),
        desks=plans,
    )


def _create_agents(session, desks: int) -> None:  # type: ignore[no-untyped-def]
    """The marker (inactive, no usable password) and one agent per desk, sharing one hash."""
    password_hash = hash_password(DESK_PASSWORD)
    session.add(
        Agent(login=MARKER_LOGIN, name=MARKER_NAME, role="agent", password_hash="!", active=False)
    )
    for index in range(desks):
        session.add(
            Agent(
                login=desk_login(index),
                name=f"Guichet {index + 1:02d} (charge)",
                role="agent",
                password_hash=password_hash,
            )
        )


def _plans(
    desks: int,
    own: list[list[int]],
    hot_enrolments: list[int],
    names: list[str],
    rng: random.Random,
) -> tuple[DeskPlan, ...]:
    return tuple(
        DeskPlan(
            index=i,
            login=desk_login(i),
            own_households=tuple(own[i]),
            hot_enrolment=hot_enrolments[i],
            search_texts=tuple(rng.sample(names, min(40, len(names)))),
        )
        for i in range(desks)
    )


def hot_days() -> tuple[date, ...]:
    """The first open days of the hot unit (Mon, Tue, Thu, Fri) from 21/09/2020."""
    holidays = HolidayCalendar()
    days: list[date] = []
    day = BOOKING_WINDOW[0]
    while len(days) < HOT_DAYS:
        if day.weekday() in (0, 1, 3, 4) and not holidays.is_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def _hot_activity(session, desks: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """An activity whose only unit has few places: the desks race for the last ones."""
    capacity = max(2, desks // 4)
    activity = Activity(
        code=HOT_ACTIVITY,
        name="Atelier du midi (charge)",
        kind="alsh",
        site="Salle polyvalente (charge)",
        commune_insee="30007",
    )
    session.add(activity)
    session.flush()
    unit = Unit(activity_id=activity.id, name="Atelier", weekdays="0,1,3,4", capacity=capacity)
    session.add(unit)
    session.flush()
    assert unit.id is not None
    return unit.id, capacity


def _enrol_activities(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    ids = []
    for number, code in enumerate(ENROL_ACTIVITIES, start=1):
        activity = Activity(
            code=code,
            name=f"Stage {number} (charge)",
            kind="alsh",
            site="Centre de loisirs (charge)",
            commune_insee="30007",
        )
        session.add(activity)
        session.flush()
        session.add(Unit(activity_id=activity.id, name="Journée", weekdays="2"))
        ids.append(activity.id)
    session.flush()
    return tuple(ids)


def _households_with_enrolments(session) -> list[int]:  # type: ignore[no-untyped-def]
    """Households with an active, non-crèche enrolment over the school year, by id."""
    rows = session.execute(
        select(Person.household_id)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .join(Activity, Activity.id == Enrolment.activity_id)
        .where(Enrolment.status == "active", Activity.kind != "creche")
        .group_by(Person.household_id)
        .order_by(Person.household_id)
    )
    return [int(household_id) for (household_id,) in rows]


def _enrol_hot_child(session, household_id: int, hot_unit: int) -> int:  # type: ignore[no-untyped-def]
    child = session.execute(
        select(Person.id)
        .where(Person.household_id == household_id, Person.role == "child")
        .order_by(Person.id)
    ).scalar()
    activity_id = session.execute(select(Unit.activity_id).where(Unit.id == hot_unit)).scalar()
    enrolment = Enrolment(
        person_id=child,
        activity_id=activity_id,
        start_date=SCHOOL_YEAR[0],
        end_date=SCHOOL_YEAR[1],
        status="active",
    )
    session.add(enrolment)
    session.flush()
    assert enrolment.id is not None
    return enrolment.id


def _search_texts(session) -> list[str]:  # type: ignore[no-untyped-def]
    """What agents type: a last name, a last name and first name, a phone number."""
    rows = session.execute(
        select(Person.last_name, Person.first_name, Person.phone)
        .where(Person.role == "representative")
        .order_by(Person.id)
    ).all()
    texts: list[str] = []
    for last, first, phone in rows:
        texts.append(last)
        texts.append(f"{last} {first[:3]}")
        if phone:
            texts.append(phone)
    return sorted(set(texts))


def prepared_counts(engine: Engine) -> dict[str, int]:
    """Sizes of the prepared database (for the report)."""
    with engine.connect() as conn:
        return {
            "foyers": int(conn.execute(select(func.count()).select_from(Household)).scalar() or 0),
            "réservations": int(conn.execute(text("SELECT count(*) FROM booking")).scalar() or 0),
        }
