"""The demo database: the seed exactly as the design says, the agents, and a
deterministic, consistent synthetic part (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from mairie_tui.db import make_engine, read_session, reset_database, unit_of_work, upgrade
from mairie_tui.domain import fr
from mairie_tui.domain.calendar import HolidayCalendar
from mairie_tui.models import (
    Activity,
    Agent,
    Booking,
    Closure,
    Enrolment,
    Household,
    Person,
    Unit,
)
from mairie_tui.services.agents import authenticate
from mairie_tui.services.demo import (
    CRECHE_YEAR,
    DEMO_TIME,
    SCHOOL_YEAR,
    build_demo,
    load_communes,
    seed_ids,
)
from mairie_tui.services.errors import AuthenticationError, ServiceError
from mairie_tui.services.search import search_households
from tests.conftest import BACKENDS, PG_SKIP_REASON, PgDatabases

N = 300
PHONE = re.compile(r"^0[67]( \d\d){4}$")
HOUSEHOLD_PHONE = re.compile(r"^0[467]( \d\d){4}$")
EMAIL = re.compile(r"^[a-z0-9.-]+@[a-z0-9.-]+\.[a-z]+$")


def test_seed_household_is_famille_test_as_the_design_says(engine: Engine) -> None:
    ids = build_demo(engine, households=0)
    with read_session(engine) as session:
        assert seed_ids(session) == ids
        household = session.get(Household, ids.household_id)
        assert household is not None
        assert (household.dossier, household.address, household.postcode) == (
            "F-000001",
            "2 place de la Mairie",
            "30340",
        )
        assert (household.commune_insee, household.commune_name) == ("30173", "Mons")
        assert household.phone == "04 66 83 10 74"
        assert household.email == "mairiedemons0517@orange.fr"
        members = session.exec(
            select(Person).where(Person.household_id == ids.household_id).order_by(Person.position)
        ).all()
        assert [(p.role, p.first_name, p.last_name) for p in members] == [
            ("representative", "Test 1", "FAMILLE TEST"),
            ("co_representative", "Test 2", "FAMILLE TEST"),
            ("child", "Jeannot", "FAMILLE TEST"),
        ]
        assert members[2].id == ids.child_id
        activity = session.get(Activity, ids.activity_id)
        assert activity is not None
        assert (activity.code, activity.name, activity.site, activity.kind) == (
            "RS-MONS",
            "Restauration scolaire Mons",
            "Restaurant scolaire Mons Elementaire",
            "canteen",
        )
        assert (activity.deadline_kind, activity.deadline_weekday) == ("weekly", 1)
        units = session.exec(select(Unit).where(Unit.activity_id == ids.activity_id)).all()
        assert [(u.name, u.weekdays, u.capacity) for u in units] == [("Repas", "0,1,3,4", None)]
        enrolments = session.exec(
            select(Enrolment).where(Enrolment.person_id == ids.child_id)
        ).all()
        assert [(e.activity_id, e.start_date, e.end_date, e.status) for e in enrolments] == [
            (ids.activity_id, date(2020, 9, 1), date(2021, 7, 6), "active")
        ]
        # Nothing may change the seed scenario's calendar: no booking of its
        # own, no closure on RS-MONS nor everywhere.
        assert (
            session.exec(select(Booking).where(Booking.enrolment_id == ids.enrolment_id)).all()
            == []
        )
        assert (
            session.exec(
                select(Closure).where(
                    (Closure.activity_id == ids.activity_id) | (Closure.activity_id.is_(None))  # type: ignore[union-attr]
                )
            ).all()
            == []
        )


def test_demo_agents_sign_in_with_their_login_as_password(engine: Engine, seed_clock: Any) -> None:
    build_demo(engine, households=0)
    waits: list[float] = []
    for login, role in (("guichet", "agent"), ("superviseur", "supervisor"), ("cantine", "staff")):
        actor = authenticate(engine, login, login, seed_clock, sleep=waits.append)
        assert (actor.login, actor.role) == (login, role)
    with pytest.raises(AuthenticationError):
        authenticate(engine, "guichet", "superviseur", seed_clock, sleep=waits.append)
    with read_session(engine) as session:
        hashes = [agent.password_hash for agent in session.exec(select(Agent))]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    assert waits == []


def test_a_non_empty_database_is_refused(engine: Engine) -> None:
    build_demo(engine, households=2)
    with pytest.raises(ServiceError, match="démo demande une base vide"):
        build_demo(engine, households=2)
    with read_session(engine) as session:
        # FAMILLE TEST, two synthetic households and FAMILLE AGENDA.
        assert len(session.exec(select(Household)).all()) == 4


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "household": "SELECT id, dossier, address, postcode, commune_insee, commune_name, phone,"
        " email, quotient_familial, qf_valid_until, created_at FROM household ORDER BY id",
        "person": "SELECT id, household_id, role, civility, first_name, last_name, birth_date,"
        " phone, email, school, school_class, position FROM person ORDER BY id",
        "activity": "SELECT id, code, name, kind, site, commune_insee FROM activity ORDER BY id",
        "unit": "SELECT id, activity_id, name, weekdays, capacity FROM unit ORDER BY id",
        "closure": "SELECT activity_id, day, reason FROM closure ORDER BY id",
        "enrolment": "SELECT id, person_id, activity_id, start_date, end_date, status"
        " FROM enrolment ORDER BY id",
        "booking": "SELECT id, enrolment_id, day, unit_id, status, updated_at FROM booking ORDER BY id",
    }
    with engine.connect() as conn:
        return {
            name: [tuple(str(v) for v in row) for row in conn.execute(text(sql))]
            for name, sql in queries.items()
        }


def test_two_builds_of_the_same_size_are_identical(engine: Engine) -> None:
    build_demo(engine, households=150)
    first = _dump(engine)
    reset_database(engine)
    upgrade(engine)
    build_demo(engine, households=150)
    second = _dump(engine)
    assert first == second
    # FAMILLE TEST, 150 synthetic households and FAMILLE AGENDA.
    assert len(first["household"]) == 152 and len(first["booking"]) > 1000
    # A smaller build is the head of a larger one (ids are given in order).
    reset_database(engine)
    upgrade(engine)
    build_demo(engine, households=60)
    small = _dump(engine)
    assert len(small["household"]) == 62 and 0 < len(small["booking"]) < len(first["booking"])
    # FAMILLE AGENDA comes after the synthetic households: the head is what precedes it.
    small, first = _without_agenda(small), _without_agenda(first)
    for table, rows in small.items():
        assert rows == first[table][: len(rows)], table


def _without_agenda(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The dump without FAMILLE AGENDA's household, members and enrolments (it has no booking)."""
    (agenda,) = [row[0] for row in dump["household"] if row[1] == "F-000000"]
    people = {row[0] for row in dump["person"] if row[1] == agenda}
    return {
        **dump,
        "household": [row for row in dump["household"] if row[0] != agenda],
        "person": [row for row in dump["person"] if row[0] not in people],
        "enrolment": [row for row in dump["enrolment"] if row[1] not in people],
    }


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_databases: PgDatabases | None,
) -> Iterator[Engine]:
    """One demo of N households per backend, shared by the read-only tests below."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        if pg_databases is None:
            pytest.skip(PG_SKIP_REASON)
        url = pg_databases.new()
    engine = make_engine(url)
    steps: list[tuple[str, int, int]] = []
    build_demo(engine, households=N, progress=lambda *step: steps.append(step))
    households_steps = [(done, total) for label, done, total in steps if label == "Foyers"]
    assert households_steps[0] == (0, N) and households_steps[-1] == (N, N)
    assert [done for done, _ in households_steps] == sorted(done for done, _ in households_steps)
    assert {label for label, _, _ in steps} >= {"Réservations", "Index de recherche"}
    yield engine
    engine.dispose()
    if pg_databases is not None and request.param == "postgresql":
        pg_databases.drop(url)


def test_synthetic_households_are_complete_and_in_the_communes(demo: Engine) -> None:
    communes = {c.insee: c for c in load_communes()}
    with read_session(demo) as session:
        every = session.exec(select(Household).order_by(Household.id)).all()
        # FAMILLE AGENDA (services/demo/family.py) comes after them, as F-000000.
        assert every[-1].dossier == "F-000000"
        households = every[:-1]
        persons = session.exec(select(Person).where(Person.household_id != every[-1].id)).all()
    assert [h.dossier for h in households] == [f"F-{i:06d}" for i in range(1, N + 2)]
    by_household: dict[int, list[Person]] = {}
    for person in persons:
        by_household.setdefault(person.household_id, []).append(person)
    assert set(by_household) == {h.id for h in households}
    for household in households[1:]:
        commune = communes[household.commune_insee]
        assert (household.commune_name, household.postcode) == (commune.name, commune.postcode)
        assert household.created_at == DEMO_TIME
        assert household.phone and HOUSEHOLD_PHONE.match(household.phone), household.phone
        assert household.email and EMAIL.match(household.email), household.email
        assert (household.quotient_familial is None) == (household.qf_valid_until is None)
        members = sorted(by_household[household.id or 0], key=lambda p: p.position)
        roles = Counter(p.role for p in members)
        assert roles["representative"] == 1 and members[0].role == "representative"
        assert roles["co_representative"] <= 1 and roles["child"] <= 4
        assert [p.position for p in members] == list(range(len(members)))
        for person in members:
            if person.role == "child":
                assert person.civility is None and person.birth_date is not None
                assert person.birth_date < DEMO_TIME.date()
            else:
                assert person.civility in ("Mme", "M.")
                assert person.phone and PHONE.match(person.phone), person.phone
    # Households spread over many communes, weighted by population: Alès first.
    per_commune = Counter(h.commune_insee for h in households[1:])
    assert len(per_commune) >= 25
    assert per_commune.most_common(1)[0][0] == "30007"
    last_names = {p.last_name for p in persons}
    first_names = {p.first_name for p in persons}
    assert "Guérin" in last_names
    assert any("'" in name for name in last_names)
    assert any(ch in name for name in first_names for ch in "éèëïç")


def test_enrolments_match_the_childs_commune_age_and_activity(demo: Engine) -> None:
    with read_session(demo) as session:
        rows = session.exec(
            select(Enrolment, Person, Household, Activity)
            .join(Person, Person.id == Enrolment.person_id)  # type: ignore[arg-type]
            .join(Household, Household.id == Person.household_id)  # type: ignore[arg-type]
            .join(Activity, Activity.id == Enrolment.activity_id)  # type: ignore[arg-type]
        ).all()
    kinds: Counter[str] = Counter()
    statuses: Counter[tuple[str, str]] = Counter()
    for enrolment, person, household, activity in rows:
        assert person.role == "child"
        assert activity.commune_insee == household.commune_insee
        period = CRECHE_YEAR if activity.kind == "creche" else SCHOOL_YEAR
        assert (enrolment.start_date, enrolment.end_date) == period
        assert person.birth_date is not None
        age = 2020 - person.birth_date.year
        kinds[activity.kind] += 1
        statuses[activity.kind, enrolment.status] += 1
        if activity.kind == "creche":
            assert age <= 2 and person.school is None
        else:
            assert 3 <= age <= 10 and enrolment.status == "active"
            assert person.school is not None and person.school.startswith("École")
            if activity.kind == "canteen" and activity.commune_insee != "30173":
                # "Restauration scolaire Alès Jean Macé" feeds "École ... Jean Macé".
                assert activity.name.split()[-1] in person.school
    assert kinds["canteen"] > 50 and kinds["periscolaire"] > 10 and kinds["alsh"] > 0
    assert kinds["creche"] > 0
    assert set(statuses) <= {
        ("canteen", "active"),
        ("periscolaire", "active"),
        ("alsh", "active"),
        ("creche", "active"),
        ("creche", "pending"),
    }


MATERNELLE = ("PS", "MS", "GS")
ELEMENTAIRE = ("CP", "CE1", "CE2", "CM1", "CM2")
SECONDAIRE = ("6e", "5e", "4e", "3e", "2de", "1re", "Tle")


def _usual_age(school_class: str) -> int:
    """The age a child turns in the year of the rentrée, in this class (PS: 3, CP: 6, 6e: 11)."""
    return (*MATERNELLE, *ELEMENTAIRE, *SECONDAIRE).index(school_class) + 3


def test_every_class_fits_the_school_and_the_childs_age(demo: Engine) -> None:
    """A real town: PS/MS/GS at the maternelle, CP→CM2 at the élémentaire, by year of birth.

    A child is in the class of the year they were born (PS the year they turn 3); Jeannot
    (FAMILLE TEST, born in 2013, in CE2) is one year ahead, as the portal's tutorial has him.
    """
    rentree = SCHOOL_YEAR[0]
    with read_session(demo) as session:
        children = session.exec(
            select(Person, Household)
            .join(Household, Household.id == Person.household_id)  # type: ignore[arg-type]
            .where(Person.role == "child")
        ).all()
        enrolled = session.exec(
            select(Enrolment, Person, Activity)
            .join(Person, Person.id == Enrolment.person_id)  # type: ignore[arg-type]
            .join(Activity, Activity.id == Enrolment.activity_id)  # type: ignore[arg-type]
        ).all()
    levels: Counter[str] = Counter()
    for person, household in children:
        assert person.birth_date is not None
        years = rentree.year - person.birth_date.year
        if person.school_class is None:
            assert years < 3 and person.school is None, person
            continue
        assert person.school is not None
        school = fr.fold(person.school)
        if person.school_class in MATERNELLE:
            assert school.startswith("ecole maternelle"), person
        elif person.school_class in ELEMENTAIRE:
            assert school.startswith("ecole elementaire"), person
        else:
            assert school.startswith(("college", "lycee")), person
        gap = years - _usual_age(person.school_class)
        assert gap == 0 or (household.dossier == "F-000001" and gap == -1), person
        levels[person.school_class] += 1
    assert set(levels) >= {*MATERNELLE, *ELEMENTAIRE}
    sites: Counter[tuple[str, str]] = Counter()
    for enrolment, person, activity in enrolled:
        assert person.birth_date is not None
        months = (enrolment.start_date.year - person.birth_date.year) * 12 + (
            enrolment.start_date.month - person.birth_date.month
        )
        if activity.min_age_months is not None:
            assert months >= activity.min_age_months, (person, activity.code)
        if activity.max_age_months is not None:
            assert months <= activity.max_age_months, (person, activity.code)
        if activity.kind == "creche":
            assert person.school_class is None
            continue
        assert person.school_class in (*MATERNELLE, *ELEMENTAIRE), (person, activity.code)
        level = "maternelle" if person.school_class in MATERNELLE else "elementaire"
        site = fr.fold(activity.site)
        for other in {"maternelle", "elementaire"} - {level}:
            assert other not in site, (person.school_class, activity.site)
        if activity.commune_insee == "30173" and activity.kind == "canteen":
            sites[activity.site, level] += 1
    # Mons: the élémentaire and the maternelle each have their own canteen.
    assert sites["Restaurant scolaire Mons Elementaire", "elementaire"] > 1
    assert sites["Restaurant scolaire Mons Maternelle", "maternelle"] > 0


def test_bookings_fall_on_open_days_within_capacity(demo: Engine) -> None:
    holidays = HolidayCalendar()
    public_holidays = HolidayCalendar(school=False)
    with read_session(demo) as session:
        bookings = session.exec(
            select(Booking, Enrolment, Unit)
            .join(Enrolment, Enrolment.id == Booking.enrolment_id)  # type: ignore[arg-type]
            .join(Unit, Unit.id == Booking.unit_id)  # type: ignore[arg-type]
        ).all()
        closures = {(c.activity_id, c.day) for c in session.exec(select(Closure))}
    assert len(bookings) > 5000
    taken: Counter[tuple[int, date]] = Counter()
    in_school_holidays: Counter[bool] = Counter()
    for booking, enrolment, unit in bookings:
        assert unit.activity_id == enrolment.activity_id and enrolment.status == "active"
        assert enrolment.start_date <= booking.day <= enrolment.end_date
        assert str(booking.day.weekday()) in unit.weekdays.split(",")
        # A crèche (the only units with a capacity) stays open in the school
        # holidays, not on public holidays.
        calendar = public_holidays if unit.capacity is not None else holidays
        assert not calendar.is_holiday(booking.day), booking.day
        in_school_holidays[unit.capacity is not None] += holidays.is_holiday(booking.day)
        assert (enrolment.activity_id, booking.day) not in closures
        taken[unit.id or 0, booking.day] += 1
    assert in_school_holidays[True] > 0 and in_school_holidays[False] == 0
    capacities = {u.id: u.capacity for _, _, u in bookings if u.capacity is not None}
    assert capacities, "no crèche booking"
    for (unit_id, _day), count in taken.items():
        if unit_id in capacities:
            assert count <= capacities[unit_id]
    statuses = Counter(b.status for b, _, _ in bookings)
    assert statuses["pending"] > 0 and statuses["booked"] > statuses["pending"]
    assert set(statuses) == {"booked", "pending"}


def test_activities_closures_and_creche(demo: Engine) -> None:
    with read_session(demo) as session:
        activities = session.exec(select(Activity)).all()
        units = session.exec(select(Unit)).all()
        closures = session.exec(select(Closure)).all()
    by_id = {a.id: a for a in activities}
    communes = {a.commune_insee for a in activities}
    assert len(communes) >= 8
    assert sum(1 for a in activities if a.kind == "canteen" and a.commune_insee == "30007") >= 3
    unit_names: dict[str, set[tuple[str, str]]] = {}
    for unit in units:
        unit_names.setdefault(by_id[unit.activity_id].kind, set()).add((unit.name, unit.weekdays))
    assert unit_names["canteen"] == {("Repas", "0,1,3,4")}
    assert unit_names["periscolaire"] == {("Matin", "0,1,3,4"), ("Soir", "0,1,3,4")}
    assert unit_names["alsh"] == {("Journée", "2"), ("Demi-journée", "2")}
    creches = [a for a in activities if a.kind == "creche"]
    assert creches and all(
        (a.deadline_kind, a.deadline_days) == ("working_days", 2) for a in creches
    )
    creche_units = [u for u in units if by_id[u.activity_id].kind == "creche"]
    assert creche_units and all(u.capacity and u.weekdays == "0,1,2,3,4" for u in creche_units)
    assert any(a.site == "Crèche Les Petits Loups Alès" for a in creches)
    reasons = {c.reason for c in closures}
    assert any("Grève" in r for r in reasons) and any("COVID" in r for r in reasons)
    assert any("Pont" in r for r in reasons)
    covid_days = {c.day for c in closures if "COVID" in c.reason}
    assert covid_days == {date(2021, 4, d) for d in (6, 7, 8, 9)}
    assert all(c.activity_id is not None for c in closures)
    assert all(by_id[c.activity_id].code != "RS-MONS" for c in closures if c.activity_id)


def test_search_index_is_filled(demo: Engine) -> None:
    with read_session(demo) as session:
        hits = search_households(session, "guerin")
        assert "F-000002" in {hit.dossier for hit in hits}
        assert [hit.dossier for hit in search_households(session, "famille test")] == ["F-000001"]
        assert search_households(session, "F-000301")[0].dossier == "F-000301"


def test_ids_given_by_the_demo_are_not_given_again(engine: Engine) -> None:
    build_demo(engine, households=30)
    # Ids were given explicitly: the next rows made at the counter must still
    # get fresh ones (PostgreSQL's sequences were moved on).
    with unit_of_work(engine) as session:
        household = Household(
            dossier="F-999999",
            commune_insee="30007",
            commune_name="Alès",
            created_at=DEMO_TIME,
            updated_at=DEMO_TIME,
        )
        session.add(household)
        session.flush()
        child = Person(household_id=household.id or 0, role="child", first_name="A", last_name="B")
        session.add(child)
        session.flush()
        enrolment = Enrolment(
            person_id=child.id or 0,
            activity_id=seed_ids(session).activity_id,
            start_date=SCHOOL_YEAR[0],
            end_date=SCHOOL_YEAR[1],
        )
        session.add(enrolment)
        session.flush()
        booking = Booking(
            enrolment_id=enrolment.id or 0,
            day=date(2020, 9, 17),
            unit_id=seed_ids(session).unit_id,
            updated_at=DEMO_TIME,
        )
        session.add(booking)
        session.flush()
        assert household.id == 33  # after FAMILLE TEST, 30 synthetic ones and FAMILLE AGENDA
        counts = {
            table: session.execute(text(f"SELECT max(id) FROM {table}")).scalar()
            for table in ("person", "enrolment", "booking")
        }
    assert (child.id, enrolment.id, booking.id) == (
        counts["person"],
        counts["enrolment"],
        counts["booking"],
    )
