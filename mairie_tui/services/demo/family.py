"""FAMILLE AGENDA: the demo's household of three school-age children (the family agenda).

Dossier F-000000, at Mons like FAMILLE TEST: Paul (CM2), Léa (CE2) and Hugo
(CP), each enrolled (active) for 2020–2021 in the seed's canteen RS-MONS and in
the périscolaire PERI-MONS, with no booking yet — the family agenda books them
all at once. Léa is in alternating custody: her mother Claire has the odd ISO
weeks, her father Marc the even ones. The dossier number sits below FAMILLE
TEST's, out of the way of the synthetic households (F-000002 …) and of the
numbers the counter gives (after the highest one).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from mairie_tui.models import Activity, Custody, Enrolment, Household, Person
from mairie_tui.services.demo.seed import DEMO_TIME, SCHOOL_YEAR

AGENDA_DOSSIER = "F-000000"
AGENDA_NAME = "FAMILLE AGENDA"
AGENDA_ACTIVITIES = ("RS-MONS", "PERI-MONS")
# (first name, birth date, class): the élémentaire of Mons, whose canteen is RS-MONS.
AGENDA_CHILDREN = (
    ("Paul", date(2010, 3, 2), "CM2"),
    ("Léa", date(2012, 11, 20), "CE2"),
    ("Hugo", date(2014, 6, 8), "CP"),
)
CUSTODY_CHILD = "Léa"


def create_agenda_family(session: Session) -> int:
    """The household, its two representatives, three children and six enrolments; its id."""
    household = Household(
        dossier=AGENDA_DOSSIER,
        address="14 rue des Écoles",
        postcode="30340",
        commune_insee="30173",
        commune_name="Mons",
        phone="04 66 17 20 21",
        email="famille.agenda@example.fr",
        quotient_familial=623,
        qf_valid_until=date(2021, 8, 31),
        created_at=DEMO_TIME,
        updated_at=DEMO_TIME,
    )
    session.add(household)
    session.flush()
    assert household.id is not None
    mother = _person(household.id, "representative", "Mme", "Claire", 0)
    mother.email, mother.phone = "claire.agenda@example.fr", "06 17 20 21 01"
    father = _person(household.id, "co_representative", "M.", "Marc", 1)
    father.email, father.phone = "marc.agenda@example.fr", "06 17 20 21 02"
    children = []
    for position, (first_name, birth, school_class) in enumerate(AGENDA_CHILDREN, start=2):
        child = _person(household.id, "child", None, first_name, position)
        child.birth_date, child.school_class = birth, school_class
        child.school = "École élémentaire de Mons"
        children.append(child)
    session.add_all([mother, father, *children])
    session.flush()
    activities = [
        activity.id
        for activity in session.exec(
            select(Activity).where(col(Activity.code).in_(AGENDA_ACTIVITIES))
        )
        if activity.id is not None
    ]
    for child in children:
        assert child.id is not None
        for activity_id in sorted(activities):
            session.add(
                Enrolment(
                    person_id=child.id,
                    activity_id=activity_id,
                    start_date=SCHOOL_YEAR[0],
                    end_date=SCHOOL_YEAR[1],
                    status="active",
                )
            )
    custody_child = next(c for c in children if c.first_name == CUSTODY_CHILD)
    assert custody_child.id is not None and mother.id is not None and father.id is not None
    session.add(
        Custody(
            child_id=custody_child.id,
            mode="odd_even",
            first_representative_id=mother.id,
            second_representative_id=father.id,
            updated_at=DEMO_TIME,
        )
    )
    session.flush()
    return household.id


def _person(
    household_id: int, role: str, civility: str | None, first_name: str, position: int
) -> Person:
    return Person(
        household_id=household_id,
        role=role,
        civility=civility,
        first_name=first_name,
        last_name=AGENDA_NAME,
        position=position,
    )
