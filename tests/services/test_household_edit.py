"""Households at the counter: validation with named French messages, duplicates,
optimistic locking, search index kept current, enrolments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session, unit_of_work
from mairie_tui.domain.household_rules import HouseholdInput, PersonInput
from mairie_tui.models import Activity, AuditEvent, Enrolment, Household, Person
from mairie_tui.services.bookings import open_booking
from mairie_tui.services.common import Actor
from mairie_tui.services.demo import build_demo
from mairie_tui.services.enrolments import activate_enrolment, enrol_child, list_activities
from mairie_tui.services.errors import (
    ConflictError,
    InvalidHousehold,
    NotFoundError,
    PermissionDenied,
    PossibleDuplicates,
    RuleViolation,
)
from mairie_tui.services.household_edit import create_household, household_input, update_household
from mairie_tui.services.households import get_household
from mairie_tui.services.search import find_households
from tests.helpers import DESK, clock_at

AGENT = Actor(id=1, login="guichet", name="Camille Martin", role="agent")
STAFF = Actor(id=3, login="cantine", name="Sandrine Vidal", role="staff")
CLOCK = clock_at("2020-08-20T10:00")

GUERIN = HouseholdInput(
    representative=PersonInput(
        "representative",
        "Hélène",
        "Guérin",
        civility="Mme",
        birth_date=date(1984, 3, 2),
        phone="0612345678",
        email="Helene.Guerin@Example.FR",
    ),
    address="12 rue des Écoles",
    commune="mons",
    co_representatives=(
        PersonInput("co_representative", "Jérôme", "Guérin", birth_date=date(1982, 7, 9)),
    ),
    children=(
        PersonInput(
            "child",
            "Élodie",
            "",
            birth_date=date(2013, 4, 1),
            school="École de Mons",
            school_class="CE2",
        ),
        PersonInput(
            "child",
            "Noé",
            "",
            birth_date=date(2016, 9, 12),
            school="École de Mons",
            school_class="GS",
        ),
    ),
    authorised=(PersonInput("authorised", "Mamie", "Roux", phone="04 66 52 00 00"),),
    quotient_familial=640,
    qf_valid_until=date(2021, 8, 31),
)


def count(engine, model) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def demo(engine):
    build_demo(engine, households=0)
    return engine


def test_create_normalises_and_indexes(demo):
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    assert saved.dossier.startswith("F-") and saved.dossier != "F-000001"
    view = get_household(demo, saved.id, actor=AGENT)
    assert (view.commune_name, view.postcode) == ("Mons", "30340")
    assert view.representative.phone == "06 12 34 56 78"
    assert view.representative.email == "Helene.Guerin@example.fr"
    assert [c.last_name for c in view.children] == ["Guérin", "Guérin"]
    assert [hit.id for hit in find_households(demo, "elodie guer", actor=DESK)] == [saved.id]
    with read_session(demo) as session:
        assert session.exec(select(AuditEvent.action)).all() == ["household.create"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: replace(d, representative=replace(d.representative, email="helene@")),
            "Adresse e-mail invalide pour Hélène : « helene@ ».",
        ),
        (
            lambda d: replace(d, representative=replace(d.representative, phone="12345")),
            "Téléphone invalide pour Hélène : « 12345 » (ex. 04 66 83 10 74).",
        ),
        (
            lambda d: replace(d, children=(replace(d.children[0], birth_date=date(1980, 1, 1)),)),
            "Élodie ne peut pas être né(e) avant son parent Hélène Guérin",
        ),
        (lambda d: replace(d, commune=""), "Commune obligatoire."),
        (lambda d: replace(d, commune="Nîmes"), "Commune inconnue : « Nîmes »"),
        (
            lambda d: replace(d, representative=replace(d.representative, last_name=" ")),
            "Nom du représentant obligatoire.",
        ),
        (
            lambda d: replace(d, children=(replace(d.children[0], birth_date=date(2030, 1, 1)),)),
            "Date de naissance dans le futur pour Élodie",
        ),
        (  # longer than the column: refused at its field, on SQLite too (no DataError later)
            lambda d: replace(d, representative=replace(d.representative, last_name="N" * 93)),
            "texte trop long (93 caractères, 80 au plus)",
        ),
    ],
)
def test_validation_names_the_problem_and_saves_nothing(demo, change, message):
    before = count(demo, Household), count(demo, Person), count(demo, AuditEvent)
    with pytest.raises(InvalidHousehold) as refused:
        create_household(demo, change(GUERIN), actor=AGENT, clock=CLOCK)
    assert any(message in error.message for error in refused.value.errors), refused.value.errors
    assert (count(demo, Household), count(demo, Person), count(demo, AuditEvent)) == before


def test_duplicates_are_shown_and_the_agent_chooses(demo):
    first = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    twin = replace(
        GUERIN,
        representative=replace(
            GUERIN.representative, first_name="helene", last_name="GUERIN", email=None, phone=None
        ),
    )
    with pytest.raises(PossibleDuplicates) as warned:
        create_household(demo, twin, actor=AGENT, clock=CLOCK)
    (candidate,) = warned.value.candidates
    assert (candidate.household_id, candidate.reason) == (first.id, "même nom et date de naissance")
    same_mail = replace(
        GUERIN,
        representative=PersonInput(
            "representative", "Paul", "Autre", email="helene.guerin@example.fr"
        ),
    )
    with pytest.raises(PossibleDuplicates, match="même e-mail"):
        create_household(demo, same_mail, actor=AGENT, clock=CLOCK)
    second = create_household(demo, twin, actor=AGENT, clock=CLOCK, allow_duplicates=True)
    assert second.id != first.id


def test_same_name_and_same_address_is_a_possible_duplicate(demo):
    """FAMILLE TEST typed again (issue 13): no birth date, phone or e-mail to compare."""
    with read_session(demo) as session:
        existing = session.exec(select(Household).where(Household.dossier == "F-000001")).one()
    again = HouseholdInput(
        representative=PersonInput("representative", "test 1", "Famille Test", civility="Mme"),
        address="2, Place de la Mairie",
        commune="Mons",
    )
    with pytest.raises(PossibleDuplicates) as warned:
        create_household(demo, again, actor=AGENT, clock=CLOCK)
    (candidate,) = warned.value.candidates
    assert (candidate.household_id, candidate.reason) == (existing.id, "même nom et même adresse")
    # The same name elsewhere is another family; the same address another name, a neighbour.
    elsewhere = replace(again, address="4 rue Basse")
    neighbour = replace(again, representative=PersonInput("representative", "Paul", "Autre"))
    assert create_household(demo, elsewhere, actor=AGENT, clock=CLOCK).id != existing.id
    assert create_household(demo, neighbour, actor=AGENT, clock=CLOCK).id != existing.id


def test_concurrent_edit_second_save_is_refused(demo):
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    form_a, version_a = household_input(demo, saved.id, actor=DESK)
    form_b, version_b = household_input(demo, saved.id, actor=DESK)
    update_household(
        demo,
        saved.id,
        replace(form_a, address="3 avenue Jean Jaurès"),
        expected_version=version_a,
        actor=AGENT,
        clock=CLOCK,
    )
    with pytest.raises(ConflictError, match="Un autre poste a modifié ce foyer"):
        update_household(
            demo,
            saved.id,
            replace(form_b, address="99 chemin Perdu"),
            expected_version=version_b,
            actor=AGENT,
            clock=CLOCK,
        )
    assert get_household(demo, saved.id, actor=AGENT).address == "3 avenue Jean Jaurès"


def test_edit_renames_and_reindexes(demo):
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    form, version = household_input(demo, saved.id, actor=DESK)
    renamed = replace(
        form, children=(replace(form.children[0], first_name="Maëlys"), form.children[1])
    )
    update_household(demo, saved.id, renamed, expected_version=version, actor=AGENT, clock=CLOCK)
    assert find_households(demo, "elodie", actor=DESK) == []
    assert [h.id for h in find_households(demo, "maelys", actor=DESK)] == [saved.id]
    assert get_household(demo, saved.id, actor=AGENT).version == version + 1


def test_staff_cannot_touch_households(demo):
    with pytest.raises(PermissionDenied):
        create_household(demo, GUERIN, actor=STAFF, clock=CLOCK)


def test_enrol_then_activate_then_book(demo):
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    child = get_household(demo, saved.id, actor=AGENT).children[0]
    canteen = next(a for a in list_activities(demo, commune_insee="30173") if a.code == "RS-MONS")
    enrolment_id = enrol_child(
        demo, child_id=child.id, activity_id=canteen.id, actor=AGENT, clock=CLOCK
    )
    view = get_household(demo, saved.id, actor=AGENT)
    assert [(e.child_name, e.status, e.period_text) for e in view.enrolments] == [
        ("Élodie", "pending", "du 01/09/2020 au 06/07/2021")
    ]
    with pytest.raises(RuleViolation, match="déjà inscrit"):
        enrol_child(demo, child_id=child.id, activity_id=canteen.id, actor=AGENT, clock=CLOCK)
    activate_enrolment(demo, enrolment_id, actor=AGENT, clock=CLOCK)
    booking = open_booking(demo, enrolment_id, CLOCK, actor=DESK)
    assert booking.draft.toggle(date(2020, 9, 3), booking.units[0].id).changed
    with read_session(demo) as session:
        assert session.get(Enrolment, enrolment_id).status == "active"


def test_enrolling_refuses_a_missing_child_or_a_closed_activity(demo):
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    view = get_household(demo, saved.id, actor=AGENT)
    canteen = next(a for a in list_activities(demo) if a.code == "RS-MONS")
    assert view.representative is not None
    for person_id in (view.representative.id, 999_999):
        with pytest.raises(NotFoundError, match=r"^Enfant introuvable\.$"):
            enrol_child(
                demo, child_id=person_id, activity_id=canteen.id, actor=AGENT, clock=CLOCK
            )
    with unit_of_work(demo) as session:
        session.get(Activity, canteen.id).active = False
    with pytest.raises(NotFoundError, match=r"^Activité introuvable ou fermée\.$"):
        enrol_child(
            demo, child_id=view.children[0].id, activity_id=canteen.id, actor=AGENT, clock=CLOCK
        )
    with pytest.raises(NotFoundError, match=r"^Inscription introuvable \(n° 999999\)\.$"):
        activate_enrolment(demo, 999_999, actor=AGENT, clock=CLOCK)

def test_staff_cannot_read_or_search_households(demo):
    saved = create_household(demo, GUERIN, actor=AGENT, clock=CLOCK)
    with pytest.raises(PermissionDenied):
        get_household(demo, saved.id, actor=STAFF)
    with pytest.raises(PermissionDenied):
        find_households(demo, "guerin", actor=STAFF)
    assert [hit.id for hit in find_households(demo, "guerin", actor=AGENT)] == [saved.id]
