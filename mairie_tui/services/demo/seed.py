"""The demo's fixed dates and seeds, its agents and the FAMILLE TEST household."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from mairie_tui.models import (
    Activity,
    Agent,
    AgentSite,
    Enrolment,
    Household,
    News,
    Person,
    Unit,
)
from mairie_tui.services.agents import hash_password

# Fixed creation time: the demo set must be the same at every build.
DEMO_TIME = datetime(2020, 8, 27, 10, 30, tzinfo=UTC)
# When the "pending" bookings were asked for (the evening before the seed's day).
PENDING_TIME = datetime(2020, 9, 14, 18, 45, tzinfo=UTC)
SCHOOL_YEAR = (date(2020, 9, 1), date(2021, 7, 6))
# Crèches run through the school holidays (public holidays only close them) until July's end.
CRECHE_YEAR = (date(2020, 9, 1), date(2021, 7, 30))
PENDING_WINDOW = (date(2020, 9, 28), date(2020, 10, 9))
DEMO_AGENTS = (
    ("guichet", "Camille Martin", "agent"),
    ("superviseur", "Dominique Roux", "supervisor"),
    ("cantine", "Sandrine Vidal", "staff"),
)
HOUSEHOLD_SEED = 20200901
BOOKING_SEED = 20210706
# Bookings are written for the enrolments of this many synthetic households only.
BOOKED_HOUSEHOLDS = 2_000
CHUNK_HOUSEHOLDS = 2_000
BOOKING_BATCH = 20_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SeedIds:
    household_id: int
    child_id: int
    activity_id: int
    unit_id: int
    enrolment_id: int


def create_agents(session: Session) -> None:
    for login, name, role in DEMO_AGENTS:
        session.add(Agent(login=login, name=name, role=role, password_hash=hash_password(login)))


# The demo's school staff works at every school's canteen and périscolaire: the README's
# pointage at Alès Jean Macé works; the ALSH and crèche sites stay out of reach.
DEMO_STAFF_KINDS = ("canteen", "periscolaire")


def attach_demo_staff(session: Session) -> None:
    """Attach the demo's staff (`cantine`) to the schools' sites (table agent_site)."""
    sites = session.exec(
        select(Activity.site).where(col(Activity.kind).in_(DEMO_STAFF_KINDS)).distinct()
    ).all()
    for agent in session.exec(select(Agent).where(Agent.role == "staff")):
        assert agent.id is not None
        for site in sorted(sites):
            session.add(AgentSite(agent_id=agent.id, site=site))


# The news agents see after sign-in on the demo's day (15/09/2020): the portal's, and one
# for the families of one ALSH.
DEMO_NEWS = (
    (
        "Les réservations en ALSH sont ouvertes !",
        "Les mercredis jusqu'aux vacances de la Toussaint se réservent au guichet "
        "ou sur le portail Mairie Prim'.",
        date(2020, 9, 1),
        date(2020, 9, 30),
        None,
    ),
    (
        "Sortie au parc mercredi 16/09",
        "ALSH Les Prés-Saint-Jean : prévoir une casquette et une gourde, retour vers 17h.",
        date(2020, 9, 14),
        date(2020, 9, 16),
        "ALSH-ALES-PSJ",
    ),
)


def create_demo_news(session: Session) -> None:
    """The demo's news, published by its supervisor (table news, migration 0013)."""
    supervisor = session.exec(select(Agent.id).where(Agent.role == "supervisor")).first()
    codes = set(session.exec(select(Activity.code)).all())
    for title, text, start, end, activity in DEMO_NEWS:
        if activity is not None and activity not in codes:
            continue
        session.add(
            News(
                title=title,
                text=text,
                start_date=start,
                end_date=end,
                audience="all" if activity is None else "activity",
                audience_value=activity,
                created_at=DEMO_TIME,
                created_by=supervisor,
            )
        )


def create_seed(session: Session) -> SeedIds:
    """FAMILLE TEST exactly as the families' portal tutorial shows it."""
    canteen = Activity(
        code="RS-MONS",
        name="Restauration scolaire Mons",
        kind="canteen",
        site="Restaurant scolaire Mons Elementaire",
        commune_insee="30173",
    )
    session.add(canteen)
    session.flush()
    assert canteen.id is not None
    meal = Unit(activity_id=canteen.id, name="Repas", weekdays="0,1,3,4")
    household = _seed_household()
    session.add_all([meal, household])
    session.flush()
    assert household.id is not None and meal.id is not None
    child_id = _seed_members(session, household.id)
    enrolment = Enrolment(
        person_id=child_id,
        activity_id=canteen.id,
        start_date=SCHOOL_YEAR[0],
        end_date=SCHOOL_YEAR[1],
        status="active",
    )
    session.add(enrolment)
    session.flush()
    assert enrolment.id is not None
    return SeedIds(household.id, child_id, canteen.id, meal.id, enrolment.id)


def _seed_household() -> Household:
    return Household(
        dossier="F-000001",
        address="2 place de la Mairie",
        postcode="30340",
        commune_insee="30173",
        commune_name="Mons",
        phone="04 66 83 10 74",
        email="mairiedemons0517@orange.fr",
        quotient_familial=880,
        qf_valid_until=date(2021, 8, 31),
        created_at=DEMO_TIME,
        updated_at=DEMO_TIME,
    )


def _seed_members(session: Session, household_id: int) -> int:
    """Mme Test 1 and M. Test 2 FAMILLE TEST, and their son Jeannot (his id is returned)."""
    representative = Person(
        household_id=household_id,
        role="representative",
        civility="Mme",
        first_name="Test 1",
        last_name="FAMILLE TEST",
        phone="04 66 83 10 74",
        email="mairiedemons0517@orange.fr",
    )
    co_representative = Person(
        household_id=household_id,
        role="co_representative",
        civility="M.",
        first_name="Test 2",
        last_name="FAMILLE TEST",
        position=1,
    )
    child = Person(
        household_id=household_id,
        role="child",
        first_name="Jeannot",
        last_name="FAMILLE TEST",
        birth_date=date(2013, 5, 14),
        school="École élémentaire de Mons",
        school_class="CE2",
        position=2,
    )
    session.add_all([representative, co_representative, child])
    session.flush()
    assert child.id is not None
    return child.id


def seed_ids(session: Session) -> SeedIds:
    """Find the seed's ids in a demo database."""
    household = session.exec(select(Household).where(Household.dossier == "F-000001")).one()
    child = session.exec(
        select(Person).where(Person.household_id == household.id, Person.first_name == "Jeannot")
    ).one()
    enrolment = session.exec(select(Enrolment).where(Enrolment.person_id == child.id)).first()
    assert enrolment is not None
    unit = session.exec(select(Unit).where(Unit.activity_id == enrolment.activity_id)).first()
    assert household.id and child.id and unit is not None and unit.id and enrolment.id
    return SeedIds(household.id, child.id, enrolment.activity_id, unit.id, enrolment.id)
